// Writing the merged tree as squashfs inode and directory tables. Squashfs wants every inode a
// directory lists written before the directory's listing, and the listing before the
// directory's own inode: a post-order walk. Inode numbers are given in that same order first,
// because a directory inode records its parent's number. Hardlinked inodes are written once and
// listed under every name.
#include <sqfs/dir_writer.h>
#include <sqfs/error.h>
#include <sqfs/id_table.h>
#include <sqfs/inode.h>
#include <sqfs/meta_writer.h>
#include <sqfs/xattr_writer.h>

#include <cstdlib>
#include <cstring>
#include <limits>

#include "sifkit/sif/error.hpp"
#include "squashfs_writer.hpp"

namespace sifkit::oci2sif {
namespace {

constexpr std::uint32_t kNoXattrs = 0xFFFFFFFFU;

std::uint16_t type_bits_of(EntryType type) {
    switch (type) {
        case EntryType::directory:
            return SQFS_INODE_MODE_DIR;
        case EntryType::symlink:
            return SQFS_INODE_MODE_LNK;
        case EntryType::char_device:
            return SQFS_INODE_MODE_CHR;
        case EntryType::block_device:
            return SQFS_INODE_MODE_BLK;
        case EntryType::fifo:
            return SQFS_INODE_MODE_FIFO;
        case EntryType::socket:
            return SQFS_INODE_MODE_SOCK;
        case EntryType::regular:
        case EntryType::hardlink:
            break;
    }
    return SQFS_INODE_MODE_REG;
}

std::uint16_t full_mode(const Inode& inode) {
    return static_cast<std::uint16_t>(type_bits_of(inode.type) | (inode.mode & 07777U));
}

std::uint32_t encode_device(std::uint32_t major, std::uint32_t minor) {
    return (minor & 0xFFU) | ((major & 0xFFFU) << 8) | ((minor & 0xFFF00U) << 12);
}

using InodePtr = squashfs::MemoryPtr<sqfs_inode_generic_t>;

InodePtr allocate_inode(std::size_t extra) {
    auto* inode =
        static_cast<sqfs_inode_generic_t*>(std::calloc(1, sizeof(sqfs_inode_generic_t) + extra));
    if (inode == nullptr) {
        throw std::bad_alloc();
    }
    return InodePtr(inode);
}

// Walks the tree without recursion (a crafted layer must not be able to exhaust the stack,
// and the depth limit is a policy, not what keeps this safe). Children are visited in name
// order: on_child(parent, child, child_path) for each, and a directory child's own subtree
// right after it; on_leave(directory, path, parent) once all of a directory's children are
// done (parent is nullptr for the root). Paths are kept incrementally, so the walk is linear
// in the total length of the names, however deep the tree.
template <typename OnChild, typename OnLeave>
void walk_post_order(const Tree& tree, Node& root, OnChild on_child, OnLeave on_leave) {
    struct Frame {
        Node* node;
        std::vector<Node*> children;  // in name order
        std::size_t next;
        std::size_t path_length;  // of the parent's path, restored on leaving
    };
    std::string path;
    std::vector<Frame> stack;
    stack.push_back({&root, tree.sorted_children(root), 0, 0});
    while (!stack.empty()) {
        Frame& top = stack.back();
        if (top.next != top.children.size()) {
            Node& child = *top.children[top.next];
            ++top.next;
            const std::size_t length = path.size();
            path += '/';
            path += child.name();
            on_child(*top.node, child, path);
            if (is_directory(child.inode)) {
                stack.push_back({&child, tree.sorted_children(child), 0, length});
            } else {
                path.resize(length);
            }
            continue;
        }
        Node* parent = stack.size() > 1 ? stack[stack.size() - 2].node : nullptr;
        on_leave(*top.node, top.children, path.empty() ? std::string("/") : path, parent);
        path.resize(top.path_length);
        stack.pop_back();
    }
}

}  // namespace

std::uint32_t squashfs_time(std::int64_t time) {
    // Squashfs stores unsigned 32-bit seconds: times before 1970 become 0, after 2106 the max.
    return static_cast<std::uint32_t>(
        std::clamp<std::int64_t>(time, 0, std::numeric_limits<std::uint32_t>::max()));
}

void SquashfsWriter::write_tree(Tree& tree) {
    sqfs_file_t* file = file_->file();
    super_.inode_table_start = file->get_size(file);
    Node& root = tree.root();

    // Link counts and inode numbers first: a directory inode records its link count and its
    // parent's number, and every inode a directory lists is written before the listing.
    // A directory is linked from its parent, from its own "." and from each subdirectory's
    // "..". Numbers follow the post-order the inodes are written in; a hardlinked inode gets
    // the number of its first name.
    root.inode->link_count = 1;  // "."; the root has no parent entry
    std::uint32_t next = 1;
    walk_post_order(
        tree, root,
        [&](Node& parent, Node& child, const std::string&) {
            child.inode->link_count += 1;
            if (is_directory(child.inode)) {
                child.inode->link_count += 1;
                parent.inode->link_count += 1;
            } else if (child.inode->number == 0) {
                child.inode->number = next++;
            }
        },
        [&](Node& directory, const std::vector<Node*>&, const std::string&, Node*) {
            if (next == std::numeric_limits<std::uint32_t>::max()) {
                throw Error(ErrorKind::unsupported, "more inodes than squashfs can number");
            }
            directory.inode->number = next++;
        });
    inode_count_ = next - 1;
    super_.inode_count = static_cast<sqfs_u32>(inode_count_);

    // mksquashfs gives the root a parent one past the last inode number; readers ignore it.
    const auto root_parent = static_cast<std::uint32_t>(inode_count_ + 1);
    walk_post_order(
        tree, root,
        [&](Node&, Node& child, const std::string& path) {
            if (!is_directory(child.inode) && !child.inode->written) {
                write_inode(*child.inode, path);
            }
        },
        [&](Node& directory, const std::vector<Node*>& children, const std::string& path,
            Node* parent) {
            write_directory(directory, children, path,
                            parent != nullptr ? parent->inode->number : root_parent);
        });
    check(sqfs_meta_writer_flush(inode_table_.get()), "writing the inode table");
    check(sqfs_meta_writer_flush(directory_table_.get()), "writing the directory table");
    super_.root_inode_ref = root.inode->reference;
    super_.directory_table_start = file->get_size(file);
    check(sqfs_meta_write_write_to_file(directory_table_.get()), "writing the directory table");
}

void SquashfsWriter::write_directory(Node& node, const std::vector<Node*>& children,
                                     const std::string& path, std::uint32_t parent_number) {
    check(sqfs_dir_writer_begin(directories_.get(), 0), "starting a directory");
    std::string name;  // libsquashfs wants NUL-terminated names; the tree keeps them bare
    for (const Node* child : children) {
        name.assign(child->name());
        check(sqfs_dir_writer_add_entry(directories_.get(), name.c_str(), child->inode->number,
                                        child->inode->reference, full_mode(*child->inode)),
              "writing a directory entry");
    }
    check(sqfs_dir_writer_end(directories_.get()), "finishing a directory");
    const std::uint32_t xattr = xattr_index(*node.inode, path);
    InodePtr inode(sqfs_dir_writer_create_inode(directories_.get(), 0, xattr, parent_number));
    if (!inode) {
        throw std::bad_alloc();
    }
    if (inode->base.type == SQFS_INODE_DIR) {
        inode->data.dir.nlink = node.inode->link_count;
    } else {
        inode->data.dir_ext.nlink = node.inode->link_count;
    }
    inode->base.mode = full_mode(*node.inode);
    inode->base.mod_time = squashfs_time(node.inode->mtime);
    inode->base.inode_number = node.inode->number;
    check(sqfs_id_table_id_to_index(ids_.get(), node.inode->uid, &inode->base.uid_idx),
          "recording a user ID");
    check(sqfs_id_table_id_to_index(ids_.get(), node.inode->gid, &inode->base.gid_idx),
          "recording a group ID");
    sqfs_u64 block = 0;
    sqfs_u32 offset = 0;
    sqfs_meta_writer_get_position(inode_table_.get(), &block, &offset);
    node.inode->reference = (block << 16) | offset;
    check(sqfs_meta_writer_write_inode(inode_table_.get(), inode.get()),
          "writing a directory inode");
    node.inode->written = true;
}

void SquashfsWriter::write_inode(Inode& inode, const std::string& path) {
    InodePtr generic;
    switch (inode.type) {
        case EntryType::regular: {
            if (!inode.has_data()) {
                throw Error(ErrorKind::internal, "the data of " + path + " was never read");
            }
            sqfs_inode_generic_t*& slot = file_inodes_.at(inode.data);
            generic.reset(std::exchange(slot, nullptr));
            if (!generic) {
                // No data (see begin_file): the inode the block processor makes for an empty
                // file, so that the bytes do not depend on who made it.
                generic = allocate_inode(0);
                generic->base.type = SQFS_INODE_FILE;
                generic->data.file.fragment_index = 0xFFFFFFFFU;
                generic->data.file.fragment_offset = 0xFFFFFFFFU;
            }
            if (inode.link_count > 1) {
                if (generic->base.type == SQFS_INODE_FILE) {
                    check(sqfs_inode_make_extended(generic.get()), "extending a file inode");
                }
                generic->data.file_ext.nlink = inode.link_count;
            }
            break;
        }
        case EntryType::symlink:
            generic = allocate_inode(inode.link_target().size());
            generic->base.type = SQFS_INODE_SLINK;
            generic->data.slink.nlink = inode.link_count;
            generic->data.slink.target_size = static_cast<sqfs_u32>(inode.link_target().size());
            std::memcpy(generic->extra, inode.link_target().data(), inode.link_target().size());
            break;
        case EntryType::char_device:
        case EntryType::block_device: {
            generic = allocate_inode(0);
            generic->base.type =
                inode.type == EntryType::char_device ? SQFS_INODE_CDEV : SQFS_INODE_BDEV;
            generic->data.dev.nlink = inode.link_count;
            const std::uint32_t major = inode.details ? inode.details->dev_major : 0;
            const std::uint32_t minor = inode.details ? inode.details->dev_minor : 0;
            if (major > 0xFFF || minor > 0xFFFFF) {
                warnings_.push_back("device " + path +
                                    " has a number squashfs cannot store; recorded as 0,0");
            } else {
                generic->data.dev.devno = encode_device(major, minor);
            }
            break;
        }
        case EntryType::fifo:
        case EntryType::socket:
            generic = allocate_inode(0);
            generic->base.type =
                inode.type == EntryType::fifo ? SQFS_INODE_FIFO : SQFS_INODE_SOCKET;
            generic->data.ipc.nlink = inode.link_count;
            break;
        case EntryType::directory:
        case EntryType::hardlink:
            throw Error(ErrorKind::internal, "unexpected inode type for " + path);
    }
    generic->base.mode = full_mode(inode);
    generic->base.mod_time = squashfs_time(inode.mtime);
    generic->base.inode_number = inode.number;
    check(sqfs_id_table_id_to_index(ids_.get(), inode.uid, &generic->base.uid_idx),
          "recording a user ID");
    check(sqfs_id_table_id_to_index(ids_.get(), inode.gid, &generic->base.gid_idx),
          "recording a group ID");
    const std::uint32_t xattr = xattr_index(inode, path);
    if (xattr != kNoXattrs) {
        check(sqfs_inode_set_xattr_index(generic.get(), xattr), "attaching extended attributes");
    }
    sqfs_u64 block = 0;
    sqfs_u32 offset = 0;
    sqfs_meta_writer_get_position(inode_table_.get(), &block, &offset);
    inode.reference = (block << 16) | offset;
    check(sqfs_meta_writer_write_inode(inode_table_.get(), generic.get()), "writing an inode");
    inode.written = true;
}

std::uint32_t SquashfsWriter::xattr_index(const Inode& inode, const std::string& path) {
    if (!inode.details || inode.details->xattrs.empty()) {
        return kNoXattrs;
    }
    check(sqfs_xattr_writer_begin(xattrs_.get(), 0), "starting extended attributes");
    std::size_t stored = 0;
    for (const auto& [key, value] : inode.details->xattrs) {
        const int rc =
            sqfs_xattr_writer_add(xattrs_.get(), key.c_str(), value.data(), value.size());
        if (rc == SQFS_ERROR_UNSUPPORTED) {
            warnings_.push_back(
                "xattr " + key + " on " + path +
                ": squashfs stores only user., trusted. and security. attributes; dropped");
            continue;
        }
        check(rc, "adding an extended attribute");
        ++stored;
    }
    std::uint32_t index = kNoXattrs;
    check(sqfs_xattr_writer_end(xattrs_.get(), &index), "finishing extended attributes");
    return stored == 0 ? kNoXattrs : index;
}

}  // namespace sifkit::oci2sif
