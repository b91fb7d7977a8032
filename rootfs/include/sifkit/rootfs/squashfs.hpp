// Reading a squashfs file system stored in a SIF object, in place: no mount, no root, no
// temporary copy. libsquashfs reads the object through the image's storage (sif::Image::read),
// so a partition of any size costs a few blocks of memory. Several squashfs layers (an OCI-SIF
// that keeps its image's layers) are read as the one tree overlayfs shows a container: the
// top layer wins, whiteouts and opaque directories hide what lies below, and the markers
// themselves are never shown.
//
// Paths are given as inside the image ("/etc/os-release", "etc", "/"). ".." that would climb
// above the root is refused; symbolic links are resolved inside the image as a container sees
// them (absolute targets start at the image root, ".." stops at the root), at most 40 of them
// per lookup. Every structure read from the squashfs is bounds-checked by libsquashfs and by
// the walks here (directory loops, depth), so a corrupt or hostile partition gives an
// invalid_image Error naming the image, never a crash or a hang.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sifkit/sif/image.hpp"

namespace sifkit::rootfs {

enum class FileType { regular, directory, symlink, char_device, block_device, fifo, socket };

// "reg", "dir", "sym", "chr", "blk", "fifo", "sock".
std::string_view token(FileType type) noexcept;

struct FileInfo {
    std::string path;  // "/" or "/a/b": where it was found (after resolving parent symlinks)
    std::string name;  // last component ("" for the root)
    FileType type = FileType::regular;
    std::uint32_t mode = 0;  // permission bits, 07777
    std::uint32_t uid = 0;
    std::uint32_t gid = 0;
    std::int64_t mtime = 0;
    std::uint64_t size = 0;   // regular files: bytes; symlinks: target length
    std::string link_target;  // symlinks
    std::uint32_t dev_major = 0;
    std::uint32_t dev_minor = 0;
    std::uint32_t nlink = 1;
    std::uint32_t inode_number = 0;           // unique per inode of a layer: hardlinks share it
    std::uint32_t xattr_index = 0xFFFFFFFFU;  // for SquashfsImage::xattrs; all ones = none
    std::uint32_t layer = 0;  // the layer holding the entry, 0 = the bottom (or only) one

    // Unique per inode in the whole tree (inode numbers repeat across layers): entries with the
    // same key are hardlinks of each other.
    std::uint64_t inode_key() const noexcept {
        return (static_cast<std::uint64_t>(layer) << 32) | inode_number;
    }
};

// Called for each entry of a walk, parents before children, children in name order.
using Visitor = std::function<void(const FileInfo& info)>;

class SquashfsImage {
  public:
    // Opens the squashfs stored in `object` of `image`; the image must outlive the result.
    static SquashfsImage open(const sif::Image& image, const sif::Descriptor& object);
    // Opens the squashfs layers of an OCI-SIF, bottom first, as one tree with overlayfs's
    // rules: a name in an upper layer hides it below; a 0:0 character device or an AUFS
    // `.wh.NAME` file removes NAME; a directory with `trusted.overlay.opaque=y` (or
    // `user.overlay.opaque=y`, or holding `.wh..wh..opq`) hides the directories below it.
    // Whiteouts, opaque markers and opaque xattrs never appear in the tree. At most
    // kMaxLayers layers (overlayfs's own limit), else unsupported.
    static SquashfsImage open_layers(const sif::Image& image,
                                     const std::vector<sif::Descriptor>& layers);
    static constexpr std::size_t kMaxLayers = 500;

    SquashfsImage(SquashfsImage&&) noexcept;
    SquashfsImage& operator=(SquashfsImage&&) noexcept;
    ~SquashfsImage();

    // The entry at `path`. follow_final: resolve a symbolic link in the last component too.
    FileInfo stat(std::string_view path, bool follow_final = false) const;
    // The entries of the directory at `path` (symlinks followed), in name order.
    std::vector<FileInfo> list(std::string_view path) const;
    // Every entry below (and including) `path`, depth first; `path` itself is not followed when
    // it is a symbolic link (so a walk never leaves the subtree it was given).
    void walk(std::string_view path, const Visitor& visitor) const;
    // Streams a regular file's bytes to `sink` in chunks of at most one block.
    void read(const FileInfo& file,
              const std::function<void(std::span<const std::byte>)>& sink) const;
    // The same, except that a block the squashfs stores as sparse (all zeros, no data in the
    // image) is given to `hole` as its length instead, and never read: a 10 GiB file of zeros
    // costs nothing to get through.
    void read(const FileInfo& file, const std::function<void(std::span<const std::byte>)>& sink,
              const std::function<void(std::uint64_t length)>& hole) const;
    // A small file whole (JSON, scripts), refused (invalid_input) when larger than `limit`.
    std::string read_all(const FileInfo& file, std::uint64_t limit) const;
    // Extended attributes as full names ("security.capability") and raw values.
    std::vector<std::pair<std::string, std::string>> xattrs(const FileInfo& file) const;

    // What errors call the partition: "IMAGE: object N" ("IMAGE: objects N, M" for layers).
    const std::string& origin() const noexcept;
    // The largest block size of the layers: no read chunk is larger.
    std::uint32_t block_size() const noexcept;
    // The inodes of all layers (hidden ones included).
    std::uint32_t inode_count() const noexcept;
    // The top layer's.
    std::int64_t modification_time() const noexcept;

  private:
    struct State;
    explicit SquashfsImage(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
};

}  // namespace sifkit::rootfs
