// One file-system entry as a layer (or a root file system directory) describes it, before the
// layers are merged. Streams of entries come from tar layers (tar_entries) and from directory
// trees (dir_entries).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace sifkit::oci2sif {

enum class EntryType : std::uint8_t {
    regular,
    directory,
    symlink,
    hardlink,
    char_device,
    block_device,
    fifo,
    socket
};

struct Entry {
    std::string path;  // normalized: relative, no "." or ".." components; "" is the root
    EntryType type = EntryType::regular;
    std::uint32_t mode = 0644;  // permission bits, including setuid/setgid/sticky (07777)
    std::uint32_t uid = 0;
    std::uint32_t gid = 0;
    std::int64_t mtime = 0;
    std::uint64_t size = 0;   // regular files
    std::string link_target;  // symlink target as written; hardlink target normalized like path
    std::uint32_t dev_major = 0;
    std::uint32_t dev_minor = 0;
    std::vector<std::pair<std::string, std::string>> xattrs;  // sorted by name
};

// A stream of entries; the data of the current regular file is read with read_data().
class EntryStream {
  public:
    virtual ~EntryStream() = default;
    // The next entry; false at the end. Unread data of the previous entry is skipped.
    virtual bool next(Entry& entry) = 0;
    // Data of the current regular file; 0 at its end.
    virtual std::size_t read_data(std::span<std::byte> data) = 0;
    // Warnings about entries the stream dropped (sockets, unsafe names), drained by the caller.
    std::vector<std::string> take_warnings() { return std::exchange(warnings_, {}); }

  protected:
    void warn(std::string message) { warnings_.push_back(std::move(message)); }

  private:
    std::vector<std::string> warnings_;
};

// Makes an archive path canonical and root-relative, as Docker's applier does: a leading "/"
// and "./" removed, "." and empty components dropped, ".." resolved against the components
// before it. Returns what is wrong with a name no runtime would apply (empty when it is
// fine): one that climbs above the root with "..", a component longer than 255 bytes (the
// longest name squashfs and Linux store). (The depth limit is the merge's: it applies to
// every source.)
std::string normalize_entry_path(std::string_view raw, std::string& out);

// `path` for a message: quoted, and shortened when very long (a crafted name can be 100 KiB).
std::string quoted_path(std::string_view path);

}  // namespace sifkit::oci2sif
