// SquashfsLayer: libsquashfs's readers (super block, compressor, ID table, directories, data,
// xattrs) over a sqfs_file_t that reads a SIF object through sif::Image::read.
#include "squashfs_layer.hpp"

#include <sqfs/block.h>
#include <sqfs/compressor.h>
#include <sqfs/dir.h>
#include <sqfs/error.h>
#include <sqfs/xattr.h>

#include <algorithm>
#include <cstring>

#include "sifkit/sif/error.hpp"
#include "sifkit/sif/tree_limits.hpp"
#include "sifkit/squashfs/status.hpp"

namespace sifkit::rootfs {
namespace {

constexpr std::uint32_t kNoXattrs = 0xFFFFFFFFU;

std::uint32_t link_count(const sqfs_inode_generic_t& inode) {
    switch (inode.base.type) {
        case SQFS_INODE_DIR:
            return inode.data.dir.nlink;
        case SQFS_INODE_EXT_DIR:
            return inode.data.dir_ext.nlink;
        case SQFS_INODE_FILE:
            return 1;
        case SQFS_INODE_EXT_FILE:
            return inode.data.file_ext.nlink;
        case SQFS_INODE_SLINK:
        case SQFS_INODE_EXT_SLINK:
            return inode.data.slink.nlink;
        case SQFS_INODE_BDEV:
        case SQFS_INODE_CDEV:
        case SQFS_INODE_EXT_BDEV:
        case SQFS_INODE_EXT_CDEV:
            return inode.data.dev.nlink;
        default:
            return inode.data.ipc.nlink;
    }
}

}  // namespace

bool is_directory(const sqfs_inode_generic_t& inode) noexcept {
    return inode.base.type == SQFS_INODE_DIR || inode.base.type == SQFS_INODE_EXT_DIR;
}

FileType type_of(const sqfs_inode_generic_t& inode) noexcept {
    switch (inode.base.type) {
        case SQFS_INODE_DIR:
        case SQFS_INODE_EXT_DIR:
            return FileType::directory;
        case SQFS_INODE_FILE:
        case SQFS_INODE_EXT_FILE:
            return FileType::regular;
        case SQFS_INODE_SLINK:
        case SQFS_INODE_EXT_SLINK:
            return FileType::symlink;
        case SQFS_INODE_BDEV:
        case SQFS_INODE_EXT_BDEV:
            return FileType::block_device;
        case SQFS_INODE_CDEV:
        case SQFS_INODE_EXT_CDEV:
            return FileType::char_device;
        case SQFS_INODE_FIFO:
        case SQFS_INODE_EXT_FIFO:
            return FileType::fifo;
        default:
            return FileType::socket;
    }
}

std::string join_path(const std::string& parent, std::string_view name) {
    return parent == "/" ? "/" + std::string(name) : parent + "/" + std::string(name);
}

SquashfsLayer& SquashfsLayer::owner(const sqfs_file_t* file) {
    // The sqfs_file_t is the first member of File, so the pointer converts back.
    return *reinterpret_cast<const File*>(file)->owner;
}

int SquashfsLayer::read_at(sqfs_file_t* file, sqfs_u64 offset, void* buffer, size_t size) {
    SquashfsLayer& self = owner(file);
    const auto length = static_cast<std::uint64_t>(self.object_.size);
    if (offset > length || size > length - offset) {
        return SQFS_ERROR_OUT_OF_BOUNDS;
    }
    try {
        self.image_->read(self.object_, offset,
                          std::span<std::byte>(static_cast<std::byte*>(buffer), size));
        return 0;
    } catch (...) {
        self.io_error_ = std::current_exception();
        return SQFS_ERROR_IO;
    }
}

int SquashfsLayer::write_at(sqfs_file_t*, sqfs_u64, const void*, size_t) {
    return SQFS_ERROR_IO;
}

sqfs_u64 SquashfsLayer::get_size(const sqfs_file_t* file) {
    return static_cast<sqfs_u64>(owner(file).object_.size);
}

int SquashfsLayer::truncate(sqfs_file_t*, sqfs_u64) {
    return SQFS_ERROR_IO;
}

void SquashfsLayer::destroy(sqfs_object_t*) {}  // owned by the layer, never by libsquashfs

SquashfsLayer::~SquashfsLayer() = default;

void SquashfsLayer::check(int status, const std::string& what) {
    if (status == 0) {
        return;
    }
    if (io_error_) {
        std::rethrow_exception(std::exchange(io_error_, nullptr));
    }
    // libsquashfs sizes some allocations from the image (a file's block list from its size,
    // directory indexes from their counts) before it can check them, so a failed
    // allocation while reading is, in practice, an image that claims impossible sizes.
    corrupt(what + ": " + squashfs::describe_status(status, squashfs::Use::reading));
}

void SquashfsLayer::corrupt(const std::string& what) const {
    throw Error(ErrorKind::invalid_image,
                "squashfs in object " + std::to_string(object_.id) + ": " + what, image_->name());
}

void SquashfsLayer::too_deep() const {
    // The depth every part of sifkit accepts (sif/tree_limits.hpp): convert refuses deeper
    // layers, so a deeper tree comes from another tool or is corrupt.
    corrupt("directories nested deeper than " + std::to_string(sif::kMaxTreeDepth) +
            " levels (sifkit's limit)");
}

std::unique_ptr<SquashfsLayer> SquashfsLayer::open(const sif::Image& image,
                                                   const sif::Descriptor& object,
                                                   std::uint32_t layer) {
    std::unique_ptr<SquashfsLayer> owned(new SquashfsLayer());
    SquashfsLayer& s = *owned;
    s.image_ = &image;
    s.object_ = object;
    s.layer_ = layer;
    s.file_.base.base.destroy = &SquashfsLayer::destroy;
    s.file_.base.base.copy = nullptr;
    s.file_.base.read_at = &SquashfsLayer::read_at;
    s.file_.base.write_at = &SquashfsLayer::write_at;
    s.file_.base.get_size = &SquashfsLayer::get_size;
    s.file_.base.truncate = &SquashfsLayer::truncate;
    s.file_.owner = &s;
    sqfs_file_t* file = &s.file_.base;

    const int super_status = sqfs_super_read(&s.super_, file);
    if (super_status != 0 && !s.io_error_) {
        throw Error(ErrorKind::invalid_image,
                    "object " + std::to_string(object.id) +
                        " is not a readable squashfs file system: " +
                        squashfs::describe_status(super_status, squashfs::Use::reading),
                    image.name());
    }
    s.check(super_status, "reading the super block");
    if (s.super_.bytes_used > static_cast<std::uint64_t>(object.size)) {
        s.corrupt("claims " + std::to_string(s.super_.bytes_used) + " bytes but the object has " +
                  std::to_string(object.size));
    }
    // Known IDs only: the value becomes an enum below.
    if (s.super_.compression_id < SQFS_COMP_MIN || s.super_.compression_id > SQFS_COMP_MAX) {
        s.corrupt("unknown compressor " + std::to_string(s.super_.compression_id));
    }
    sqfs_compressor_config_t config{};
    s.check(
        sqfs_compressor_config_init(&config, static_cast<SQFS_COMPRESSOR>(s.super_.compression_id),
                                    s.super_.block_size, SQFS_COMP_FLAG_UNCOMPRESS),
        "reading the compressor settings");
    sqfs_compressor_t* compressor = nullptr;
    const int created = sqfs_compressor_create(&config, &compressor);
    if (created == SQFS_ERROR_UNSUPPORTED) {
        const char* name =
            sqfs_compressor_name_from_id(static_cast<SQFS_COMPRESSOR>(s.super_.compression_id));
        throw Error(ErrorKind::unsupported,
                    "squashfs in object " + std::to_string(object.id) + " uses compressor " +
                        (name != nullptr ? name : std::to_string(s.super_.compression_id)) +
                        ", which this libsquashfs cannot decompress",
                    image.name());
    }
    s.check(created, "creating the decompressor");
    s.compressor_.reset(compressor);
    if ((s.super_.flags & SQFS_FLAG_COMPRESSOR_OPTIONS) != 0) {
        s.check(compressor->read_options(compressor, file), "reading the compressor options");
    }
    s.ids_.reset(sqfs_id_table_create(0));
    s.directories_.reset(sqfs_dir_reader_create(&s.super_, compressor, file, 0));
    s.data_.reset(sqfs_data_reader_create(file, s.super_.block_size, compressor, 0));
    if (!s.ids_ || !s.directories_ || !s.data_) {
        throw std::bad_alloc();
    }
    s.check(sqfs_id_table_read(s.ids_.get(), file, &s.super_, compressor), "reading the ID table");
    s.check(sqfs_data_reader_load_fragment_table(s.data_.get(), &s.super_),
            "reading the fragment table");
    if ((s.super_.flags & SQFS_FLAG_NO_XATTRS) == 0 &&
        s.super_.xattr_id_table_start != ~sqfs_u64{0}) {
        s.xattrs_.reset(sqfs_xattr_reader_create(0));
        if (!s.xattrs_) {
            throw std::bad_alloc();
        }
        s.check(sqfs_xattr_reader_load(s.xattrs_.get(), &s.super_, file, compressor),
                "reading the extended attribute table");
    }
    s.root();  // a partition whose root cannot be read is refused at once
    return owned;
}

InodePtr SquashfsLayer::root() {
    sqfs_inode_generic_t* inode = nullptr;
    check(sqfs_dir_reader_get_root_inode(directories_.get(), &inode), "reading the root inode");
    InodePtr owned(inode);
    if (!is_directory(*owned)) {
        corrupt("the root inode is not a directory");
    }
    return owned;
}

InodePtr SquashfsLayer::child(const sqfs_inode_generic_t& dir, const std::string& name,
                              const std::string& dir_path) {
    check(sqfs_dir_reader_open_dir(directories_.get(), &dir, 0), "reading directory " + dir_path);
    const int found = sqfs_dir_reader_find(directories_.get(), name.c_str());
    if (found == SQFS_ERROR_NO_ENTRY) {
        return nullptr;
    }
    check(found, "reading directory " + dir_path);
    sqfs_inode_generic_t* inode = nullptr;
    check(sqfs_dir_reader_get_inode(directories_.get(), &inode),
          "reading the inode of " + join_path(dir_path, name));
    return InodePtr(inode);
}

std::vector<std::pair<std::string, InodePtr>> SquashfsLayer::children(
    const sqfs_inode_generic_t& dir, const std::string& dir_path) {
    std::vector<std::pair<std::string, InodePtr>> out;
    check(sqfs_dir_reader_open_dir(directories_.get(), &dir, SQFS_DIR_OPEN_NO_DOT_ENTRIES),
          "reading directory " + dir_path);
    while (true) {
        sqfs_dir_entry_t* raw = nullptr;
        const int rc = sqfs_dir_reader_read(directories_.get(), &raw);
        if (rc > 0) {
            break;
        }
        check(rc, "reading directory " + dir_path);
        squashfs::MemoryPtr<sqfs_dir_entry_t> entry(raw);
        std::string name(reinterpret_cast<const char*>(entry->name),
                         static_cast<std::size_t>(entry->size) + 1);
        if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
            name.find('\0') != std::string::npos) {
            corrupt("directory " + dir_path + " holds an entry with an impossible name");
        }
        sqfs_inode_generic_t* inode = nullptr;
        check(sqfs_dir_reader_get_inode(directories_.get(), &inode),
              "reading the inode of " + join_path(dir_path, name));
        out.emplace_back(std::move(name), InodePtr(inode));
    }
    return out;
}

FileInfo SquashfsLayer::info(const sqfs_inode_generic_t& inode, std::string path,
                             std::string name) {
    FileInfo out;
    out.path = std::move(path);
    out.name = std::move(name);
    out.type = type_of(inode);
    out.mode = inode.base.mode & 07777U;
    check(sqfs_id_table_index_to_id(ids_.get(), inode.base.uid_idx, &out.uid),
          "looking up the owner of " + out.path);
    check(sqfs_id_table_index_to_id(ids_.get(), inode.base.gid_idx, &out.gid),
          "looking up the group of " + out.path);
    out.mtime = inode.base.mod_time;
    out.inode_number = inode.base.inode_number;
    out.layer = layer_;
    out.nlink = link_count(inode);
    switch (out.type) {
        case FileType::regular: {
            sqfs_u64 size = 0;
            check(sqfs_inode_get_file_size(&inode, &size), "reading the size of " + out.path);
            out.size = size;
            break;
        }
        case FileType::symlink: {
            const std::uint32_t length = inode.data.slink.target_size;
            if (length > inode.payload_bytes_used) {
                corrupt("symbolic link " + out.path + " has a truncated target");
            }
            out.link_target.assign(reinterpret_cast<const char*>(inode.extra), length);
            out.size = length;
            break;
        }
        case FileType::char_device:
        case FileType::block_device: {
            const std::uint32_t devno = inode.data.dev.devno;
            out.dev_major = (devno >> 8) & 0xFFFU;
            out.dev_minor = (devno & 0xFFU) | ((devno >> 12) & 0xFFF00U);
            break;
        }
        default:
            break;
    }
    sqfs_u32 xattr = kNoXattrs;
    if (sqfs_inode_get_xattr_index(&inode, &xattr) == 0) {
        out.xattr_index = xattr;
    }
    return out;
}

void SquashfsLayer::read(const sqfs_inode_generic_t& inode, const FileInfo& file,
                         const std::function<void(std::span<const std::byte>)>& sink,
                         const std::function<void(std::uint64_t length)>& hole) {
    const std::uint32_t block_size = super_.block_size;
    // The block list holds the full blocks, and the last one when it is not in a fragment.
    const std::size_t blocks = sqfs_inode_get_file_block_count(&inode);
    std::vector<std::byte> buffer(block_size);
    std::uint64_t offset = 0;
    while (offset < file.size) {
        const auto want =
            static_cast<sqfs_u32>(std::min<std::uint64_t>(buffer.size(), file.size - offset));
        const std::uint64_t index = offset / block_size;
        if (hole && offset % block_size == 0 && index < blocks &&
            SQFS_IS_SPARSE_BLOCK(inode.extra[index])) {
            hole(want);
            offset += want;
            continue;
        }
        const sqfs_s32 got =
            sqfs_data_reader_read(data_.get(), &inode, offset, buffer.data(), want);
        if (got <= 0) {
            check(got < 0 ? got : SQFS_ERROR_CORRUPTED, "reading the data of " + file.path);
        }
        sink(std::span<const std::byte>(buffer.data(), static_cast<std::size_t>(got)));
        offset += static_cast<std::uint64_t>(got);
    }
}

std::vector<std::pair<std::string, std::string>> SquashfsLayer::xattrs(std::uint32_t index,
                                                                       const std::string& path) {
    std::vector<std::pair<std::string, std::string>> out;
    if (index == kNoXattrs || !xattrs_) {
        return out;
    }
    sqfs_xattr_id_t desc{};
    check(sqfs_xattr_reader_get_desc(xattrs_.get(), index, &desc),
          "reading the extended attributes of " + path);
    check(sqfs_xattr_reader_seek_kv(xattrs_.get(), &desc),
          "reading the extended attributes of " + path);
    for (sqfs_u32 i = 0; i < desc.count; ++i) {
        sqfs_xattr_entry_t* raw_key = nullptr;
        check(sqfs_xattr_reader_read_key(xattrs_.get(), &raw_key),
              "reading the extended attributes of " + path);
        squashfs::MemoryPtr<sqfs_xattr_entry_t> key(raw_key);
        sqfs_xattr_value_t* raw_value = nullptr;
        check(sqfs_xattr_reader_read_value(xattrs_.get(), key.get(), &raw_value),
              "reading the extended attributes of " + path);
        squashfs::MemoryPtr<sqfs_xattr_value_t> value(raw_value);
        const char* prefix =
            sqfs_get_xattr_prefix(static_cast<SQFS_XATTR_TYPE>(key->type & SQFS_XATTR_PREFIX_MASK));
        if (prefix == nullptr) {
            continue;  // a prefix Linux does not know: nothing could set it anyway
        }
        out.emplace_back(
            // libsquashfs gives the whole name (prefix included) in key->key; size counts the
            // part after the prefix.
            std::string(reinterpret_cast<const char*>(key->key), std::strlen(prefix) + key->size),
            std::string(reinterpret_cast<const char*>(value->value), value->size));
    }
    return out;
}

}  // namespace sifkit::rootfs
