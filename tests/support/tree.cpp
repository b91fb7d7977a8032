#include "sifkit/test/tree.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

#include "sifkit/sif/directory.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/test/support.hpp"

namespace sifkit::test {
namespace {

std::map<std::string, std::string> xattrs_of(const std::string& path) {
    std::map<std::string, std::string> out;
    const ssize_t size = ::llistxattr(path.c_str(), nullptr, 0);
    if (size <= 0) {
        return out;
    }
    std::string names(static_cast<std::size_t>(size), '\0');
    const ssize_t got = ::llistxattr(path.c_str(), names.data(), names.size());
    names.resize(static_cast<std::size_t>(std::max<ssize_t>(got, 0)));
    for (std::size_t at = 0; at < names.size();) {
        const std::string name(names.c_str() + at);
        at += name.size() + 1;
        std::string value(65536, '\0');
        const ssize_t n = ::lgetxattr(path.c_str(), name.c_str(), value.data(), value.size());
        if (n >= 0) {
            value.resize(static_cast<std::size_t>(n));
            out[name] = to_hex(value.data(), value.size());
        }
    }
    return out;
}

void walk(const std::filesystem::path& root, const std::string& relative, TreeListing& out,
          std::map<std::pair<dev_t, ino_t>, std::vector<std::string>>& inodes) {
    const std::string full = relative.empty() ? root.string() : root.string() + relative;
    struct stat st {};
    if (::lstat(full.c_str(), &st) != 0) {
        throw std::runtime_error("lstat failed: " + full);
    }
    TreeEntry entry;
    entry.mode = st.st_mode & 07777U;
    entry.uid = st.st_uid;
    entry.gid = st.st_gid;
    entry.mtime = st.st_mtim.tv_sec;
    entry.xattrs = xattrs_of(full);
    const std::string key = relative.empty() ? "/" : relative;
    if (S_ISDIR(st.st_mode)) {
        entry.type = "dir";
        std::vector<std::string> names;
        try {
            names = sifkit::sif::directory_names(full);
        } catch (const sifkit::Error&) {
            // an unreadable directory is listed without children
        }
        std::sort(names.begin(), names.end());
        out[key] = entry;
        for (const auto& name : names) {
            walk(root, relative + "/" + name, out, inodes);
        }
        return;
    }
    if (S_ISREG(st.st_mode)) {
        entry.type = "reg";
        entry.size = static_cast<std::uint64_t>(st.st_size);
        entry.content = sha256_file(full);
        if (st.st_nlink > 1) {
            inodes[{st.st_dev, st.st_ino}].push_back(key);
        }
    } else if (S_ISLNK(st.st_mode)) {
        entry.type = "sym";
        std::string target(4096, '\0');
        const ssize_t n = ::readlink(full.c_str(), target.data(), target.size());
        target.resize(static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
        entry.content = target;
    } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
        entry.type = S_ISCHR(st.st_mode) ? "chr" : "blk";
        entry.content = std::to_string(major(st.st_rdev)) + "," + std::to_string(minor(st.st_rdev));
    } else if (S_ISFIFO(st.st_mode)) {
        entry.type = "fifo";
    } else {
        entry.type = "sock";
    }
    out[key] = entry;
}

std::string octal(std::uint32_t mode) {
    char text[16];
    std::snprintf(text, sizeof text, "%04o", mode);
    return text;
}

}  // namespace

TreeListing list_tree(const std::filesystem::path& root) {
    TreeListing out;
    std::map<std::pair<dev_t, ino_t>, std::vector<std::string>> inodes;
    walk(root, "", out, inodes);
    for (auto& [inode, paths] : inodes) {
        if (paths.size() > 1) {
            std::sort(paths.begin(), paths.end());
            for (const auto& p : paths) {
                out[p].hardlink_group = paths.front();
            }
        }
    }
    return out;
}

std::vector<std::string> compare_trees(const TreeListing& a, const TreeListing& b,
                                       const TreeCompare& options) {
    std::vector<std::string> diffs;
    const auto ignored = [&](const std::string& path) {
        return options.ignore && options.ignore(path);
    };
    // Named members, not a structured binding: the lambda below captures the path, which
    // clang before 16 refuses for a structured binding.
    for (const auto& entry : a) {
        const std::string& path = entry.first;
        const TreeEntry& x = entry.second;
        if (ignored(path)) {
            continue;
        }
        const auto it = b.find(path);
        if (it == b.end()) {
            diffs.push_back("only in A: " + path);
            continue;
        }
        const TreeEntry& y = it->second;
        const auto field = [&](const char* name, const std::string& u, const std::string& v) {
            if (u != v) {
                diffs.push_back(path + ": " + name + " " + u + " != " + v);
            }
        };
        field("type", x.type, y.type);
        field("mode", octal(x.mode), octal(y.mode));
        field("uid", std::to_string(x.uid), std::to_string(y.uid));
        field("gid", std::to_string(x.gid), std::to_string(y.gid));
        field("size", std::to_string(x.size), std::to_string(y.size));
        field("content", x.content, y.content);
        std::string xa, ya;
        for (const auto& [k, v] : x.xattrs) {
            xa += k + "=" + v + ";";
        }
        for (const auto& [k, v] : y.xattrs) {
            ya += k + "=" + v + ";";
        }
        if (options.xattrs) {
            field("xattrs", xa, ya);
        }
        if (options.hardlinks) {
            field("hardlink group", x.hardlink_group, y.hardlink_group);
        }
        const bool compare_mtime = options.mtimes &&
                                   (x.type != "dir" || options.directory_mtimes) &&
                                   !(options.ignore_mtime && options.ignore_mtime(path));
        if (compare_mtime) {
            field("mtime", std::to_string(x.mtime), std::to_string(y.mtime));
        }
    }
    for (const auto& [path, y] : b) {
        if (!ignored(path) && a.find(path) == a.end()) {
            diffs.push_back("only in B: " + path);
        }
    }
    return diffs;
}

}  // namespace sifkit::test
