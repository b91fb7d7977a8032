#include "cache_dir.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <deque>
#include <string>

#include "sifkit/sif/error.hpp"
#include "sifkit/sif/file_io.hpp"
#include "sifkit/sif/unique_fd.hpp"

namespace sifkit::sign::detail {
namespace {

constexpr mode_t kOthersWrite = S_IWGRP | S_IWOTH;
constexpr int kMaxSymlinks = 40;  // as the kernel's path walk (ELOOP)
// What claim_temporary sets on a stage's temporary: the sticky bit means nothing on a regular
// file, so no other writer sets it.
constexpr mode_t kStageMark = S_ISVTX | S_IRUSR | S_IWUSR;

[[noreturn]] void unsafe(const std::filesystem::path& dir, const std::string& why) {
    throw Error(ErrorKind::usage, "unsafe cache directory: " + why, dir.string());
}

struct stat stat_of(int fd, const std::filesystem::path& name) {
    struct stat info {};
    if (::fstat(fd, &info) != 0) {
        throw_errno("cannot check the cache directory", name.string());
    }
    return info;
}

// A parent of the cache directory: whoever may change it could swap the directory for another.
void check_parent(const struct stat& info, const std::filesystem::path& p, uid_t me) {
    if (info.st_uid != 0 && info.st_uid != me) {
        unsafe(p, "a parent directory owned by uid " + std::to_string(info.st_uid));
    }
    if ((info.st_mode & kOthersWrite) != 0 && (info.st_mode & S_ISVTX) == 0) {
        unsafe(p, "a parent directory writable by others and not sticky");
    }
}

// The cache directory itself: whoever could write there could forge a copy and its record.
void check_cache_dir(const struct stat& info, const std::filesystem::path& p, uid_t me) {
    if (info.st_uid != me) {
        unsafe(p, "owned by uid " + std::to_string(info.st_uid) + ", not by uid " +
                      std::to_string(me) + " who stages");
    }
    if ((info.st_mode & kOthersWrite) != 0) {
        unsafe(p, "writable by group or others (chmod go-w)");
    }
}

// A link anyone else made (in a sticky /tmp anyone can) would point the cache anywhere.
void check_link(const struct stat& info, const std::filesystem::path& p, uid_t me) {
    if (info.st_uid != 0 && info.st_uid != me) {
        unsafe(p, "a symbolic link owned by uid " + std::to_string(info.st_uid));
    }
}

std::string read_link(int dir_fd, const std::string& name, const std::filesystem::path& p) {
    std::string target(PATH_MAX, '\0');
    const ssize_t n = ::readlinkat(dir_fd, name.c_str(), target.data(), target.size());
    if (n < 0 || static_cast<std::size_t>(n) >= target.size()) {
        throw_errno("cannot read the symbolic link", p.string());
    }
    target.resize(static_cast<std::size_t>(n));
    return target;
}

sif::UniqueFd open_directory(int dir_fd, const char* name, const std::filesystem::path& p) {
    sif::UniqueFd fd(::openat(dir_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOTDIR || errno == ELOOP) {
            unsafe(p, "not a directory");
        }
        throw_errno("cannot open the cache directory", p.string());
    }
    return fd;
}

// The walk of open_private_directory: a directory held open, the components still to go (a
// followed link puts its target's in front), and the path it was reached by with every link
// resolved.
class DirectoryWalk {
  public:
    explicit DirectoryWalk(const std::filesystem::path& dir) {
        const std::filesystem::path absolute = std::filesystem::absolute(dir);
        push_front(absolute.relative_path());
        restart_at_root();
    }

    std::filesystem::path run(MissingParents parents) {
        while (!todo_.empty()) {
            const std::string name = todo_.front();
            todo_.pop_front();
            if (name == "..") {
                step(open_directory(fd_.get(), "..", path_), path_.parent_path());
                continue;
            }
            const std::filesystem::path next = path_ / name;
            struct stat info {};
            if (::fstatat(fd_.get(), name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) {
                if (errno != ENOENT || (!last() && parents == MissingParents::refuse)) {
                    throw_errno("cannot open the cache directory", next.string());
                }
                if (::mkdirat(fd_.get(), name.c_str(), 0700) != 0 && errno != EEXIST) {
                    throw_errno("cannot create the cache directory", next.string());
                }
            } else if (S_ISLNK(info.st_mode)) {
                follow(name, info, next);
                continue;
            }
            step(open_directory(fd_.get(), name.c_str(), next), next);
        }
        check_cache_dir(stat_of(fd_.get(), path_), path_, me_);
        return path_;
    }

  private:
    bool last() const { return todo_.empty(); }

    void push_front(const std::filesystem::path& relative) {
        std::deque<std::string> parts;
        for (const auto& part : relative) {
            // "DIR/" ends in an empty component, "DIR/." in "."; neither names a directory.
            if (!part.empty() && part != ".") {
                parts.push_back(part.string());
            }
        }
        todo_.insert(todo_.begin(), parts.begin(), parts.end());
    }

    void restart_at_root() { step(open_directory(AT_FDCWD, "/", "/"), "/"); }

    // Moves into `fd`. Every directory passed through is a parent of the cache directory; the
    // last one is checked as the cache directory instead, at the end.
    void step(sif::UniqueFd fd, std::filesystem::path path) {
        fd_ = std::move(fd);
        path_ = std::move(path);
        if (!last()) {
            check_parent(stat_of(fd_.get(), path_), path_, me_);
        }
    }

    void follow(const std::string& name, const struct stat& info, const std::filesystem::path& p) {
        if (++links_ > kMaxSymlinks) {
            unsafe(p, "too many levels of symbolic links");
        }
        check_link(info, p, me_);
        const std::filesystem::path target = read_link(fd_.get(), name, p);
        push_front(target.relative_path());
        if (target.is_absolute()) {
            restart_at_root();
        }
    }

    const uid_t me_ = ::geteuid();
    std::deque<std::string> todo_;
    sif::UniqueFd fd_;
    std::filesystem::path path_;
    int links_ = 0;
};

bool is_temporary_name(const std::string& name) {
    // ".NAME.sifkit-XXXXXX", as AtomicFile makes them (mkostemp's six characters).
    const std::string tag = ".sifkit-";
    const std::size_t at = name.rfind(tag);
    return name.size() > 1 && name[0] == '.' && at != std::string::npos && at > 1 &&
           name.size() == at + tag.size() + 6;
}

// Removes `name` from `dir_fd` when it is a dead stage's temporary (see remove_dead_temporaries).
void remove_if_dead(int dir_fd, const std::string& name, uid_t me) noexcept {
    const sif::UniqueFd fd(
        ::openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    struct stat held {};
    if (!fd || ::fstat(fd.get(), &held) != 0 || !S_ISREG(held.st_mode) || held.st_uid != me ||
        (held.st_mode & S_ISVTX) == 0) {
        return;
    }
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
        return;  // its stage is alive
    }
    // Remove the file that was checked, not one renamed to its name meanwhile.
    struct stat named {};
    if (::fstatat(dir_fd, name.c_str(), &named, AT_SYMLINK_NOFOLLOW) == 0 &&
        named.st_dev == held.st_dev && named.st_ino == held.st_ino) {
        ::unlinkat(dir_fd, name.c_str(), 0);
    }
}

}  // namespace

std::filesystem::path open_private_directory(const std::filesystem::path& dir,
                                             MissingParents parents) {
    if (dir.empty()) {
        throw Error(ErrorKind::usage, "the cache directory is an empty path");
    }
    return DirectoryWalk(dir).run(parents);
}

LockFile::LockFile(const std::filesystem::path& path, const std::function<void()>& on_wait) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd_ < 0) {
        throw_errno("cannot open the lock file", path.string());
    }
    if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) {
        return;
    }
    if (errno != EWOULDBLOCK) {
        const int saved = errno;
        ::close(fd_);
        errno = saved;
        throw_errno("cannot lock", path.string());
    }
    waited_ = true;
    if (on_wait) {
        on_wait();
    }
    if (sif::retry_on_eintr([this] { return ::flock(fd_, LOCK_EX); }) != 0) {
        const int saved = errno;
        ::close(fd_);
        errno = saved;
        throw_errno("cannot lock", path.string());
    }
}

LockFile::~LockFile() {
    ::close(fd_);  // releases the lock
}

std::optional<std::string> read_own_file(const std::filesystem::path& path, std::size_t limit) {
    const sif::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) {
        return std::nullopt;
    }
    struct stat info {};
    if (::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode) || info.st_uid != ::geteuid() ||
        static_cast<std::uint64_t>(info.st_size) > limit) {
        return std::nullopt;
    }
    std::string text(static_cast<std::size_t>(info.st_size), '\0');
    try {
        // Shorter than fstat said, or unreadable: not a record to trust.
        if (sif::read_full_at(fd.get(), 0, std::as_writable_bytes(std::span(text)),
                              path.string()) != text.size()) {
            return std::nullopt;
        }
    } catch (const Error&) {
        return std::nullopt;
    }
    return text;
}

void claim_temporary(int fd) noexcept {
    // The file was created a moment ago and nobody else has it open yet: this cannot block. A
    // file system without flock (some network ones) leaves the temporary unmarked: a stage
    // killed there leaves it for good, but a live one is never mistaken for a dead one.
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
        ::fchmod(fd, kStageMark);
    }
}

void remove_dead_temporaries(const std::filesystem::path& dir) noexcept {
    const std::filesystem::path where = dir.empty() ? std::filesystem::path(".") : dir;
    const sif::UniqueFd dir_fd(::open(where.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir_fd) {
        return;
    }
    const uid_t me = ::geteuid();
    std::error_code ec;
    std::filesystem::directory_iterator it(where, ec);
    for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (is_temporary_name(name)) {
            remove_if_dead(dir_fd.get(), name, me);
        }
    }
}

void remove_stale_temporaries(const std::filesystem::path& destination) noexcept {
    const std::string prefix = "." + destination.filename().string() + ".sifkit-";
    std::error_code ec;
    std::filesystem::directory_iterator it(destination.parent_path(), ec);
    for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
        if (it->path().filename().string().starts_with(prefix)) {
            std::error_code ignored;
            std::filesystem::remove(it->path(), ignored);
        }
    }
}

}  // namespace sifkit::sign::detail
