// The merged root file system as a tree of names over inodes (hardlinks share an inode). Built
// by the layer merger, written out by the squashfs writer. Only metadata lives here: file data
// goes straight to the squashfs data blocks, and an inode keeps the ID the writer gave it.
#pragma once

#include <climits>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "entry.hpp"

namespace sifkit::oci2sif {

// Layer levels: higher is nearer the top of the stack. kNoLayer marks "never".
inline constexpr int kNoLayer = INT_MIN;

// What only some inodes have (symlinks, devices, files with xattrs), kept apart so that the
// common inode stays small: an image of a million files holds a million inodes.
struct InodeDetails {
    std::string link_target;  // symlinks
    std::uint32_t dev_major = 0;
    std::uint32_t dev_minor = 0;
    std::vector<std::pair<std::string, std::string>> xattrs;
};

struct Inode {
    EntryType type = EntryType::directory;  // never hardlink: links share the Inode instead
    std::uint32_t mode = 0755;
    std::uint32_t uid = 0;
    std::uint32_t gid = 0;
    std::int64_t mtime = 0;
    std::unique_ptr<const InodeDetails> details;  // nullptr: none of them
    std::optional<std::uint32_t> data;  // regular files: the writer's ID of the file's data

    // A hardlink whose target lies in a lower layer starts as a placeholder (typed regular: it
    // never holds children); when the target is found the placeholder forwards to the inode
    // that holds it, possibly another placeholder when the target is itself such a link.
    Inode* forward = nullptr;
    bool placeholder = false;

    // Filled in by the squashfs writer.
    bool written = false;
    std::uint32_t link_count = 0;
    std::uint32_t number = 0;
    std::uint64_t reference = 0;

    const std::string& link_target() const noexcept {
        static const std::string none;
        return details ? details->link_target : none;
    }
};

struct Node {
    std::string name;
    Node* parent = nullptr;
    // Keyed by a view of the child's own `name` (a node never changes its name and lives on
    // the heap), so that each name is stored once: a million entries make a million keys.
    std::map<std::string_view, std::unique_ptr<Node>> children;
    Inode* inode = nullptr;  // nullptr: nothing defines this path (yet)

    int defined_at = kNoLayer;     // layer whose entry gave `inode`
    int whiteout_at = kNoLayer;    // topmost layer whose whiteout hides this path from below
    int opaque_at = kNoLayer;      // topmost layer that made this directory opaque
    int descendant_at = kNoLayer;  // topmost layer that defined something below this path
    int implied_at = kNoLayer;     // topmost layer whose accepted entries below made it a
                                   // directory (it stays when they are deleted above)

    Node* child(std::string_view key) const;
    Node& make_child(std::string_view key);
    std::string path() const;  // "/a/b", "/" for the root
};

class Tree {
  public:
    Tree() { root_.name = ""; }
    Node& root() noexcept { return root_; }
    const Node& root() const noexcept { return root_; }
    Inode& new_inode() { return inodes_.emplace_back(); }
    std::size_t inode_count() const noexcept { return inodes_.size(); }

  private:
    Node root_;
    std::deque<Inode> inodes_;  // stable addresses: nodes point into it
};

inline bool is_directory(const Inode* inode) noexcept {
    return inode != nullptr && inode->type == EntryType::directory;
}

// An inode for `entry` (not a hardlink), metadata only.
Inode inode_from(const Entry& entry);

}  // namespace sifkit::oci2sif
