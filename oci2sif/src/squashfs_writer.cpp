#include "squashfs_writer.hpp"

#include <sqfs/block_processor.h>
#include <sqfs/block_writer.h>
#include <sqfs/compressor.h>
#include <sqfs/dir_writer.h>
#include <sqfs/error.h>
#include <sqfs/frag_table.h>
#include <sqfs/id_table.h>
#include <sqfs/meta_writer.h>
#include <sqfs/xattr_writer.h>

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <thread>
#include <vector>

#include "deflate_compressor.hpp"
#include "lzo_compressor.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/squashfs/status.hpp"
#include "wrapped_compressor.hpp"

namespace sifkit::oci2sif {
namespace {

SQFS_COMPRESSOR compressor_id(Compressor compressor) {
    switch (compressor) {
        case Compressor::gzip:
            return SQFS_COMP_GZIP;
        case Compressor::zstd:
            return SQFS_COMP_ZSTD;
        case Compressor::xz:
            return SQFS_COMP_XZ;
        case Compressor::lz4:
            return SQFS_COMP_LZ4;
        case Compressor::lzo:
            return SQFS_COMP_LZO;
    }
    return SQFS_COMP_GZIP;
}

}  // namespace

SquashfsWriter::SquashfsWriter(sif::ObjectWriter& output, const SquashfsOptions& options,
                               std::int64_t mkfs_time)
    : output_(&output), file_(std::make_unique<SqfsOutput>(output)) {
    check_squashfs_options(options);
    create_compressors(options);
    write_super_block(options, mkfs_time);
    create_tables();
    start_block_processor(options);
}

void SquashfsWriter::create_compressors(const SquashfsOptions& options) {
    const SQFS_COMPRESSOR id = compressor_id(options.compressor);
    sqfs_compressor_config_t config{};
    if (sqfs_compressor_config_init(&config, id, options.block_size, 0) != 0) {
        throw Error(ErrorKind::unsupported, std::string("compressor ") +
                                                std::string(name_of(options.compressor)) +
                                                " is not available in this libsquashfs");
    }
    if (options.level) {
        config.level = static_cast<sqfs_u32>(*options.level);
    }
    if (id == SQFS_COMP_LZO) {
        // Not in libsquashfs: sifkit's own, on liblzo2 (config_init leaves the level at 0).
        config.opt.lzo.algorithm = SQFS_LZO1X_999;
        if (!options.level) {
            config.level = SQFS_LZO_DEFAULT_LEVEL;
        }
        compressor_ = create_lzo_compressor(config);
    } else if (id == SQFS_COMP_GZIP) {
        compressor_ = create_deflate_compressor(config);
    }
    if (!compressor_) {
        sqfs_compressor_t* inner = nullptr;
        const int rc = sqfs_compressor_create(&config, &inner);
        if (rc != 0) {
            throw Error(rc == SQFS_ERROR_UNSUPPORTED ? ErrorKind::unsupported : ErrorKind::usage,
                        std::string("cannot use compressor ") +
                            std::string(name_of(options.compressor)) +
                            (options.level ? " at level " + std::to_string(*options.level) : "") +
                            ": " + squashfs::describe_status(rc, squashfs::Use::writing));
        }
        compressor_ = wrap_compressor(squashfs::SqfsPtr<sqfs_compressor_t>(inner), bounded_codec());
        if (!compressor_) {
            throw std::bad_alloc();
        }
    }
    sqfs_compressor_config_t unpack = config;
    unpack.flags = static_cast<sqfs_u16>(unpack.flags | SQFS_COMP_FLAG_UNCOMPRESS);
    if (id == SQFS_COMP_LZO) {
        decompressor_ = create_lzo_compressor(unpack);
        if (!decompressor_) {
            throw std::bad_alloc();
        }
    } else {
        sqfs_compressor_t* decompressor = nullptr;
        check(sqfs_compressor_create(&unpack, &decompressor), "creating the decompressor");
        decompressor_.reset(decompressor);
    }
}

void SquashfsWriter::write_super_block(const SquashfsOptions& options, std::int64_t mkfs_time) {
    check(sqfs_super_init(&super_, options.block_size, squashfs_time(mkfs_time),
                          compressor_id(options.compressor)),
          "initialising the super block");
    sqfs_file_t* file = file_->file();
    check(sqfs_super_write(&super_, file), "writing the super block");
    const int options_size = compressor_->write_options(compressor_.get(), file);
    if (options_size < 0) {
        check(options_size, "writing compressor options");
    }
    if (options_size > 0) {
        super_.flags |= SQFS_FLAG_COMPRESSOR_OPTIONS;
    }
}

void SquashfsWriter::create_tables() {
    sqfs_file_t* file = file_->file();
    block_writer_.reset(sqfs_block_writer_create(file, SQFS_DEVBLK_SIZE, 0));
    fragments_.reset(sqfs_frag_table_create(0));
    ids_.reset(sqfs_id_table_create(0));
    xattrs_.reset(sqfs_xattr_writer_create(0));
    inode_table_.reset(sqfs_meta_writer_create(file, compressor_.get(), 0));
    // Directory entries point at inodes and directory inodes at their entries; the entries are
    // kept in memory and written after the inode table, where squashfs wants them.
    directory_table_.reset(
        sqfs_meta_writer_create(file, compressor_.get(), SQFS_META_WRITER_KEEP_IN_MEMORY));
    if (!block_writer_ || !fragments_ || !ids_ || !xattrs_ || !inode_table_ || !directory_table_) {
        throw std::bad_alloc();
    }
    directories_.reset(
        sqfs_dir_writer_create(directory_table_.get(), SQFS_DIR_WRITER_CREATE_EXPORT_TABLE));
    if (!directories_) {
        throw std::bad_alloc();
    }
}

void SquashfsWriter::start_block_processor(const SquashfsOptions& options) {
    const unsigned jobs =
        options.jobs != 0 ? options.jobs : std::max(1U, std::thread::hardware_concurrency());
    sqfs_block_processor_desc_t desc{};
    desc.size = sizeof desc;
    desc.max_block_size = options.block_size;
    desc.num_workers = jobs;
    // Blocks in flight: enough to keep every worker busy, few enough to bound memory
    // (each is at most one block plus its compressed copy).
    desc.max_backlog = 4 * jobs + 4;
    desc.cmp = compressor_.get();
    desc.wr = block_writer_.get();
    desc.tbl = fragments_.get();
    desc.file = file_->file();  // read back fragment candidates: deduplicate only true equals
    desc.uncmp = decompressor_.get();
    sqfs_block_processor_t* processor = nullptr;
    check(sqfs_block_processor_create_ex(&desc, &processor), "starting the block processor");
    processor_.reset(processor);
}

SquashfsWriter::~SquashfsWriter() {
    // After a failure the processor still holds queued blocks that libsquashfs 1.2's destroy
    // does not free all of (LeakSanitizer finds them), so drain the queue into a discarded
    // output first. The members then go in the order their declarations give.
    if (processor_ && !blocks_drained_) {
        file_->discard();
        if (file_open_) {
            sqfs_block_processor_end_file(processor_.get());
        }
        sqfs_block_processor_finish(processor_.get());
    }
}

void SquashfsWriter::check(int status, const char* what) {
    if (status != 0) {
        file_->fail(std::string("squashfs: ") + what + ": " +
                    squashfs::describe_status(status, squashfs::Use::writing));
    }
}

std::uint32_t SquashfsWriter::begin_file() {
    // The block processor is only told on the first byte: an empty file has no data and needs
    // no processor inode (64 bytes each until the end; images hold many empty files).
    file_inodes_.add();
    file_started_ = false;
    return static_cast<std::uint32_t>(file_inodes_.size() - 1);
}

void SquashfsWriter::append(std::span<const std::byte> data) {
    if (data.empty()) {
        return;
    }
    if (!file_started_) {
        check(sqfs_block_processor_begin_file(processor_.get(), &file_inodes_.last(), nullptr, 0),
              "starting a file");
        file_started_ = true;
        file_open_ = true;
    }
    check(sqfs_block_processor_append(processor_.get(), data.data(), data.size()),
          "writing file data");
}

void SquashfsWriter::end_file() {
    if (file_open_) {
        file_open_ = false;
        check(sqfs_block_processor_end_file(processor_.get()), "finishing a file");
    }
}

void SquashfsWriter::finish(Tree& tree) {
    sqfs_file_t* file = file_->file();
    blocks_drained_ = true;
    check(sqfs_block_processor_finish(processor_.get()), "writing data blocks");
    write_tree(tree);
    check(sqfs_frag_table_write(fragments_.get(), file, &super_, compressor_.get()),
          "writing the fragment table");
    check(sqfs_dir_writer_write_export_table(directories_.get(), file, compressor_.get(),
                                             tree.root().inode->number,
                                             tree.root().inode->reference, &super_),
          "writing the export table");
    check(sqfs_id_table_write(ids_.get(), file, &super_, compressor_.get()),
          "writing the ID table");
    check(sqfs_xattr_writer_flush(xattrs_.get(), file, &super_, compressor_.get()),
          "writing extended attributes");
    super_.bytes_used = file->get_size(file);
    check(sqfs_super_write(&super_, file), "writing the super block");
    const std::uint64_t size = output_->size();
    const std::uint64_t padded =
        (size + SQFS_DEVBLK_SIZE - 1) / SQFS_DEVBLK_SIZE * SQFS_DEVBLK_SIZE;
    if (padded > size) {
        const std::vector<std::byte> zeros(padded - size);
        output_->write_at(size, zeros);
    }
}

}  // namespace sifkit::oci2sif
