// Concurrent blob downloads for a pull: a queue worked by `jobs` threads, in the order the
// blobs are wanted (config, then the layers from the top down, as the converter reads them),
// into the cache (or, without one, into unlinked temporary files). A reader of a blob streams
// the bytes already written and waits for the rest, so the conversion of a layer starts while
// it is still downloading. Every blob, downloaded or found in the cache, is checked against its
// digest and size before it is complete; a blob that fails makes its readers throw the
// download's error.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "sifkit/registry/blob_cache.hpp"
#include "sifkit/registry/client.hpp"
#include "sifkit/sif/source.hpp"

namespace sifkit::registry {

struct BlobWanted {
    std::string digest;
    std::optional<std::uint64_t> size;
};

struct FetchStats {
    std::uint64_t blobs = 0;       // distinct blobs wanted
    std::uint64_t from_cache = 0;  // complete in the cache already
    std::uint64_t downloaded = 0;  // fetched, in whole or in part
    std::uint64_t resumed = 0;     // continued from a partial file an earlier pull left
    std::uint64_t bytes = 0;       // bytes received
};

class BlobFetcher {
  public:
    // `cache` may be null (--no-cache): blobs then live in unlinked files under `temp_dir`.
    BlobFetcher(Client& client, const BlobCache* cache, unsigned jobs,
                std::filesystem::path temp_dir, std::string origin);
    ~BlobFetcher();  // cancels what is still running and waits for the threads
    BlobFetcher(const BlobFetcher&) = delete;
    BlobFetcher& operator=(const BlobFetcher&) = delete;

    // Queues blobs (those already known are left where they are), after the queued ones.
    void want(const std::vector<BlobWanted>& blobs);
    // The expected size of a wanted blob (from its descriptor), nullopt when unknown.
    std::optional<std::uint64_t> size_of(const std::string& digest) const;
    // Reads a blob; queues it first when it was not wanted yet.
    std::unique_ptr<sif::ByteSource> open(const std::string& digest);
    // Waits for a blob and returns a descriptor of its complete file (owned by the fetcher).
    int wait_complete(const std::string& digest);

    FetchStats stats() const;
    // After a read failed (a corrupt stream, say): waits for the downloads of the blobs that
    // were being read and returns the error the first of them failed with (the root cause, such
    // as a digest mismatch), or null when they all completed.
    std::exception_ptr failure_of_read_blobs();

    struct Blob;

  private:
    std::shared_ptr<Blob> find_or_add(const BlobWanted& wanted, bool urgent);
    void work();
    void download(Blob& blob);
    void verify_cached(Blob& blob, int fd, std::uint64_t size);

    Client& client_;
    const BlobCache* cache_;
    std::filesystem::path temp_dir_;
    std::string origin_;
    mutable std::mutex mutex_;  // queue_, blobs_, stats_, stopping_
    std::condition_variable wake_;
    std::deque<std::shared_ptr<Blob>> queue_;
    std::map<std::string, std::shared_ptr<Blob>> blobs_;
    FetchStats stats_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace sifkit::registry
