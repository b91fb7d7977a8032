#include "dir_entries.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <vector>

#include "sifkit/sif/directory.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/file_io.hpp"
#include "sifkit/sif/unique_fd.hpp"

namespace sifkit::oci2sif {
namespace {

std::vector<std::pair<std::string, std::string>> read_xattrs(const std::string& path) {
    std::vector<std::pair<std::string, std::string>> out;
    ssize_t size = ::llistxattr(path.c_str(), nullptr, 0);
    if (size <= 0) {
        return out;  // none, or the file system does not support them
    }
    std::string names(static_cast<std::size_t>(size), '\0');
    size = ::llistxattr(path.c_str(), names.data(), names.size());
    if (size < 0) {
        return out;
    }
    names.resize(static_cast<std::size_t>(size));
    for (std::size_t at = 0; at < names.size();) {
        const std::string name(names.c_str() + at);
        at += name.size() + 1;
        const ssize_t value_size = ::lgetxattr(path.c_str(), name.c_str(), nullptr, 0);
        if (value_size < 0) {
            continue;
        }
        std::string value(static_cast<std::size_t>(value_size), '\0');
        const ssize_t got = ::lgetxattr(path.c_str(), name.c_str(), value.data(), value.size());
        if (got < 0) {
            continue;
        }
        value.resize(static_cast<std::size_t>(got));
        out.emplace_back(name, std::move(value));
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> sorted_children(const std::string& directory) {
    std::vector<std::string> names = sif::directory_names(directory);
    std::sort(names.begin(), names.end());
    return names;
}

class DirEntries final : public EntryStream {
  public:
    explicit DirEntries(std::filesystem::path root) : root_(std::move(root)) {}
    ~DirEntries() override { close_data(); }
    DirEntries(const DirEntries&) = delete;
    DirEntries& operator=(const DirEntries&) = delete;

    bool next(Entry& entry) override {
        close_data();
        while (true) {
            std::string relative;
            if (!started_) {
                started_ = true;  // the root itself comes first, as "" (its metadata)
            } else {
                while (!stack_.empty() && stack_.back().next == stack_.back().names.size()) {
                    stack_.pop_back();
                }
                if (stack_.empty()) {
                    return false;
                }
                Level& level = stack_.back();
                relative = level.prefix + level.names[level.next++];
            }
            if (describe(relative, entry)) {
                return true;
            }
        }
    }

    std::size_t read_data(std::span<std::byte> data) override {
        if (!fd_) {
            return 0;
        }
        return sif::read_some(fd_.get(), data, current_);
    }

  private:
    struct Level {
        std::string prefix;  // "a/b/" for entries of a/b
        std::vector<std::string> names;
        std::size_t next = 0;
    };

    bool describe(const std::string& relative, Entry& entry) {
        const std::string full = relative.empty() ? root_.string() : (root_ / relative).string();
        struct stat st {};
        if (::lstat(full.c_str(), &st) != 0) {
            throw_errno("cannot stat", full);
        }
        entry = Entry{};
        entry.path = relative;
        entry.mode = st.st_mode & 07777U;
        entry.uid = st.st_uid;
        entry.gid = st.st_gid;
        entry.mtime = st.st_mtim.tv_sec;
        if (S_ISDIR(st.st_mode)) {
            entry.type = EntryType::directory;
            stack_.push_back(
                Level{relative.empty() ? "" : relative + "/", sorted_children(full), 0});
        } else if (S_ISREG(st.st_mode)) {
            if (st.st_nlink > 1) {
                const auto key = std::make_pair(st.st_dev, st.st_ino);
                const auto [it, inserted] = first_link_.emplace(key, relative);
                if (!inserted) {
                    entry.type = EntryType::hardlink;
                    entry.link_target = it->second;
                    entry.xattrs = read_xattrs(full);
                    return true;
                }
            }
            entry.type = EntryType::regular;
            entry.size = static_cast<std::uint64_t>(st.st_size);
            fd_ = sif::UniqueFd(::open(full.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
            if (!fd_) {
                throw_errno("cannot read", full);
            }
            current_ = full;
        } else if (S_ISLNK(st.st_mode)) {
            entry.type = EntryType::symlink;
            std::string target(static_cast<std::size_t>(st.st_size) + 1, '\0');
            const ssize_t n = ::readlink(full.c_str(), target.data(), target.size());
            if (n < 0) {
                throw_errno("cannot read link", full);
            }
            target.resize(static_cast<std::size_t>(n));
            entry.link_target = std::move(target);
        } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
            entry.type = S_ISCHR(st.st_mode) ? EntryType::char_device : EntryType::block_device;
            entry.dev_major = major(st.st_rdev);
            entry.dev_minor = minor(st.st_rdev);
        } else if (S_ISFIFO(st.st_mode)) {
            entry.type = EntryType::fifo;
        } else {
            warn("socket \"" + full + "\" skipped (sockets cannot be stored)");
            return false;
        }
        entry.xattrs = read_xattrs(full);
        return true;
    }

    void close_data() noexcept { fd_.reset(); }

    std::filesystem::path root_;
    std::vector<Level> stack_;
    bool started_ = false;
    std::map<std::pair<dev_t, ino_t>, std::string> first_link_;
    sif::UniqueFd fd_;
    std::string current_;
};

}  // namespace

std::unique_ptr<EntryStream> read_directory_entries(const std::filesystem::path& root) {
    return std::make_unique<DirEntries>(root);
}

}  // namespace sifkit::oci2sif
