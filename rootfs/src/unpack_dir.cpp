// unpack_to_directory: the tree is created top down with *at() calls relative to the parent
// directory's descriptor; a directory gets its mode and times when the walk leaves it (all its
// children are written by then, so a read-only directory does not stop its own children).
//
// Descriptors: the walk keeps the directories of the first kOpenLevels levels open, and the one
// it is writing into; a deeper directory is closed when the walk goes below it and reached
// again through ".." of its child on the way back, so a tree of any depth costs at most
// kOpenLevels + 3 descriptors. No path longer than one name is handed to the kernel, except
// the few made from a descriptor (/proc/self/fd/N/NAME).
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <vector>

#include "sifkit/rootfs/sandbox.hpp"
#include "sifkit/rootfs/unpack.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/file_io.hpp"
#include "sifkit/sif/unique_fd.hpp"
#include "staging.hpp"
#include "tree_filter.hpp"
#include "unpack_into.hpp"

namespace sifkit::rootfs {
namespace {

namespace fs = std::filesystem;

using Fd = sif::UniqueFd;

constexpr std::size_t kOpenLevels = 16;
constexpr int kDirectoryFlags = O_DIRECTORY | O_NOFOLLOW | O_RDONLY | O_CLOEXEC;
// Blocks of zeros shorter than this are written: a hole smaller than a file system block saves
// nothing.
constexpr std::size_t kMinHole = 4096;
constexpr const char* kCapabilityXattr = "security.capability";

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

std::vector<std::string> components_of(const std::string& path) {
    std::vector<std::string> out;
    std::size_t at = 1;
    while (at < path.size()) {
        const std::size_t slash = path.find('/', at);
        const std::size_t end = slash == std::string::npos ? path.size() : slash;
        out.push_back(path.substr(at, end - at));
        at = end + 1;
    }
    return out;
}

bool all_zero(std::span<const std::byte> chunk) {
    return !chunk.empty() && chunk[0] == std::byte{0} &&
           std::memcmp(chunk.data(), chunk.data() + 1, chunk.size() - 1) == 0;
}

// "/proc/self/fd/N/NAME": the entry NAME of directory N, for the calls that have no *at() form
// (lsetxattr on a symbolic link or a device node).
std::string proc_path(int dirfd, const std::string& name) {
    return "/proc/self/fd/" + std::to_string(dirfd) + "/" + name;
}

class Unpacker {
  public:
    Unpacker(const SquashfsImage& fs, fs::path root, std::string shown,
             const UnpackOptions& options)
        : fs_(fs),
          root_(std::move(root)),
          shown_(std::move(shown)),
          options_(options),
          privileged_(::geteuid() == 0),
          may_create_devices_(privileged_ && !in_user_namespace()) {}

    UnpackReport run() {
        SubtreeFilter filter(options_.filter);
        fs_.walk("/", [&](const FileInfo& info) {
            if (!filter.accept(info)) {
                return;
            }
            place(info);
        });
        leave_to(1);
        finish_deferred();  // before the root's own mode, which may forbid searching it
        leave_to(0);
        return report_;
    }

  private:
    // One directory of the path the walk is in, the root first.
    struct Level {
        Fd fd;             // open for the first kOpenLevels levels and the deepest one
        std::string path;  // in the image
        std::uint32_t mode;
        std::int64_t mtime;
    };

    [[noreturn]] void fail(const std::string& what, const FileInfo& info) {
        throw_errno("cannot create " + info.path + " (" + what + ")", shown_);
    }
    [[noreturn]] void fail_at(const std::string& what, const std::string& path) {
        throw_errno("cannot " + what + " " + path, shown_);
    }

    std::uint32_t mode_of(const FileInfo& info) {
        const std::uint32_t mode = info.mode & 07777U;
        if (options_.setuid || info.type == FileType::directory || (mode & 06000U) == 0) {
            return mode;  // a setgid directory passes its group on and grants nothing
        }
        ++report_.setuid_cleared;
        return mode & ~06000U;
    }

    void place(const FileInfo& info) {
        if (info.path == "/") {
            Fd root(::open(root_.c_str(), kDirectoryFlags));
            if (!root) {
                fail("open", info);
            }
            ++report_.entries;
            apply_owner(root.get(), "", info, AT_EMPTY_PATH);
            apply_xattrs(info, [&](const std::string& key, const std::string& value) {
                return ::fsetxattr(root.get(), key.c_str(), value.data(), value.size(), 0);
            });
            levels_.clear();
            levels_.push_back({std::move(root), info.path, info.mode & 07777U, info.mtime});
            return;
        }
        const std::size_t depth = depth_of(info.path);
        if (levels_.empty() || depth == 0 || depth > levels_.size()) {
            throw Error(ErrorKind::internal, "walk order broken at " + info.path);
        }
        leave_to(depth);
        const int parent = levels_.back().fd.get();
        const char* name = info.name.c_str();
        switch (info.type) {
            case FileType::directory: {
                if (::mkdirat(parent, name, 0700) != 0) {
                    fail("mkdir", info);
                }
                Fd dir(::openat(parent, name, kDirectoryFlags));
                if (!dir) {
                    fail("open", info);
                }
                ++report_.entries;
                apply_owner(dir.get(), "", info, AT_EMPTY_PATH);
                apply_xattrs(info, [&](const std::string& key, const std::string& value) {
                    return ::fsetxattr(dir.get(), key.c_str(), value.data(), value.size(), 0);
                });
                // Below the first levels, the parent is closed until the walk comes back to it.
                if (levels_.size() > kOpenLevels) {
                    levels_.back().fd.reset();
                }
                levels_.push_back({std::move(dir), info.path, mode_of(info), info.mtime});
                return;
            }
            case FileType::regular:
                if (info.nlink > 1) {
                    const auto first = hardlinks_.find(info.inode_key());
                    if (first != hardlinks_.end()) {
                        link_to(first->second, parent, info);
                        ++report_.entries;
                        return;
                    }
                    hardlinks_.emplace(info.inode_key(), info.path);
                }
                write_file(parent, info);  // owner, mode, xattrs, times applied there
                ++report_.entries;
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
                const bool device =
                    info.type == FileType::char_device || info.type == FileType::block_device;
                if (device && !options_.devices) {
                    ++report_.devices_left_out;
                    return;
                }
                const mode_t kind = info.type == FileType::char_device    ? S_IFCHR
                                    : info.type == FileType::block_device ? S_IFBLK
                                    : info.type == FileType::fifo         ? S_IFIFO
                                                                          : S_IFSOCK;
                const std::uint32_t mode = mode_of(info);
                if (::mknodat(parent, name, kind | mode, makedev(info.dev_major, info.dev_minor)) !=
                    0) {
                    if (errno == EPERM && !may_create_devices_) {
                        ++report_.devices_skipped;
                        return;
                    }
                    fail("mknod", info);
                }
                if (::fchmodat(parent, name, mode, 0) != 0 && errno != EPERM) {
                    fail("chmod", info);
                }
                break;
            }
        }
        ++report_.entries;
        apply_owner(parent, name, info, AT_SYMLINK_NOFOLLOW);
        const std::string entry = proc_path(parent, info.name);
        apply_xattrs(info, [&](const std::string& key, const std::string& value) {
            return ::lsetxattr(entry.c_str(), key.c_str(), value.data(), value.size(), 0);
        });
        const struct timespec times[2] = {{static_cast<time_t>(info.mtime), 0},
                                          {static_cast<time_t>(info.mtime), 0}};
        if (::utimensat(parent, name, times, AT_SYMLINK_NOFOLLOW) != 0) {
            fail("set times", info);
        }
    }

    // Leaves the directories deeper than `depth` (their children are all written): each gets
    // its mode and times, and the walk goes back up through "..", which also reopens a parent
    // that was closed.
    void leave_to(std::size_t depth) {
        while (levels_.size() > depth) {
            Level& level = levels_.back();
            Fd parent;
            if (levels_.size() > 1 && !levels_[levels_.size() - 2].fd) {
                // Before the mode changes: a directory without search permission has no "..".
                parent = Fd(::openat(level.fd.get(), "..", kDirectoryFlags));
                if (!parent) {
                    fail_at("reopen the parent of", level.path);
                }
            }
            finish_directory(level);
            levels_.pop_back();
            if (parent) {
                levels_.back().fd = std::move(parent);
            }
        }
    }

    void finish_directory(Level& level) {
        // Not root: a directory the owner may not search is finished last, so that a hardlink
        // can still be made through it.
        if (!privileged_ && (level.mode & S_IXUSR) == 0 && level.path != "/") {
            deferred_.push_back({level.path, level.mode, level.mtime});
            return;
        }
        if (::fchmod(level.fd.get(), level.mode) != 0) {
            fail_at("set the mode of", level.path);
        }
        const struct timespec times[2] = {{static_cast<time_t>(level.mtime), 0},
                                          {static_cast<time_t>(level.mtime), 0}};
        if (::futimens(level.fd.get(), times) != 0) {
            fail_at("set the times of", level.path);
        }
    }

    // The directories left for last, deepest first (the order they were left in).
    void finish_deferred() {
        for (const Deferred& d : deferred_) {
            std::vector<std::string> names = components_of(d.path);
            const std::string name = names.back();
            names.pop_back();
            const Fd dir = open_path(names, d.path);
            if (::fchmodat(dir.get(), name.c_str(), d.mode, 0) != 0) {
                fail_at("set the mode of", d.path);
            }
            const struct timespec times[2] = {{static_cast<time_t>(d.mtime), 0},
                                              {static_cast<time_t>(d.mtime), 0}};
            if (::utimensat(dir.get(), name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
                fail_at("set the times of", d.path);
            }
        }
    }

    // The directory at `names` below the root, opened one name at a time (O_PATH: search
    // permission is enough), never through a symbolic link.
    Fd open_path(const std::vector<std::string>& names, const std::string& shown) {
        Fd dir(::openat(levels_root(), ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
        for (const std::string& name : names) {
            if (!dir) {
                break;
            }
            dir = Fd(
                ::openat(dir.get(), name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        }
        if (!dir) {
            fail_at("open the directory of", shown);
        }
        return dir;
    }

    int levels_root() {
        if (!root_fd_) {
            root_fd_ = Fd(::open(root_.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!root_fd_) {
                fail_at("open", "/");
            }
        }
        return root_fd_.get();
    }

    void link_to(const std::string& first, int parent, const FileInfo& info) {
        std::vector<std::string> names = components_of(first);
        const std::string name = names.back();
        names.pop_back();
        const Fd dir = open_path(names, first);
        if (::linkat(dir.get(), name.c_str(), parent, info.name.c_str(), 0) != 0) {
            fail("link", info);
        }
    }

    void write_file(int parent, const FileInfo& info) {
        Fd file(::openat(parent, info.name.c_str(),
                         O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!file) {
            fail("open", info);
        }
        // Sparse blocks and blocks of zeros become holes: the offset moves on, nothing is
        // written, and the size is set at the end when the file ends in one.
        std::uint64_t at = 0;
        std::uint64_t end_of_data = 0;
        fs_.read(
            info,
            [&](std::span<const std::byte> chunk) {
                if (chunk.size() >= kMinHole && all_zero(chunk)) {
                    at += chunk.size();
                    return;
                }
                for (std::size_t done = 0; done < chunk.size();) {
                    const ssize_t n = sif::retry_on_eintr([&] {
                        return ::pwrite(file.get(), chunk.data() + done, chunk.size() - done,
                                        static_cast<off_t>(at + done));
                    });
                    if (n < 0) {
                        fail("write", info);
                    }
                    done += static_cast<std::size_t>(n);
                }
                at += chunk.size();
                end_of_data = at;
            },
            [&](std::uint64_t length) { at += length; });
        if (at > end_of_data && ::ftruncate(file.get(), static_cast<off_t>(at)) != 0) {
            fail("write", info);
        }
        ++report_.files;
        report_.bytes += info.size;
        // After the owner change: chown clears setuid/setgid bits and file capabilities.
        apply_owner(file.get(), "", info, AT_EMPTY_PATH);
        if (::fchmod(file.get(), mode_of(info)) != 0) {
            fail("chmod", info);
        }
        apply_xattrs(info, [&](const std::string& key, const std::string& value) {
            return ::fsetxattr(file.get(), key.c_str(), value.data(), value.size(), 0);
        });
        const struct timespec times[2] = {{static_cast<time_t>(info.mtime), 0},
                                          {static_cast<time_t>(info.mtime), 0}};
        if (::futimens(file.get(), times) != 0) {
            fail("set times", info);
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

    // `set` sets one xattr on the entry (0, or -1 with errno).
    template <typename Set>
    void apply_xattrs(const FileInfo& info, const Set& set) {
        if (info.xattr_index == 0xFFFFFFFFU) {
            return;
        }
        for (const auto& [key, value] : fs_.xattrs(info)) {
            if (!options_.xattrs) {
                ++report_.xattrs_left_out;
            } else if (!options_.setuid && key == kCapabilityXattr) {
                ++report_.capabilities_left_out;
            } else if (set(key, value) != 0) {
                ++report_.xattrs_skipped;
            }
        }
    }

    struct Deferred {
        std::string path;
        std::uint32_t mode;
        std::int64_t mtime;
    };

    const SquashfsImage& fs_;
    fs::path root_;
    std::string shown_;
    const UnpackOptions& options_;
    bool privileged_;
    // Root in a user namespace other than the first may not create device nodes.
    bool may_create_devices_;
    bool owners_refused_ = false;
    std::vector<Level> levels_;
    Fd root_fd_;  // O_PATH, for hardlinks and deferred directories
    std::vector<Deferred> deferred_;
    std::map<std::uint64_t, std::string> hardlinks_;
    UnpackReport report_;
};

}  // namespace

UnpackReport unpack_into(const SquashfsImage& fs, const fs::path& directory,
                         const std::string& shown, const UnpackOptions& options) {
    return Unpacker(fs, directory, shown, options).run();
}

UnpackReport unpack_to_directory(const SquashfsImage& fs, const std::filesystem::path& destination,
                                 const UnpackOptions& options) {
    // The root directory's mode comes from the image.
    StagingDirectory staging(destination, options.overwrite, std::nullopt);
    UnpackReport report = unpack_into(fs, staging.path(), staging.destination().string(), options);
    if (const auto left = staging.commit()) {
        report.replaced_tree_left = left->string();
    }
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
