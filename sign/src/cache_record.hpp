// The record kept next to each cached copy (KEY.json): what the copy was when it was staged,
// so that a later hit can tell whether it is still that copy, and the object digests computed
// over its bytes while it was copied.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "object_digests.hpp"

namespace sifkit::sign::detail {

// What changes when a file is written, replaced or has its mode changed. ctime cannot be set
// back by anyone but root changing the clock, so a match means the copy was left alone.
struct FileIdentity {
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    std::uint64_t size = 0;
    std::int64_t mtime_ns = 0;
    std::int64_t ctime_ns = 0;
    std::uint32_t mode = 0;
    std::uint32_t uid = 0;

    static FileIdentity of(const struct stat& info) noexcept;
    friend bool operator==(const FileIdentity&, const FileIdentity&) = default;
};

struct CacheRecord {
    std::string key;
    FileIdentity identity;  // of the cached copy
    std::vector<KnownDigest> digests;
    // Source files known to hold this content: each was read in full and verified (while it
    // was copied, or in place later) and has not changed since. The most recent come last.
    std::vector<FileIdentity> sources;
    // Informational: the image it was staged from, when, and the keys that verified it then.
    std::string source;
    std::int64_t staged_at = 0;
    std::vector<std::string> verified_by;

    // Remembers a verified source, keeping the kMaxSources most recent ones.
    void add_source(const FileIdentity& file);
    bool knows_source(const FileIdentity& file) const;
    static constexpr std::size_t kMaxSources = 16;

    std::string encode() const;
    // nullopt when the text is not a record of this format.
    static std::optional<CacheRecord> decode(std::string_view text);
};

}  // namespace sifkit::sign::detail
