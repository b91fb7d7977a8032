#include "blob_fetcher.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "sifkit/sif/error.hpp"
#include "sifkit/sif/file_io.hpp"
#include "sifkit/sif/sha256.hpp"

namespace sifkit::registry {
namespace {

// A file nobody else can see and that vanishes with its last descriptor.
int anonymous_file(const std::filesystem::path& dir) {
    int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0) {
        return fd;
    }
    std::string pattern = (dir / "sifkit-blob-XXXXXX").string();
    fd = ::mkostemp(pattern.data(), O_CLOEXEC);
    if (fd < 0) {
        throw_errno("cannot create a temporary file in this directory", dir.string());
    }
    ::unlink(pattern.c_str());
    return fd;
}

void pwrite_all(int fd, std::span<const std::byte> data, std::uint64_t offset,
                const std::string& name) {
    sif::write_full_at(fd, offset, data, name, "cannot write the download");
}

}  // namespace

struct BlobFetcher::Blob {
    enum class State { queued, running, done, failed };

    std::string digest;
    std::optional<std::uint64_t> size;
    std::mutex mutex;  // everything below
    std::condition_variable changed;
    State state = State::queued;
    int fd = -1;
    std::uint64_t available = 0;
    std::exception_ptr error;
    bool read = false;  // open() was called for it

    ~Blob() {
        if (fd >= 0) {
            ::close(fd);
        }
    }

    void publish(std::uint64_t bytes, std::optional<State> next = std::nullopt,
                 std::exception_ptr failure = nullptr) {
        {
            std::lock_guard lock(mutex);
            available = bytes;
            if (next) {
                state = *next;
            }
            if (failure) {
                error = failure;
            }
        }
        changed.notify_all();
    }
};

namespace {

using Blob = BlobFetcher::Blob;

// Streams a blob: what is written so far, waiting for more until the download is done.
class BlobReader final : public sif::ByteSource {
  public:
    BlobReader(std::shared_ptr<Blob> blob, std::string name)
        : blob_(std::move(blob)), name_(std::move(name)) {}

    std::size_t read(std::span<std::byte> data) override {
        if (data.empty()) {
            return 0;
        }
        std::unique_lock lock(blob_->mutex);
        blob_->changed.wait(lock, [&] {
            return blob_->available > offset_ || blob_->state == Blob::State::done ||
                   blob_->state == Blob::State::failed;
        });
        if (blob_->state == Blob::State::failed) {
            std::rethrow_exception(blob_->error);
        }
        if (offset_ >= blob_->available) {
            return 0;
        }
        const std::size_t want = static_cast<std::size_t>(
            std::min<std::uint64_t>(data.size(), blob_->available - offset_));
        const int fd = blob_->fd;
        lock.unlock();
        const ssize_t n = ::pread(fd, data.data(), want, static_cast<off_t>(offset_));
        if (n <= 0) {
            const int read_errno = errno;
            rethrow_if_download_failed();
            if (n == 0) {
                throw Error(ErrorKind::io, "the downloaded blob shrank while it was read", name_);
            }
            errno = read_errno;
            throw_errno("cannot read the downloaded blob", name_);
        }
        offset_ += static_cast<std::uint64_t>(n);
        return static_cast<std::size_t>(n);
    }

    const std::string& name() const override { return name_; }

  private:
    // A download that fails (a digest mismatch) discards its file, so a reader still busy
    // with it finds it shorter than announced: the download's own error is the one to report.
    void rethrow_if_download_failed() {
        std::unique_lock lock(blob_->mutex);
        blob_->changed.wait(lock, [&] {
            return blob_->state == Blob::State::done || blob_->state == Blob::State::failed;
        });
        if (blob_->state == Blob::State::failed) {
            std::rethrow_exception(blob_->error);
        }
    }

    std::shared_ptr<Blob> blob_;
    std::uint64_t offset_ = 0;
    std::string name_;
};

}  // namespace

BlobFetcher::BlobFetcher(Client& client, const BlobCache* cache, unsigned jobs,
                         std::filesystem::path temp_dir, std::string origin)
    : client_(client), cache_(cache), temp_dir_(std::move(temp_dir)), origin_(std::move(origin)) {
    for (unsigned i = 0; i < std::max(1U, jobs); ++i) {
        threads_.emplace_back([this] { work(); });
    }
}

BlobFetcher::~BlobFetcher() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    client_.cancel();
    wake_.notify_all();
    for (auto& t : threads_) {
        t.join();
    }
    const auto cancelled = std::make_exception_ptr(Error(ErrorKind::io, "pull cancelled", origin_));
    for (auto& blob : queue_) {
        blob->publish(0, Blob::State::failed, cancelled);
    }
}

std::shared_ptr<Blob> BlobFetcher::find_or_add(const BlobWanted& wanted, bool urgent) {
    // Called with mutex_ held.
    auto& slot = blobs_[wanted.digest];
    if (slot) {
        if (!slot->size && wanted.size) {
            std::lock_guard lock(slot->mutex);
            slot->size = wanted.size;
        }
        if (urgent) {
            // Move it to the front if it is still waiting.
            for (auto it = queue_.begin(); it != queue_.end(); ++it) {
                if (*it == slot) {
                    queue_.erase(it);
                    queue_.push_front(slot);
                    break;
                }
            }
        }
        return slot;
    }
    slot = std::make_shared<Blob>();
    slot->digest = wanted.digest;
    slot->size = wanted.size;
    ++stats_.blobs;
    if (urgent) {
        queue_.push_front(slot);
    } else {
        queue_.push_back(slot);
    }
    wake_.notify_one();
    return slot;
}

void BlobFetcher::want(const std::vector<BlobWanted>& blobs) {
    std::lock_guard lock(mutex_);
    for (const auto& b : blobs) {
        find_or_add(b, false);
    }
}

std::optional<std::uint64_t> BlobFetcher::size_of(const std::string& digest) const {
    std::lock_guard lock(mutex_);
    const auto it = blobs_.find(digest);
    if (it == blobs_.end()) {
        return std::nullopt;
    }
    std::lock_guard blob_lock(it->second->mutex);
    return it->second->size;
}

std::unique_ptr<sif::ByteSource> BlobFetcher::open(const std::string& digest) {
    std::shared_ptr<Blob> blob;
    {
        std::lock_guard lock(mutex_);
        blob = find_or_add(BlobWanted{digest, std::nullopt}, true);
    }
    {
        std::lock_guard lock(blob->mutex);
        blob->read = true;
    }
    return std::make_unique<BlobReader>(blob, origin_ + "@" + digest);
}

int BlobFetcher::wait_complete(const std::string& digest) {
    std::shared_ptr<Blob> blob;
    {
        std::lock_guard lock(mutex_);
        blob = find_or_add(BlobWanted{digest, std::nullopt}, true);
    }
    std::unique_lock lock(blob->mutex);
    blob->changed.wait(lock, [&] {
        return blob->state == Blob::State::done || blob->state == Blob::State::failed;
    });
    if (blob->state == Blob::State::failed) {
        std::rethrow_exception(blob->error);
    }
    return blob->fd;
}

std::exception_ptr BlobFetcher::failure_of_read_blobs() {
    std::vector<std::shared_ptr<Blob>> blobs;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [digest, blob] : blobs_) {
            blobs.push_back(blob);
        }
    }
    for (const auto& blob : blobs) {
        std::unique_lock lock(blob->mutex);
        if (!blob->read) {
            continue;
        }
        blob->changed.wait(lock, [&] {
            return blob->state == Blob::State::done || blob->state == Blob::State::failed;
        });
        if (blob->state == Blob::State::failed) {
            return blob->error;
        }
    }
    return nullptr;
}

FetchStats BlobFetcher::stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
}

void BlobFetcher::work() {
    while (true) {
        std::shared_ptr<Blob> blob;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (stopping_) {
                return;
            }
            blob = queue_.front();
            queue_.pop_front();
        }
        {
            std::lock_guard lock(blob->mutex);
            blob->state = Blob::State::running;
        }
        try {
            download(*blob);
        } catch (...) {
            std::uint64_t available = 0;
            {
                std::lock_guard lock(blob->mutex);
                available = blob->available;
            }
            blob->publish(available, Blob::State::failed, std::current_exception());
        }
    }
}

// A blob from the cache is hashed before it is trusted, as a download is: its readers stream
// the bytes hashed so far and see its end only once the digest matched. A file whose bytes were
// changed (a disk error, or someone who can write the cache) is removed, so that the next pull
// downloads the blob again, and the pull fails.
void BlobFetcher::verify_cached(Blob& blob, int fd, std::uint64_t size) {
    const std::string path = cache_->blob_path(blob.digest).string();
    sif::Sha256 hasher;
    std::vector<std::byte> buffer(1 << 20);
    std::uint64_t done = 0;
    while (done < size) {
        {
            std::lock_guard lock(mutex_);
            if (stopping_) {
                throw Error(ErrorKind::io, "pull cancelled", origin_);
            }
        }
        const auto want =
            static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), size - done));
        const std::size_t n = sif::read_full_at(fd, done, std::span(buffer.data(), want), path,
                                                "cannot read the cached blob");
        if (n == 0) {
            break;  // it shrank: the digest below cannot match
        }
        hasher.update(std::span<const std::byte>(buffer.data(), n));
        done += static_cast<std::uint64_t>(n);
        blob.publish(done);
    }
    const std::string actual = hasher.finish();
    if (done == size && actual == blob.digest) {
        return;
    }
    const bool removed = cache_->evict(blob.digest, fd);
    throw Error(ErrorKind::invalid_input,
                "digest mismatch: the cached blob " +
                    (done == size ? "holds content whose digest is " + actual
                                  : std::string("shrank while it was read")) +
                    (removed ? "; removed it from the cache (pull again to download it)"
                             : " (remove it with: sifkit cache clean)"),
                path);
}

void BlobFetcher::download(Blob& blob) {
    const std::string name = origin_ + "@" + blob.digest;
    std::optional<std::uint64_t> size;
    {
        std::lock_guard lock(blob.mutex);
        size = blob.size;
    }
    BlobCache::Claim claim;
    int fd = -1;
    std::uint64_t have = 0;
    if (cache_ != nullptr) {
        claim = cache_->claim(blob.digest, [this] {
            std::lock_guard lock(mutex_);
            if (stopping_) {
                throw Error(ErrorKind::io, "pull cancelled", origin_);
            }
        });
        if (claim.complete_fd >= 0) {
            struct stat st {};
            ::fstat(claim.complete_fd, &st);
            const auto stored = static_cast<std::uint64_t>(st.st_size);
            if (size && stored != *size) {
                throw Error(ErrorKind::invalid_input,
                            "cached blob is " + std::to_string(stored) +
                                " bytes, the manifest says " + std::to_string(*size) +
                                " (remove it with: sifkit cache clean)",
                            cache_->blob_path(blob.digest).string());
            }
            const int cached = std::exchange(claim.complete_fd, -1);
            {
                std::lock_guard lock(blob.mutex);
                blob.fd = cached;
            }
            {
                std::lock_guard lock(mutex_);
                ++stats_.from_cache;
            }
            verify_cached(blob, cached, stored);
            blob.publish(stored, Blob::State::done);
            return;
        }
        fd = ::fcntl(claim.partial_fd, F_DUPFD_CLOEXEC, 0);
        if (fd < 0) {
            throw_errno("cannot duplicate a descriptor of", claim.partial_path().string());
        }
        have = claim.partial_size;
    } else {
        fd = anonymous_file(temp_dir_);
    }
    {
        std::lock_guard lock(blob.mutex);
        blob.fd = fd;
    }
    sif::Sha256 hasher;
    if (size && have > *size) {
        if (::ftruncate(fd, 0) != 0) {
            throw_errno("cannot truncate the partial download", name);
        }
        have = 0;
    }
    if (have > 0) {
        // Resuming what an earlier pull left: its bytes count towards the digest.
        std::vector<std::byte> buffer(1 << 20);
        std::uint64_t done = 0;
        while (done < have) {
            const auto want =
                static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), have - done));
            const std::size_t n = sif::read_full_at(fd, done, std::span(buffer.data(), want), name,
                                                    "cannot read the partial download");
            if (n == 0) {
                throw Error(ErrorKind::io, "the partial download shrank while it was read", name);
            }
            hasher.update(std::span<const std::byte>(buffer.data(), n));
            done += n;
        }
        std::lock_guard lock(mutex_);
        ++stats_.resumed;
    }
    {
        std::lock_guard lock(mutex_);
        ++stats_.downloaded;
    }
    blob.publish(have);
    std::uint64_t written = have;
    client_.fetch_blob(blob.digest, have, [&](std::span<const std::byte> data) {
        if (size && written + data.size() > *size) {
            throw Error(ErrorKind::invalid_input,
                        "the registry sent more than the " + std::to_string(*size) +
                            " bytes the manifest gives",
                        name);
        }
        pwrite_all(fd, data, written, name);
        hasher.update(data);
        written += data.size();
        {
            std::lock_guard lock(mutex_);
            stats_.bytes += data.size();
        }
        blob.publish(written);
    });
    if (size && written != *size) {
        throw Error(ErrorKind::invalid_input,
                    "the registry sent " + std::to_string(written) + " bytes, the manifest gives " +
                        std::to_string(*size),
                    name);
    }
    const std::string actual = hasher.finish();
    if (actual != blob.digest) {
        claim.discard();
        throw Error(ErrorKind::invalid_input,
                    "digest mismatch: the registry sent content whose digest is " + actual, name);
    }
    if (cache_ != nullptr) {
        ::close(claim.finish());
        cache_->record_source(blob.digest, client_.registry(), client_.repository());
    }
    blob.publish(written, Blob::State::done);
}

}  // namespace sifkit::registry
