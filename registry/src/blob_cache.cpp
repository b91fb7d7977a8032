#include "sifkit/registry/blob_cache.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

#include "sifkit/sif/error.hpp"
#include "sifkit/sif/file_io.hpp"
#include "sifkit/sif/sha256.hpp"
#include "sifkit/sif/unique_fd.hpp"

namespace sifkit::registry {
namespace fs = std::filesystem;
namespace {

void write_all(int fd, std::string_view data, const std::string& name) {
    sif::write_full(fd, std::as_bytes(std::span(data.data(), data.size())), name, "cannot write");
}

bool same_file(int fd, const fs::path& path) {
    struct stat held {};
    struct stat named {};
    return ::fstat(fd, &held) == 0 && ::stat(path.c_str(), &named) == 0 &&
           held.st_dev == named.st_dev && held.st_ino == named.st_ino;
}

}  // namespace

fs::path BlobCache::default_directory() {
    if (const char* dir = std::getenv("SIFKIT_CACHEDIR"); dir != nullptr && *dir != '\0') {
        return fs::path(dir);
    }
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0') {
        return fs::path(xdg) / "sifkit";
    }
    if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
        return fs::path(home) / ".cache" / "sifkit";
    }
    throw Error(ErrorKind::usage, "no cache directory: set SIFKIT_CACHEDIR or HOME, or --no-cache");
}

BlobCache::BlobCache(fs::path root) : root_(std::move(root)) {}

fs::path BlobCache::blob_path(const std::string& digest) const {
    return root_ / "blobs" / "sha256" / sif::sha256_hex(digest);
}

fs::path BlobCache::partial_path(const std::string& digest) const {
    return root_ / "partial" / "sha256" / sif::sha256_hex(digest);
}

void BlobCache::ensure_directories() const {
    for (const char* sub : {"blobs/sha256", "partial/sha256", "sources"}) {
        std::error_code ec;
        fs::create_directories(root_ / sub, ec);
        if (ec) {
            throw Error(ErrorKind::io, "cannot create the cache directory: " + ec.message(),
                        (root_ / sub).string());
        }
    }
}

int BlobCache::open_blob(const std::string& digest) const {
    const fs::path path = blob_path(digest);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) {
            return -1;
        }
        throw_errno("cannot open cached blob", path.string());
    }
    ::futimens(fd, nullptr);  // last use, for `cache clean --older-than/--max-size`; best effort
    return fd;
}

bool BlobCache::evict(const std::string& digest, int fd) const {
    const fs::path path = blob_path(digest);
    return same_file(fd, path) && ::unlink(path.c_str()) == 0;
}

void BlobCache::put(const std::string& digest, std::string_view data) const {
    ensure_directories();
    const fs::path final_path = blob_path(digest);
    std::string temp = (root_ / "partial" / ("." + sif::sha256_hex(digest) + ".XXXXXX")).string();
    const sif::UniqueFd fd(::mkostemp(temp.data(), O_CLOEXEC));
    if (!fd) {
        throw_errno("cannot create a file in the cache", temp);
    }
    try {
        write_all(fd.get(), data, temp);
        ::fchmod(fd.get(), 0444);
        if (::rename(temp.c_str(), final_path.c_str()) != 0) {
            throw_errno("cannot rename into the cache", final_path.string());
        }
    } catch (...) {
        ::unlink(temp.c_str());
        throw;
    }
}

// ---- claims -----------------------------------------------------------------------------

BlobCache::Claim::Claim(Claim&& other) noexcept {
    *this = std::move(other);
}

BlobCache::Claim& BlobCache::Claim::operator=(Claim&& other) noexcept {
    if (this != &other) {
        release();
        complete_fd = std::exchange(other.complete_fd, -1);
        partial_fd = std::exchange(other.partial_fd, -1);
        partial_size = other.partial_size;
        partial_ = std::move(other.partial_);
        blob_ = std::move(other.blob_);
    }
    return *this;
}

BlobCache::Claim::~Claim() {
    release();
}

void BlobCache::Claim::release() noexcept {
    if (complete_fd >= 0) {
        ::close(complete_fd);
        complete_fd = -1;
    }
    if (partial_fd >= 0) {
        // A claim given up with nothing worth resuming — before its first byte, or for a blob
        // the cache meanwhile holds complete (a pull ends by cancelling the downloads it no
        // longer needs, such as a config blob it already has) — removes its file while the
        // lock is still held, so that `cache list` shows no stale "partial download" after a
        // successful pull. One with bytes of a blob not yet cached stays, to be resumed.
        struct stat st {};
        struct stat complete {};
        const bool pointless = ::fstat(partial_fd, &st) == 0 &&
                               (st.st_size == 0 || ::stat(blob_.c_str(), &complete) == 0);
        if (pointless && same_file(partial_fd, partial_)) {
            ::unlink(partial_.c_str());
        }
        ::close(partial_fd);  // also drops the lock
        partial_fd = -1;
    }
}

int BlobCache::Claim::finish() {
    if (::fsync(partial_fd) != 0) {
        throw_errno("cannot flush to disk", partial_.string());
    }
    ::fchmod(partial_fd, 0444);
    if (::rename(partial_.c_str(), blob_.c_str()) != 0) {
        throw_errno("cannot rename into the cache", blob_.string());
    }
    ::flock(partial_fd, LOCK_UN);
    return std::exchange(partial_fd, -1);
}

void BlobCache::Claim::discard() {
    if (partial_fd >= 0) {
        if (::ftruncate(partial_fd, 0) != 0) {
            // the unlink below is what matters
        }
        ::unlink(partial_.c_str());
    }
}

BlobCache::Claim BlobCache::claim(const std::string& digest,
                                  const std::function<void()>& cancelled) const {
    ensure_directories();
    Claim claim;
    claim.partial_ = partial_path(digest);
    claim.blob_ = blob_path(digest);
    while (true) {
        if (const int fd = open_blob(digest); fd >= 0) {
            claim.complete_fd = fd;
            return claim;
        }
        const int fd = ::open(claim.partial_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
            throw_errno("cannot open the partial download", claim.partial_.string());
        }
        while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
            if (errno != EWOULDBLOCK && errno != EINTR) {
                const int saved = errno;
                ::close(fd);
                errno = saved;
                throw_errno("cannot lock the partial download", claim.partial_.string());
            }
            // Another process is downloading this blob: wait for it.
            try {
                cancelled();
            } catch (...) {
                ::close(fd);
                throw;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        // The holder may have finished (renamed the file into blobs/) or a clean removed it
        // while we waited: then the lock is on a file that is no longer the partial one.
        if (!same_file(fd, claim.partial_)) {
            ::close(fd);
            continue;
        }
        struct stat st {};
        ::fstat(fd, &st);
        ::lseek(fd, 0, SEEK_END);  // appending writers continue where the last one stopped
        claim.partial_fd = fd;
        claim.partial_size = static_cast<std::uint64_t>(st.st_size);
        return claim;
    }
}

// ---- sources ----------------------------------------------------------------------------

void BlobCache::record_source(const std::string& digest, const std::string& registry,
                              const std::string& repository) const {
    const std::string line = registry + "/" + repository;
    const auto known = sources(digest, registry);
    if (std::find(known.begin(), known.end(), repository) != known.end()) {
        return;
    }
    ensure_directories();
    const fs::path path = root_ / "sources" / sif::sha256_hex(digest);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        return;  // a hint for later pushes only
    }
    const std::string text = line + "\n";
    if (::write(fd, text.data(), text.size()) < 0) {
        // best effort
    }
    ::close(fd);
}

std::vector<std::string> BlobCache::sources(const std::string& digest,
                                            const std::string& registry) const {
    std::ifstream in(root_ / "sources" / sif::sha256_hex(digest));
    std::vector<std::string> out;
    std::string line;
    const std::string prefix = registry + "/";
    while (std::getline(in, line)) {
        if (line.rfind(prefix, 0) == 0) {
            std::string repo = line.substr(prefix.size());
            if (std::find(out.begin(), out.end(), repo) == out.end()) {
                out.push_back(std::move(repo));
            }
        }
    }
    return out;
}

// ---- list and clean ---------------------------------------------------------------------

std::vector<BlobCache::Entry> BlobCache::list() const {
    std::vector<Entry> out;
    for (const bool partial : {false, true}) {
        const fs::path dir = root_ / (partial ? "partial" : "blobs") / "sha256";
        std::error_code ec;
        for (const auto& item : fs::directory_iterator(dir, ec)) {
            const std::string name = item.path().filename().string();
            struct stat st {};
            if (!sif::is_sha256_digest("sha256:" + name) || ::stat(item.path().c_str(), &st) != 0) {
                continue;
            }
            out.push_back(Entry{"sha256:" + name, static_cast<std::uint64_t>(st.st_size),
                                static_cast<std::int64_t>(st.st_mtime), partial});
        }
    }
    std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) {
        return a.last_used != b.last_used ? a.last_used > b.last_used : a.digest < b.digest;
    });
    return out;
}

bool BlobCache::remove_entry(const Entry& entry, CleanResult& result) const {
    const fs::path path = entry.partial ? partial_path(entry.digest) : blob_path(entry.digest);
    if (entry.partial) {
        const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
        if (fd < 0) {
            return false;
        }
        if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
            ++result.in_use;
            ::close(fd);
            return false;
        }
        ::unlink(path.c_str());
        ::close(fd);
    } else if (::unlink(path.c_str()) != 0) {
        if (errno != ENOENT) {
            throw_errno("cannot remove", path.string());
        }
        return true;  // gone already (another clean)
    }
    ++result.files;
    result.bytes += entry.size;
    if (!entry.partial) {
        std::error_code ec;
        fs::remove(root_ / "sources" / entry.digest.substr(7), ec);
    }
    return true;
}

BlobCache::CleanResult BlobCache::clean(const CleanPolicy& policy) const {
    CleanResult result;
    const bool everything = !policy.older_than && !policy.max_bytes;
    const auto now = std::chrono::system_clock::now();
    const std::vector<Entry> entries = list();  // most recently used first
    std::uint64_t total = 0;
    for (const Entry& e : entries) {
        total += e.size;
    }
    // From the least recently used: the stale ones come first, then the size limit takes the
    // oldest of the rest.
    for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
        const bool stale = policy.older_than &&
                           std::chrono::system_clock::from_time_t(
                               static_cast<std::time_t>(it->last_used)) <= now - *policy.older_than;
        const bool over = policy.max_bytes && total > *policy.max_bytes;
        if ((everything || stale || over) && remove_entry(*it, result)) {
            total -= it->size;
        }
    }
    if (everything) {
        std::error_code ec;
        fs::remove_all(root_ / "sources", ec);  // mount hints of blobs never cached (pushed SIFs)
    }
    return result;
}

}  // namespace sifkit::registry
