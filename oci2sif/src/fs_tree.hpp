// The merged root file system as a tree of names over inodes (hardlinks share an inode). Built
// by the layer merger, written out by the squashfs writer. Only metadata lives here: file data
// goes straight to the squashfs data blocks, and an inode keeps the ID the writer gave it.
#pragma once

#include <climits>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "child_index.hpp"
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

// A squashfs inode to be. Fields are packed so that the common inode takes 48 bytes.
struct Inode {
    static constexpr std::uint32_t kNoData = UINT32_MAX;

    std::uint16_t mode = 0755;              // permission bits only (07777)
    EntryType type = EntryType::directory;  // never hardlink: links share the Inode instead
    // A hardlink whose target lies in a lower layer starts as a placeholder (typed regular: it
    // never holds children); when the target is found the placeholder forwards to the inode
    // that holds it, possibly another placeholder when the target is itself such a link.
    bool placeholder : 1 = false;
    bool written : 1 = false;  // by the squashfs writer
    std::uint32_t uid = 0;
    std::uint32_t gid = 0;
    std::uint32_t data = kNoData;  // regular files: the writer's ID of the file's data
    // Filled in by the squashfs writer.
    std::uint32_t link_count = 0;
    std::uint32_t number = 0;
    std::int64_t mtime = 0;
    std::unique_ptr<const InodeDetails> details;  // nullptr: none of them
    // One or the other, never both: `forward` only matters until the merger's finish(), which
    // replaces every name's placeholder by the inode it forwards to; the writer then sets
    // `reference` on those inodes only (8 bytes an inode saved).
    union {
        Inode* forward = nullptr;  // a placeholder's target (see `placeholder`)
        std::uint64_t reference;   // the written inode's position, set by the squashfs writer
    };

    bool has_data() const noexcept { return data != kNoData; }
    const std::string& link_target() const noexcept {
        static const std::string none;
        return details ? details->link_target : none;
    }
};

// A path of the tree. Nodes live in their Tree (stable addresses, never freed one by one), and
// so do their names; children are found through the Tree's ChildIndex and listed by a
// singly linked sibling chain in no particular order (Tree::sorted_children gives name order).
struct Node {
    Node* parent = nullptr;
    Node* first_child = nullptr;
    Node* next_sibling = nullptr;
    Inode* inode = nullptr;  // nullptr: nothing defines this path (yet)
    const char* name_data = "";

    int defined_at = kNoLayer;     // layer whose entry gave `inode`
    int whiteout_at = kNoLayer;    // topmost layer whose whiteout hides this path from below
    int opaque_at = kNoLayer;      // topmost layer that made this directory opaque
    int descendant_at = kNoLayer;  // topmost layer that defined something below this path
    int implied_at = kNoLayer;     // topmost layer whose accepted entries below made it a
                                   // directory (it stays when they are deleted above)

    // The layer merger's record of what the layer being merged says about this path (valid
    // while `named_at` is that layer: levels only decrease, so older records lapse by
    // themselves). Kept here rather than in a map of paths: a layer of a million files would
    // otherwise hold a million path strings beside the tree.
    int named_at = kNoLayer;                    // layer whose entries named this path
    int named_below_at = kNoLayer;              // layer whose entries named a path below this one
    std::uint16_t name_size = 0;                // Tree::kMaxName at most
    EntryType named_kind = EntryType::regular;  // what the latest entry at the path made
    bool named_emptied : 1 = false;             // a non-directory was here: nothing below is left
    bool named_inode : 1 = false;               // the entry made `inode` (a hardlink may share it)
    bool named_slot : 1 = false;                // the merger holds a Slot for the path

    std::string_view name() const noexcept { return {name_data, name_size}; }
    std::string path() const;  // "/a/b", "/" for the root
};

class Tree {
  public:
    // Longer names are refused (Linux allows 255 bytes, squashfs 256).
    static constexpr std::size_t kMaxName = 4096;

    Tree() = default;
    Tree(const Tree&) = delete;
    Tree& operator=(const Tree&) = delete;

    Node& root() noexcept { return root_; }
    const Node& root() const noexcept { return root_; }
    Node* child(const Node& parent, std::string_view name) const noexcept {
        return index_.find(&parent, name);
    }
    // The child called `name`, made (with no inode) when there is none; `made` tells which.
    Node& make_child(Node& parent, std::string_view name, bool* made = nullptr);
    // Unlinks the children for which `drop(child)` is true (their own subtrees go with them).
    template <typename Drop>
    void remove_children_if(Node& parent, Drop drop) {
        for (Node** link = &parent.first_child; *link != nullptr;) {
            Node* child = *link;
            if (drop(*child)) {
                *link = child->next_sibling;
                index_.erase(child);
            } else {
                link = &child->next_sibling;
            }
        }
    }
    std::vector<Node*> sorted_children(const Node& parent) const;

    Inode& new_inode() { return inodes_.emplace_back(); }
    std::size_t inode_count() const noexcept { return inodes_.size(); }

  private:
    std::string_view keep_name(std::string_view name);

    Node root_;
    std::deque<Node> nodes_;    // stable addresses: nodes point to each other
    std::deque<Inode> inodes_;  // stable addresses: nodes point into it
    ChildIndex index_;
    // Names, back to back in blocks (a million names of 16 bytes would cost 32 each as
    // strings of their own).
    std::vector<std::unique_ptr<char[]>> name_blocks_;
    std::size_t block_left_ = 0;
    std::vector<std::unique_ptr<char[]>> long_names_;
};

static_assert(sizeof(Inode) <= 48 && sizeof(Node) <= 72, "the tree's memory per entry grew");

inline bool is_directory(const Inode* inode) noexcept {
    return inode != nullptr && inode->type == EntryType::directory;
}

// An inode for `entry` (not a hardlink), metadata only.
Inode inode_from(const Entry& entry);

}  // namespace sifkit::oci2sif
