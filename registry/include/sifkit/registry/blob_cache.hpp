// The content-addressed blob cache of pulls: $SIFKIT_CACHEDIR, else $XDG_CACHE_HOME/sifkit,
// else ~/.cache/sifkit.
//
//   blobs/sha256/<hex>     complete blobs (layers, configs, manifests), each checked against its
//                          digest before it was renamed there, and again whenever it is read
//   partial/sha256/<hex>   a download in progress or interrupted: the bytes received so far,
//                          resumed by the next pull; its writer holds an flock on it
//   sources/<hex>          "REGISTRY/REPOSITORY" lines: where the blob was seen, for
//                          cross-repository mounts on push
//
// Safe when several processes use it at once: a blob is downloaded by whoever holds the lock on
// its partial file (the others wait and then use the result), and appears in blobs/ by an
// atomic rename; readers keep their files open, so `clean` never pulls a blob from under a pull.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sifkit::registry {

class BlobCache {
  public:
    static std::filesystem::path default_directory();

    explicit BlobCache(std::filesystem::path root);

    const std::filesystem::path& root() const { return root_; }
    std::filesystem::path blob_path(const std::string& digest) const;
    std::filesystem::path partial_path(const std::string& digest) const;

    // A complete blob opened read-only (marked as used now), or -1 when it is not cached.
    // Its bytes are not checked here: a reader hashes them before it trusts them.
    int open_blob(const std::string& digest) const;
    // Removes a complete blob found damaged (its bytes do not have its digest), when blobs/
    // still holds the file `fd` is open on; true when it was removed.
    bool evict(const std::string& digest, int fd) const;
    // Stores a small document (a manifest) under its digest; the caller checked the digest.
    void put(const std::string& digest, std::string_view data) const;

    // The right to download one blob. Either the blob is complete (`complete_fd`), or this
    // process holds the lock on its partial file (`partial_fd`, holding `partial_size` bytes
    // from an earlier attempt) until finish() or the Claim's destruction.
    class Claim {
      public:
        Claim() = default;
        Claim(Claim&& other) noexcept;
        Claim& operator=(Claim&& other) noexcept;
        ~Claim();

        int complete_fd = -1;  // owned by the caller once taken (set to -1 to take it)
        int partial_fd = -1;
        std::uint64_t partial_size = 0;

        // The partial file is the whole blob, checked: flush it, rename it into blobs/, unlock.
        // The descriptor stays open (returned) for reading.
        int finish();
        // Forget the bytes received (after a digest mismatch): the next attempt starts afresh.
        void discard();
        const std::filesystem::path& partial_path() const { return partial_; }

      private:
        friend class BlobCache;
        std::filesystem::path partial_;
        std::filesystem::path blob_;
        void release() noexcept;
    };

    // Waits (calling `cancelled` every 100 ms; it may throw) while another process holds the
    // blob's partial file.
    Claim claim(const std::string& digest, const std::function<void()>& cancelled) const;

    // Where a blob was seen; the repositories of `registry` that hold it.
    void record_source(const std::string& digest, const std::string& registry,
                       const std::string& repository) const;
    std::vector<std::string> sources(const std::string& digest, const std::string& registry) const;

    struct Entry {
        std::string digest;
        std::uint64_t size = 0;
        std::int64_t last_used = 0;  // Unix seconds
        bool partial = false;
    };
    std::vector<Entry> list() const;

    struct CleanResult {
        std::uint64_t files = 0;
        std::uint64_t bytes = 0;
        std::uint64_t in_use = 0;  // partial files being downloaded now, left alone
    };
    // What `clean` removes: with neither limit, everything; otherwise what was not used for
    // `older_than`, and then the least recently used blobs until the cache holds at most
    // `max_bytes` (partial files being downloaded count, but stay).
    struct CleanPolicy {
        std::optional<std::chrono::seconds> older_than;
        std::optional<std::uint64_t> max_bytes;
    };
    // Removes blobs (and partial files nobody is downloading) as the policy says.
    CleanResult clean(const CleanPolicy& policy = {}) const;

  private:
    void ensure_directories() const;
    // Removes one entry unless it is a partial file someone holds; true when it is gone.
    bool remove_entry(const Entry& entry, CleanResult& result) const;
    std::filesystem::path root_;
};

}  // namespace sifkit::registry
