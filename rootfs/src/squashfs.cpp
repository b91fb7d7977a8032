// SquashfsImage: libsquashfs's readers (super block, compressor, ID table, directories, data,
// xattrs) over a sqfs_file_t that reads a SIF object through sif::Image::read.
#include "sifkit/rootfs/squashfs.hpp"

#include <sqfs/block.h>
#include <sqfs/compressor.h>
#include <sqfs/data_reader.h>
#include <sqfs/dir.h>
#include <sqfs/dir_reader.h>
#include <sqfs/error.h>
#include <sqfs/id_table.h>
#include <sqfs/inode.h>
#include <sqfs/io.h>
#include <sqfs/super.h>
#include <sqfs/xattr.h>
#include <sqfs/xattr_reader.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <exception>
#include <set>
#include <utility>

#include "sifkit/sif/error.hpp"
#include "sifkit/sif/tree_limits.hpp"
#include "sqfs_status.hpp"

namespace sifkit::rootfs {
namespace {

// Symbolic links followed in one lookup, as Linux's MAXSYMLINKS.
constexpr int kMaxSymlinks = 40;
constexpr std::uint32_t kNoXattrs = 0xFFFFFFFFU;

struct FreeWithSqfs {
    void operator()(void* pointer) const noexcept { sqfs_free(pointer); }
};
using InodePtr = std::unique_ptr<sqfs_inode_generic_t, FreeWithSqfs>;

struct DestroySqfs {
    void operator()(void* object) const noexcept {
        if (object != nullptr) {
            sqfs_destroy(object);
        }
    }
};
template <typename T>
using SqfsPtr = std::unique_ptr<T, DestroySqfs>;

bool is_directory(const sqfs_inode_generic_t& inode) noexcept {
    return inode.base.type == SQFS_INODE_DIR || inode.base.type == SQFS_INODE_EXT_DIR;
}

FileType type_of(const sqfs_inode_generic_t& inode) {
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

std::string join(const std::string& parent, std::string_view name) {
    return parent == "/" ? "/" + std::string(name) : parent + "/" + std::string(name);
}

std::vector<std::string> split_components(std::string_view path) {
    std::vector<std::string> parts;
    std::size_t at = 0;
    while (at <= path.size()) {
        const std::size_t slash = path.find('/', at);
        const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
        if (end > at) {
            parts.emplace_back(path.substr(at, end - at));
        }
        if (slash == std::string_view::npos) {
            break;
        }
        at = slash + 1;
    }
    return parts;
}

}  // namespace

std::string_view token(FileType type) noexcept {
    switch (type) {
        case FileType::regular:
            return "reg";
        case FileType::directory:
            return "dir";
        case FileType::symlink:
            return "sym";
        case FileType::char_device:
            return "chr";
        case FileType::block_device:
            return "blk";
        case FileType::fifo:
            return "fifo";
        case FileType::socket:
            return "sock";
    }
    return "reg";
}

struct SquashfsImage::State {
    struct File {
        sqfs_file_t base;
        State* owner;
    };

    const sif::Image* image = nullptr;
    sif::Descriptor object;
    std::string origin;
    File file{};
    std::exception_ptr io_error;
    sqfs_super_t super{};
    SqfsPtr<sqfs_compressor_t> compressor;
    SqfsPtr<sqfs_id_table_t> ids;
    SqfsPtr<sqfs_dir_reader_t> directories;
    SqfsPtr<sqfs_data_reader_t> data;
    SqfsPtr<sqfs_xattr_reader_t> xattrs;
    const sqfs_inode_generic_t* visiting = nullptr;  // the entry a walk is showing

    static State& owner(const sqfs_file_t* file) {
        // The sqfs_file_t is the first member of File, so the pointer converts back.
        return *reinterpret_cast<const File*>(file)->owner;
    }
    static int read_at(sqfs_file_t* file, sqfs_u64 offset, void* buffer, size_t size) {
        State& self = owner(file);
        const auto length = static_cast<std::uint64_t>(self.object.size);
        if (offset > length || size > length - offset) {
            return SQFS_ERROR_OUT_OF_BOUNDS;
        }
        try {
            self.image->read(self.object, offset,
                             std::span<std::byte>(static_cast<std::byte*>(buffer), size));
            return 0;
        } catch (...) {
            self.io_error = std::current_exception();
            return SQFS_ERROR_IO;
        }
    }
    static int write_at(sqfs_file_t*, sqfs_u64, const void*, size_t) { return SQFS_ERROR_IO; }
    static sqfs_u64 get_size(const sqfs_file_t* file) {
        return static_cast<sqfs_u64>(owner(file).object.size);
    }
    static int truncate(sqfs_file_t*, sqfs_u64) { return SQFS_ERROR_IO; }
    static void destroy(sqfs_object_t*) {}  // owned by State, never by libsquashfs

    // Throws for a failed libsquashfs call: the storage's own Error when a read failed, else an
    // invalid_image Error saying what could not be read (also for a failed allocation, below).
    void check(int status, const std::string& what) {
        if (status == 0) {
            return;
        }
        if (io_error) {
            std::rethrow_exception(std::exchange(io_error, nullptr));
        }
        // libsquashfs sizes some allocations from the image (a file's block list from its size,
        // directory indexes from their counts) before it can check them, so a failed
        // allocation while reading is, in practice, an image that claims impossible sizes.
        throw Error(ErrorKind::invalid_image,
                    "squashfs in object " + std::to_string(object.id) + ": " + what + ": " +
                        describe_sqfs_status(status),
                    image->name());
    }

    InodePtr root() {
        sqfs_inode_generic_t* inode = nullptr;
        check(sqfs_dir_reader_get_root_inode(directories.get(), &inode), "reading the root inode");
        InodePtr owned(inode);
        if (!is_directory(*owned)) {
            throw Error(ErrorKind::invalid_image,
                        "squashfs in object " + std::to_string(object.id) +
                            ": the root inode is not a directory",
                        image->name());
        }
        return owned;
    }

    // The child `name` of directory `dir`; nullptr when there is none.
    InodePtr child(const sqfs_inode_generic_t& dir, const std::string& name,
                   const std::string& dir_path) {
        check(sqfs_dir_reader_open_dir(directories.get(), &dir, 0),
              "reading directory " + dir_path);
        const int found = sqfs_dir_reader_find(directories.get(), name.c_str());
        if (found == SQFS_ERROR_NO_ENTRY) {
            return nullptr;
        }
        check(found, "reading directory " + dir_path);
        sqfs_inode_generic_t* inode = nullptr;
        check(sqfs_dir_reader_get_inode(directories.get(), &inode),
              "reading the inode of " + join(dir_path, name));
        return InodePtr(inode);
    }

    // The children of a directory, in the stored (name) order.
    std::vector<std::pair<std::string, InodePtr>> children(const sqfs_inode_generic_t& dir,
                                                           const std::string& dir_path) {
        std::vector<std::pair<std::string, InodePtr>> out;
        check(sqfs_dir_reader_open_dir(directories.get(), &dir, SQFS_DIR_OPEN_NO_DOT_ENTRIES),
              "reading directory " + dir_path);
        while (true) {
            sqfs_dir_entry_t* raw = nullptr;
            const int rc = sqfs_dir_reader_read(directories.get(), &raw);
            if (rc > 0) {
                break;
            }
            check(rc, "reading directory " + dir_path);
            std::unique_ptr<sqfs_dir_entry_t, FreeWithSqfs> entry(raw);
            std::string name(reinterpret_cast<const char*>(entry->name),
                             static_cast<std::size_t>(entry->size) + 1);
            if (name.empty() || name == "." || name == ".." ||
                name.find('/') != std::string::npos || name.find('\0') != std::string::npos) {
                throw Error(ErrorKind::invalid_image,
                            "squashfs in object " + std::to_string(object.id) + ": directory " +
                                dir_path + " holds an entry with an impossible name",
                            image->name());
            }
            sqfs_inode_generic_t* inode = nullptr;
            check(sqfs_dir_reader_get_inode(directories.get(), &inode),
                  "reading the inode of " + join(dir_path, name));
            out.emplace_back(std::move(name), InodePtr(inode));
        }
        return out;
    }

    FileInfo info(const sqfs_inode_generic_t& inode, std::string path, std::string name) {
        FileInfo out;
        out.path = std::move(path);
        out.name = std::move(name);
        out.type = type_of(inode);
        out.mode = inode.base.mode & 07777U;
        check(sqfs_id_table_index_to_id(ids.get(), inode.base.uid_idx, &out.uid),
              "looking up the owner of " + out.path);
        check(sqfs_id_table_index_to_id(ids.get(), inode.base.gid_idx, &out.gid),
              "looking up the group of " + out.path);
        out.mtime = inode.base.mod_time;
        out.inode_number = inode.base.inode_number;
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
                    throw Error(ErrorKind::invalid_image,
                                "squashfs in object " + std::to_string(object.id) +
                                    ": symbolic link " + out.path + " has a truncated target",
                                image->name());
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

    struct Resolved {
        InodePtr inode;
        std::string path;
        std::string name;
    };

    // Walks `path` from the root, resolving symbolic links inside the image.
    Resolved resolve(std::string_view path, bool follow_final) {
        struct Step {
            std::string name;
            bool from_link;  // comes from a symlink target: ".." at the root stays there
        };
        std::deque<Step> pending;
        for (auto& part : split_components(path)) {
            pending.push_back({std::move(part), false});
        }
        std::vector<std::pair<std::string, InodePtr>> stack;
        stack.emplace_back("", root());
        const auto current_path = [&stack] {
            std::string out;
            for (std::size_t i = 1; i < stack.size(); ++i) {
                out += "/" + stack[i].first;
            }
            return out.empty() ? std::string("/") : out;
        };
        int links = 0;
        while (!pending.empty()) {
            Step step = std::move(pending.front());
            pending.pop_front();
            if (step.name == ".") {
                continue;
            }
            if (step.name == "..") {
                if (stack.size() > 1) {
                    stack.pop_back();
                } else if (!step.from_link) {
                    throw Error(ErrorKind::usage,
                                "path " + std::string(path) + " leaves the image's root",
                                image->name());
                }
                continue;
            }
            const sqfs_inode_generic_t& dir = *stack.back().second;
            const std::string dir_path = current_path();
            if (!is_directory(dir)) {
                throw Error(ErrorKind::not_found,
                            "no such file or directory in the image: " + std::string(path) + " (" +
                                dir_path + " is not a directory)",
                            image->name());
            }
            InodePtr next = child(dir, step.name, dir_path);
            if (!next) {
                throw Error(ErrorKind::not_found,
                            "no such file or directory in the image: " + std::string(path),
                            image->name());
            }
            const bool last = pending.empty();
            if (type_of(*next) == FileType::symlink && (!last || follow_final)) {
                if (++links > kMaxSymlinks) {
                    throw Error(ErrorKind::invalid_input,
                                "too many levels of symbolic links resolving " + std::string(path),
                                image->name());
                }
                const FileInfo link = info(*next, join(dir_path, step.name), step.name);
                std::vector<std::string> target = split_components(link.link_target);
                if (!link.link_target.empty() && link.link_target.front() == '/') {
                    stack.resize(1);
                }
                for (auto it = target.rbegin(); it != target.rend(); ++it) {
                    pending.push_front({std::move(*it), true});
                }
                continue;
            }
            if (stack.size() > sif::kMaxTreeDepth) {
                too_deep();
            }
            stack.emplace_back(step.name, std::move(next));
        }
        Resolved out;
        out.path = current_path();
        out.name = stack.back().first;
        out.inode = std::move(stack.back().second);
        return out;
    }

    // The depth every part of sifkit accepts (sif/tree_limits.hpp): convert refuses deeper
    // layers, so a deeper tree comes from another tool or is corrupt.
    [[noreturn]] void too_deep() const {
        throw Error(ErrorKind::invalid_image,
                    "squashfs in object " + std::to_string(object.id) +
                        ": directories nested deeper than " + std::to_string(sif::kMaxTreeDepth) +
                        " levels (sifkit's limit)",
                    image->name());
    }

    void walk(const sqfs_inode_generic_t& inode, const FileInfo& here, const Visitor& visitor,
              std::set<std::uint32_t>& ancestors, std::size_t depth) {
        // A visitor that reads the file it is shown (export, tar) gets this inode instead of a
        // fresh lookup of the path, which would cost a directory search per component.
        visiting = &inode;
        visitor(here);
        visiting = nullptr;
        if (!is_directory(inode)) {
            return;
        }
        if (!ancestors.insert(here.inode_number).second) {
            throw Error(ErrorKind::invalid_image,
                        "squashfs in object " + std::to_string(object.id) + ": directory " +
                            here.path + " contains itself",
                        image->name());
        }
        auto entries = children(inode, here.path);
        if (!entries.empty() && depth >= sif::kMaxTreeDepth) {
            too_deep();
        }
        for (auto& [name, child_inode] : entries) {
            const FileInfo child_info = info(*child_inode, join(here.path, name), name);
            walk(*child_inode, child_info, visitor, ancestors, depth + 1);
        }
        ancestors.erase(here.inode_number);
    }
};

SquashfsImage::SquashfsImage(std::unique_ptr<State> state) : state_(std::move(state)) {}
SquashfsImage::SquashfsImage(SquashfsImage&&) noexcept = default;
SquashfsImage& SquashfsImage::operator=(SquashfsImage&&) noexcept = default;
SquashfsImage::~SquashfsImage() = default;

SquashfsImage SquashfsImage::open(const sif::Image& image, const sif::Descriptor& object) {
    auto state = std::make_unique<State>();
    State& s = *state;
    s.image = &image;
    s.object = object;
    s.origin = image.name() + ": object " + std::to_string(object.id);
    s.file.base.base.destroy = &State::destroy;
    s.file.base.base.copy = nullptr;
    s.file.base.read_at = &State::read_at;
    s.file.base.write_at = &State::write_at;
    s.file.base.get_size = &State::get_size;
    s.file.base.truncate = &State::truncate;
    s.file.owner = &s;
    sqfs_file_t* file = &s.file.base;

    const int super_status = sqfs_super_read(&s.super, file);
    if (super_status != 0 && !s.io_error) {
        throw Error(
            ErrorKind::invalid_image,
            "object " + std::to_string(object.id) +
                " is not a readable squashfs file system: " + describe_sqfs_status(super_status),
            image.name());
    }
    s.check(super_status, "reading the super block");
    if (s.super.bytes_used > static_cast<std::uint64_t>(object.size)) {
        throw Error(ErrorKind::invalid_image,
                    "squashfs in object " + std::to_string(object.id) + " claims " +
                        std::to_string(s.super.bytes_used) + " bytes but the object has " +
                        std::to_string(object.size),
                    image.name());
    }
    // Known IDs only: the value becomes an enum below.
    if (s.super.compression_id < SQFS_COMP_MIN || s.super.compression_id > SQFS_COMP_MAX) {
        throw Error(ErrorKind::invalid_image,
                    "squashfs in object " + std::to_string(object.id) + ": unknown compressor " +
                        std::to_string(s.super.compression_id),
                    image.name());
    }
    sqfs_compressor_config_t config{};
    s.check(
        sqfs_compressor_config_init(&config, static_cast<SQFS_COMPRESSOR>(s.super.compression_id),
                                    s.super.block_size, SQFS_COMP_FLAG_UNCOMPRESS),
        "reading the compressor settings");
    sqfs_compressor_t* compressor = nullptr;
    const int created = sqfs_compressor_create(&config, &compressor);
    if (created == SQFS_ERROR_UNSUPPORTED) {
        const char* name =
            sqfs_compressor_name_from_id(static_cast<SQFS_COMPRESSOR>(s.super.compression_id));
        throw Error(ErrorKind::unsupported,
                    "squashfs in object " + std::to_string(object.id) + " uses compressor " +
                        (name != nullptr ? name : std::to_string(s.super.compression_id)) +
                        ", which this libsquashfs cannot decompress",
                    image.name());
    }
    s.check(created, "creating the decompressor");
    s.compressor.reset(compressor);
    if ((s.super.flags & SQFS_FLAG_COMPRESSOR_OPTIONS) != 0) {
        s.check(compressor->read_options(compressor, file), "reading the compressor options");
    }
    s.ids.reset(sqfs_id_table_create(0));
    s.directories.reset(sqfs_dir_reader_create(&s.super, compressor, file, 0));
    s.data.reset(sqfs_data_reader_create(file, s.super.block_size, compressor, 0));
    if (!s.ids || !s.directories || !s.data) {
        throw std::bad_alloc();
    }
    s.check(sqfs_id_table_read(s.ids.get(), file, &s.super, compressor), "reading the ID table");
    s.check(sqfs_data_reader_load_fragment_table(s.data.get(), &s.super),
            "reading the fragment table");
    if ((s.super.flags & SQFS_FLAG_NO_XATTRS) == 0 &&
        s.super.xattr_id_table_start != ~sqfs_u64{0}) {
        s.xattrs.reset(sqfs_xattr_reader_create(0));
        if (!s.xattrs) {
            throw std::bad_alloc();
        }
        s.check(sqfs_xattr_reader_load(s.xattrs.get(), &s.super, file, compressor),
                "reading the extended attribute table");
    }
    s.root();  // a partition whose root cannot be read is refused at once
    return SquashfsImage(std::move(state));
}

FileInfo SquashfsImage::stat(std::string_view path, bool follow_final) const {
    auto resolved = state_->resolve(path, follow_final);
    return state_->info(*resolved.inode, resolved.path, resolved.name);
}

std::vector<FileInfo> SquashfsImage::list(std::string_view path) const {
    auto resolved = state_->resolve(path, true);
    if (!is_directory(*resolved.inode)) {
        throw Error(ErrorKind::usage, std::string(path) + " is not a directory",
                    state_->image->name());
    }
    std::vector<FileInfo> out;
    for (auto& [name, inode] : state_->children(*resolved.inode, resolved.path)) {
        out.push_back(state_->info(*inode, join(resolved.path, name), name));
    }
    return out;
}

void SquashfsImage::walk(std::string_view path, const Visitor& visitor) const {
    auto resolved = state_->resolve(path, false);
    const FileInfo top = state_->info(*resolved.inode, resolved.path, resolved.name);
    std::set<std::uint32_t> ancestors;
    const auto depth =
        resolved.path == "/"
            ? std::size_t{0}
            : static_cast<std::size_t>(std::count(resolved.path.begin(), resolved.path.end(), '/'));
    state_->walk(*resolved.inode, top, visitor, ancestors, depth);
}

void SquashfsImage::read(const FileInfo& file,
                         const std::function<void(std::span<const std::byte>)>& sink) const {
    read(file, sink, nullptr);
}

void SquashfsImage::read(const FileInfo& file,
                         const std::function<void(std::span<const std::byte>)>& sink,
                         const std::function<void(std::uint64_t length)>& hole) const {
    if (file.type != FileType::regular) {
        throw Error(ErrorKind::usage, file.path + " is not a regular file", state_->image->name());
    }
    // FileInfo is plain data and may come from a walk long done: unless it is the entry a walk
    // is showing right now, the inode is looked up again.
    const sqfs_inode_generic_t* inode = state_->visiting;
    InodePtr looked_up;
    if (inode == nullptr || inode->base.inode_number != file.inode_number) {
        looked_up = state_->resolve(file.path, false).inode;
        inode = looked_up.get();
    }
    const std::uint32_t block_size = state_->super.block_size;
    // The block list holds the full blocks, and the last one when it is not in a fragment.
    const std::size_t blocks = sqfs_inode_get_file_block_count(inode);
    std::vector<std::byte> buffer(block_size);
    std::uint64_t offset = 0;
    while (offset < file.size) {
        const auto want =
            static_cast<sqfs_u32>(std::min<std::uint64_t>(buffer.size(), file.size - offset));
        const std::uint64_t index = offset / block_size;
        if (hole && offset % block_size == 0 && index < blocks &&
            SQFS_IS_SPARSE_BLOCK(inode->extra[index])) {
            hole(want);
            offset += want;
            continue;
        }
        const sqfs_s32 got =
            sqfs_data_reader_read(state_->data.get(), inode, offset, buffer.data(), want);
        if (got <= 0) {
            state_->check(got < 0 ? got : SQFS_ERROR_CORRUPTED, "reading the data of " + file.path);
        }
        sink(std::span<const std::byte>(buffer.data(), static_cast<std::size_t>(got)));
        offset += static_cast<std::uint64_t>(got);
    }
}

std::string SquashfsImage::read_all(const FileInfo& file, std::uint64_t limit) const {
    if (file.size > limit) {
        throw Error(ErrorKind::invalid_input,
                    file.path + " is " + std::to_string(file.size) + " bytes, more than the " +
                        std::to_string(limit) + " accepted",
                    state_->image->name());
    }
    std::string out;
    out.reserve(static_cast<std::size_t>(file.size));
    read(file, [&out](std::span<const std::byte> chunk) {
        out.append(reinterpret_cast<const char*>(chunk.data()), chunk.size());
    });
    return out;
}

std::vector<std::pair<std::string, std::string>> SquashfsImage::xattrs(const FileInfo& file) const {
    std::vector<std::pair<std::string, std::string>> out;
    if (file.xattr_index == kNoXattrs || !state_->xattrs) {
        return out;
    }
    State& s = *state_;
    sqfs_xattr_id_t desc{};
    s.check(sqfs_xattr_reader_get_desc(s.xattrs.get(), file.xattr_index, &desc),
            "reading the extended attributes of " + file.path);
    s.check(sqfs_xattr_reader_seek_kv(s.xattrs.get(), &desc),
            "reading the extended attributes of " + file.path);
    for (sqfs_u32 i = 0; i < desc.count; ++i) {
        sqfs_xattr_entry_t* raw_key = nullptr;
        s.check(sqfs_xattr_reader_read_key(s.xattrs.get(), &raw_key),
                "reading the extended attributes of " + file.path);
        std::unique_ptr<sqfs_xattr_entry_t, FreeWithSqfs> key(raw_key);
        sqfs_xattr_value_t* raw_value = nullptr;
        s.check(sqfs_xattr_reader_read_value(s.xattrs.get(), key.get(), &raw_value),
                "reading the extended attributes of " + file.path);
        std::unique_ptr<sqfs_xattr_value_t, FreeWithSqfs> value(raw_value);
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

const std::string& SquashfsImage::origin() const noexcept {
    return state_->origin;
}
std::uint32_t SquashfsImage::block_size() const noexcept {
    return state_->super.block_size;
}
std::uint32_t SquashfsImage::inode_count() const noexcept {
    return state_->super.inode_count;
}
std::int64_t SquashfsImage::modification_time() const noexcept {
    return state_->super.modification_time;
}

}  // namespace sifkit::rootfs
