// One squashfs file system stored in a SIF object, read through libsquashfs in place: the
// building block of SquashfsImage, which shows one of them (a native SIF's partition) or several
// stacked as overlayfs stacks them (an OCI-SIF's layers). Everything here works on inodes; paths
// and the merge of layers are SquashfsImage's.
#pragma once

#include <sqfs/data_reader.h>
#include <sqfs/dir_reader.h>
#include <sqfs/id_table.h>
#include <sqfs/inode.h>
#include <sqfs/io.h>
#include <sqfs/super.h>
#include <sqfs/xattr_reader.h>
#include "sifkit/squashfs/handles.hpp"

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "sifkit/rootfs/squashfs.hpp"
#include "sifkit/sif/image.hpp"

namespace sifkit::rootfs {

using squashfs::SqfsPtr;
using InodePtr = squashfs::MemoryPtr<sqfs_inode_generic_t>;

bool is_directory(const sqfs_inode_generic_t& inode) noexcept;
FileType type_of(const sqfs_inode_generic_t& inode) noexcept;

// "/a" + "b" = "/a/b"; "/" + "b" = "/b".
std::string join_path(const std::string& parent, std::string_view name);

class SquashfsLayer {
  public:
    // Opens the squashfs in `object`: super block (checked against the object size),
    // compressor, ID, fragment and xattr tables, and the root inode, which must be a directory.
    // `layer` is the number FileInfo::layer gets for this file system's entries. The layer reads
    // through its own address (libsquashfs keeps a pointer to it), hence no copies or moves.
    static std::unique_ptr<SquashfsLayer> open(const sif::Image& image,
                                               const sif::Descriptor& object, std::uint32_t layer);
    SquashfsLayer(const SquashfsLayer&) = delete;
    SquashfsLayer& operator=(const SquashfsLayer&) = delete;
    ~SquashfsLayer();

    InodePtr root();
    // The child `name` of directory `dir`; nullptr when there is none.
    InodePtr child(const sqfs_inode_generic_t& dir, const std::string& name,
                   const std::string& dir_path);
    // The children of a directory, in the stored (name) order.
    std::vector<std::pair<std::string, InodePtr>> children(const sqfs_inode_generic_t& dir,
                                                           const std::string& dir_path);
    FileInfo info(const sqfs_inode_generic_t& inode, std::string path, std::string name);
    // A regular file's bytes, a block at a time; sparse blocks go to `hole` when it is set.
    void read(const sqfs_inode_generic_t& inode, const FileInfo& file,
              const std::function<void(std::span<const std::byte>)>& sink,
              const std::function<void(std::uint64_t length)>& hole);
    // Extended attributes of the entry whose xattr index is `index` (full names, raw values).
    std::vector<std::pair<std::string, std::string>> xattrs(std::uint32_t index,
                                                            const std::string& path);

    // Refuses trees deeper than sifkit's one limit (sif/tree_limits.hpp).
    [[noreturn]] void too_deep() const;
    // An invalid_image Error about this file system: "squashfs in object N: WHAT".
    [[noreturn]] void corrupt(const std::string& what) const;

    const sif::Image& image() const noexcept { return *image_; }
    std::uint32_t object_id() const noexcept { return object_.id; }
    std::uint32_t number() const noexcept { return layer_; }
    const sqfs_super_t& super() const noexcept { return super_; }

  private:
    struct File {
        sqfs_file_t base;
        SquashfsLayer* owner;
    };

    SquashfsLayer() = default;
    static SquashfsLayer& owner(const sqfs_file_t* file);
    static int read_at(sqfs_file_t* file, sqfs_u64 offset, void* buffer, size_t size);
    static int write_at(sqfs_file_t*, sqfs_u64, const void*, size_t);
    static sqfs_u64 get_size(const sqfs_file_t* file);
    static int truncate(sqfs_file_t*, sqfs_u64);
    static void destroy(sqfs_object_t*);
    // Throws for a failed libsquashfs call: the storage's own Error when a read failed, else an
    // invalid_image Error saying what could not be read.
    void check(int status, const std::string& what);

    const sif::Image* image_ = nullptr;
    sif::Descriptor object_;
    std::uint32_t layer_ = 0;
    File file_{};
    std::exception_ptr io_error_;
    sqfs_super_t super_{};
    SqfsPtr<sqfs_compressor_t> compressor_;
    SqfsPtr<sqfs_id_table_t> ids_;
    SqfsPtr<sqfs_dir_reader_t> directories_;
    SqfsPtr<sqfs_data_reader_t> data_;
    SqfsPtr<sqfs_xattr_reader_t> xattrs_;
};

}  // namespace sifkit::rootfs
