// Writes a squashfs image (4.0 format, as the kernel, unsquashfs and rdsquashfs read it) with
// libsquashfs: file data streams in through the FileDataSink side while the layers are merged
// (compressed by a pool of worker threads, identical blocks and fragments stored once), then
// finish() writes the inode and directory tables for the merged tree and the remaining tables.
#pragma once

#include <sqfs/predef.h>
#include <sqfs/super.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fs_tree.hpp"
#include "layer_merge.hpp"
#include "sifkit/oci2sif/squashfs_options.hpp"
#include "sifkit/sif/image.hpp"
#include "sifkit/squashfs/handles.hpp"
#include "sqfs_output.hpp"

namespace sifkit::oci2sif {

// Seconds as squashfs stores them (unsigned 32 bits): clamped to 1970..2106.
std::uint32_t squashfs_time(std::int64_t time);

class SquashfsWriter final : public FileDataSink {
  public:
    // `mkfs_time` goes into the super block (clamped to its 32-bit unsigned field).
    SquashfsWriter(sif::ObjectWriter& output, const SquashfsOptions& options,
                   std::int64_t mkfs_time);
    ~SquashfsWriter() override;
    SquashfsWriter(const SquashfsWriter&) = delete;
    SquashfsWriter& operator=(const SquashfsWriter&) = delete;

    std::uint32_t begin_file() override;
    void append(std::span<const std::byte> data) override;
    void end_file() override;

    // Waits for the data blocks in flight, writes every table for `tree` and the super block,
    // and pads the image to a multiple of 4 KiB (as mksquashfs does, for loop devices).
    void finish(Tree& tree);

    std::uint64_t inode_count() const noexcept { return inode_count_; }
    std::vector<std::string> take_warnings() { return std::exchange(warnings_, {}); }

  private:
    void check(int status, const char* what);
    void write_tree(Tree& tree);
    void write_directory(Node& node, const std::vector<Node*>& children, const std::string& path,
                         std::uint32_t parent_number);
    void write_inode(Inode& inode, const std::string& path);
    std::uint32_t xattr_index(const Inode& inode, const std::string& path);

    // Set-up, in the order the constructor runs it.
    void create_compressors(const SquashfsOptions& options);
    void write_super_block(const SquashfsOptions& options, std::int64_t mkfs_time);
    void create_tables();
    void start_block_processor(const SquashfsOptions& options);

    sif::ObjectWriter* output_;
    std::unique_ptr<SqfsOutput> file_;
    sqfs_super_t super_{};
    // Declared in the order they depend on each other, so that they are destroyed the other way
    // round: the processor first (its workers use everything else), the compressor last.
    squashfs::SqfsPtr<sqfs_compressor_t> compressor_;
    squashfs::SqfsPtr<sqfs_compressor_t> decompressor_;
    squashfs::SqfsPtr<sqfs_block_writer_t> block_writer_;
    squashfs::SqfsPtr<sqfs_frag_table_t> fragments_;
    squashfs::SqfsPtr<sqfs_id_table_t> ids_;
    squashfs::SqfsPtr<sqfs_xattr_writer_t> xattrs_;
    squashfs::SqfsPtr<sqfs_meta_writer_t> inode_table_;
    squashfs::SqfsPtr<sqfs_meta_writer_t> directory_table_;
    squashfs::SqfsPtr<sqfs_dir_writer_t> directories_;
    // File inodes the block processor fills in (nullptr: an empty file).
    squashfs::InodeSlots<sqfs_inode_generic_t> file_inodes_;
    squashfs::SqfsPtr<sqfs_block_processor_t> processor_;
    bool file_started_ = false;  // the processor has the current file
    std::uint64_t inode_count_ = 0;
    bool file_open_ = false;       // between begin_file() and end_file()
    bool blocks_drained_ = false;  // sqfs_block_processor_finish() has run
    std::vector<std::string> warnings_;
};

}  // namespace sifkit::oci2sif
