// Listing a directory tree entry by entry (type, mode, owner, size, content digest, link target,
// device numbers, xattrs, mtime, hardlink group) and comparing two listings: how the tests
// check that a converted image holds exactly the tree a reference tool unpacks.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace sifkit::test {

struct TreeEntry {
    std::string type;        // reg dir sym chr blk fifo sock
    std::uint32_t mode = 0;  // permission bits (07777)
    std::uint32_t uid = 0;
    std::uint32_t gid = 0;
    std::uint64_t size = 0;                     // regular files
    std::string content;                        // sha256 of data, symlink target, or "major,minor"
    std::map<std::string, std::string> xattrs;  // name -> hex value
    std::int64_t mtime = 0;
    std::string hardlink_group;  // first path (sorted) sharing the inode; "" when alone
};

// "/" for the root, "/a/b" below it; names are raw bytes.
using TreeListing = std::map<std::string, TreeEntry>;

TreeListing list_tree(const std::filesystem::path& root);

struct TreeCompare {
    bool mtimes = true;
    bool directory_mtimes = true;
    bool hardlinks = true;
    bool xattrs = true;
    // Paths left out of the comparison (present in one listing only, or differing).
    std::function<bool(const std::string& path)> ignore;
    // Paths whose modification times are not compared.
    std::function<bool(const std::string& path)> ignore_mtime;
};

// One line per difference ("only in A: /x", "/y: mode 0644 != 0755"); empty when equal.
std::vector<std::string> compare_trees(const TreeListing& a, const TreeListing& b,
                                       const TreeCompare& options);

}  // namespace sifkit::test
