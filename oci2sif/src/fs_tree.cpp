#include "fs_tree.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include "sifkit/sif/error.hpp"

namespace sifkit::oci2sif {
namespace {

constexpr std::size_t kNameBlock = 64 * 1024;

}  // namespace

std::string Node::path() const {
    std::vector<const Node*> chain;
    for (const Node* n = this; n->parent != nullptr; n = n->parent) {
        chain.push_back(n);
    }
    if (chain.empty()) {
        return "/";
    }
    std::string out;
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
        out += '/';
        out += (*it)->name();
    }
    return out;
}

std::string_view Tree::keep_name(std::string_view name) {
    if (name.empty()) {
        return {};
    }
    if (name.size() > kNameBlock / 4) {
        // A long name gets a block of its own, so that the shared block is not abandoned
        // half empty.
        auto& block = long_names_.emplace_back(std::make_unique<char[]>(name.size()));
        std::memcpy(block.get(), name.data(), name.size());
        return {block.get(), name.size()};
    }
    if (block_left_ < name.size()) {
        name_blocks_.push_back(std::make_unique<char[]>(kNameBlock));
        block_left_ = kNameBlock;
    }
    char* at = name_blocks_.back().get() + (kNameBlock - block_left_);
    std::memcpy(at, name.data(), name.size());
    block_left_ -= name.size();
    return {at, name.size()};
}

Node& Tree::make_child(Node& parent, std::string_view name, bool* made) {
    if (Node* existing = index_.find(&parent, name)) {
        if (made != nullptr) {
            *made = false;
        }
        return *existing;
    }
    if (name.size() > kMaxName) {
        throw Error(ErrorKind::invalid_input,
                    "a name of " + std::to_string(name.size()) + " bytes below " + parent.path() +
                        " (longer than " + std::to_string(kMaxName) + ")");
    }
    const std::string_view kept = keep_name(name);
    Node& node = nodes_.emplace_back();
    node.name_data = kept.data();
    node.name_size = static_cast<std::uint16_t>(kept.size());
    node.parent = &parent;
    node.next_sibling = parent.first_child;
    parent.first_child = &node;
    index_.insert(&node);
    if (made != nullptr) {
        *made = true;
    }
    return node;
}

std::vector<Node*> Tree::sorted_children(const Node& parent) const {
    std::vector<Node*> children;
    for (Node* child = parent.first_child; child != nullptr; child = child->next_sibling) {
        children.push_back(child);
    }
    std::sort(children.begin(), children.end(),
              [](const Node* a, const Node* b) { return a->name() < b->name(); });
    return children;
}

Inode inode_from(const Entry& entry) {
    Inode inode;
    inode.type = entry.type;
    inode.mode = static_cast<std::uint16_t>(entry.mode & 07777U);
    inode.uid = entry.uid;
    inode.gid = entry.gid;
    inode.mtime = entry.mtime;
    if (!entry.link_target.empty() || entry.dev_major != 0 || entry.dev_minor != 0 ||
        !entry.xattrs.empty()) {
        inode.details = std::make_unique<const InodeDetails>(
            InodeDetails{entry.link_target, entry.dev_major, entry.dev_minor, entry.xattrs});
    }
    return inode;
}

}  // namespace sifkit::oci2sif
