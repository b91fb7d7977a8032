// unpack_to_directory: the tree is created top down with *at() calls relative to the parent
// directory's descriptor, then directory modes and times are applied bottom up (a read-only
// directory must not stop its own children from being written).
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <vector>

#include "sifkit/rootfs/unpack.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/unique_fd.hpp"
#include "staging.hpp"
#include "tree_filter.hpp"

namespace sifkit::rootfs {
namespace {

namespace fs = std::filesystem;

using Fd = sif::UniqueFd;

std::size_t depth_of(const std::string& path) {
    if (path == "/") {
        return 0;
    }
    std::size_t depth = 0;
    for (const char c : path) {
        depth += c == '/' ? 1 : 0;
    }
    return depth;
}

struct DirectoryFixup {
    std::string relative;  // "a/b", "." for the root
    std::uint32_t mode;
    std::int64_t mtime;
};

class Unpacker {
  public:
    Unpacker(const SquashfsImage& fs, fs::path temporary, const UnpackOptions& options)
        : fs_(fs), root_(std::move(temporary)), options_(options), privileged_(::geteuid() == 0) {}

    UnpackReport run() {
        SubtreeFilter filter(options_.filter);
        fs_.walk("/", [&](const FileInfo& info) {
            if (!filter.accept(info)) {
                return;
            }
            place(info);
        });
        stack_.clear();
        finish_directories();
        return report_;
    }

  private:
    [[noreturn]] void fail(const std::string& what, const FileInfo& info) {
        throw_errno("cannot create " + info.path + " (" + what + ")", root_.string());
    }

    std::string relative(const FileInfo& info) const {
        return info.path == "/" ? std::string(".") : info.path.substr(1);
    }

    void place(const FileInfo& info) {
        ++report_.entries;
        if (info.path == "/") {
            stack_.clear();
            stack_.emplace_back(::open(root_.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
            if (stack_.back().get() < 0) {
                fail("open", info);
            }
            directories_.push_back({".", info.mode, info.mtime});
            apply_owner(stack_.back().get(), "", info, AT_EMPTY_PATH);
            apply_xattrs(info);
            return;
        }
        const std::size_t depth = depth_of(info.path);
        if (depth == 0 || depth > stack_.size()) {
            throw Error(ErrorKind::internal, "walk order broken at " + info.path);
        }
        stack_.resize(depth);
        const int parent = stack_.back().get();
        const char* name = info.name.c_str();
        switch (info.type) {
            case FileType::directory: {
                if (::mkdirat(parent, name, 0700) != 0) {
                    fail("mkdir", info);
                }
                Fd dir(::openat(parent, name, O_DIRECTORY | O_NOFOLLOW | O_RDONLY | O_CLOEXEC));
                if (dir.get() < 0) {
                    fail("open", info);
                }
                apply_owner(dir.get(), "", info, AT_EMPTY_PATH);
                stack_.push_back(std::move(dir));
                directories_.push_back({relative(info), info.mode, info.mtime});
                apply_xattrs(info);
                return;
            }
            case FileType::regular:
                if (info.nlink > 1) {
                    const auto first = hardlinks_.find(info.inode_number);
                    if (first != hardlinks_.end()) {
                        if (::linkat(stack_.front().get(), first->second.c_str(), parent, name,
                                     0) != 0) {
                            fail("link", info);
                        }
                        return;
                    }
                    hardlinks_.emplace(info.inode_number, relative(info));
                }
                write_file(parent, info);  // owner and mode applied there, in that order
                apply_xattrs(info);
                set_times(parent, info);
                return;
            case FileType::symlink:
                if (::symlinkat(info.link_target.c_str(), parent, name) != 0) {
                    fail("symlink", info);
                }
                break;
            case FileType::char_device:
            case FileType::block_device:
            case FileType::fifo:
            case FileType::socket: {
                const mode_t kind = info.type == FileType::char_device    ? S_IFCHR
                                    : info.type == FileType::block_device ? S_IFBLK
                                    : info.type == FileType::fifo         ? S_IFIFO
                                                                          : S_IFSOCK;
                if (::mknodat(parent, name, kind | (info.mode & 07777U),
                              makedev(info.dev_major, info.dev_minor)) != 0) {
                    if (errno == EPERM && !privileged_) {
                        ++report_.devices_skipped;
                        return;
                    }
                    fail("mknod", info);
                }
                if (::fchmodat(parent, name, info.mode & 07777U, 0) != 0 && errno != EPERM) {
                    fail("chmod", info);
                }
                break;
            }
        }
        apply_owner(parent, name, info, AT_SYMLINK_NOFOLLOW);
        apply_xattrs(info);
        set_times(parent, info);
    }

    void set_times(int parent, const FileInfo& info) {
        const struct timespec times[2] = {{static_cast<time_t>(info.mtime), 0},
                                          {static_cast<time_t>(info.mtime), 0}};
        if (::utimensat(parent, info.name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
            fail("set times", info);
        }
    }

    void write_file(int parent, const FileInfo& info) {
        Fd file(::openat(parent, info.name.c_str(),
                         O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (file.get() < 0) {
            fail("open", info);
        }
        fs_.read(info, [&](std::span<const std::byte> chunk) {
            std::size_t done = 0;
            while (done < chunk.size()) {
                const ssize_t n = ::write(file.get(), chunk.data() + done, chunk.size() - done);
                if (n < 0) {
                    if (errno == EINTR) {
                        continue;
                    }
                    fail("write", info);
                }
                done += static_cast<std::size_t>(n);
            }
        });
        ++report_.files;
        report_.bytes += info.size;
        // After the owner change: chown clears setuid/setgid bits.
        apply_owner(file.get(), "", info, AT_EMPTY_PATH);
        if (::fchmod(file.get(), info.mode & 07777U) != 0) {
            fail("chmod", info);
        }
    }

    void apply_owner(int dirfd, const char* name, const FileInfo& info, int flags) {
        if (!owners_refused_ || privileged_) {
            if (::fchownat(dirfd, name, info.uid, info.gid, flags) == 0) {
                return;
            }
            if (errno != EPERM && errno != EINVAL) {
                fail("chown", info);
            }
            owners_refused_ = true;
        }
        if (info.uid != ::geteuid() || info.gid != ::getegid()) {
            if (report_.owners_not_applied++ == 0) {
                report_.first_owner_skipped = info.path;
            }
        }
    }

    void apply_xattrs(const FileInfo& info) {
        if (info.xattr_index == 0xFFFFFFFFU) {
            return;
        }
        const std::string path = (root_ / relative(info)).string();
        for (const auto& [key, value] : fs_.xattrs(info)) {
            if (::lsetxattr(path.c_str(), key.c_str(), value.data(), value.size(), 0) != 0) {
                ++report_.xattrs_skipped;
            }
        }
    }

    void finish_directories() {
        // Deepest first, so that setting a parent's time is not undone by its children.
        for (auto it = directories_.rbegin(); it != directories_.rend(); ++it) {
            const std::string path = (root_ / it->relative).string();
            if (::chmod(path.c_str(), it->mode) != 0) {
                throw_errno("cannot set the mode of " + it->relative, root_.string());
            }
            const struct timespec times[2] = {{static_cast<time_t>(it->mtime), 0},
                                              {static_cast<time_t>(it->mtime), 0}};
            if (::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
                throw_errno("cannot set the times of " + it->relative, root_.string());
            }
        }
    }

    const SquashfsImage& fs_;
    fs::path root_;
    const UnpackOptions& options_;
    bool privileged_;
    bool owners_refused_ = false;
    std::vector<Fd> stack_;
    std::vector<DirectoryFixup> directories_;
    std::map<std::uint32_t, std::string> hardlinks_;
    UnpackReport report_;
};

}  // namespace

UnpackReport unpack_to_directory(const SquashfsImage& fs, const std::filesystem::path& destination,
                                 const UnpackOptions& options) {
    StagingDirectory staging(destination, options.overwrite);
    ::chmod(staging.path().c_str(), 0700);
    Unpacker unpacker(fs, staging.path(), options);
    UnpackReport report = unpacker.run();
    staging.commit();
    return report;
}

bool is_singularity_metadata(const FileInfo& info) {
    if (info.path == "/.singularity.d") {
        return true;
    }
    static const char* const kLinks[] = {"/singularity", "/.exec", "/.run",
                                         "/.shell",      "/.test", "/environment"};
    if (info.type == FileType::symlink) {
        for (const char* link : kLinks) {
            if (info.path == link) {
                return info.link_target.find(".singularity.d") != std::string::npos;
            }
        }
    }
    return false;
}

}  // namespace sifkit::rootfs
