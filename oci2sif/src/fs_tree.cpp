#include "fs_tree.hpp"

#include <vector>

namespace sifkit::oci2sif {

Node* Node::child(std::string_view key) const {
    const auto it = children.find(key);
    return it == children.end() ? nullptr : it->second.get();
}

Node& Node::make_child(std::string_view key) {
    const auto it = children.find(key);
    if (it != children.end()) {
        return *it->second;
    }
    auto node = std::make_unique<Node>();
    node->name = std::string(key);
    node->parent = this;
    Node& ref = *node;
    children.emplace(std::string_view(ref.name), std::move(node));
    return ref;
}

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
        out += (*it)->name;
    }
    return out;
}

Inode inode_from(const Entry& entry) {
    Inode inode;
    inode.type = entry.type;
    inode.mode = entry.mode;
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
