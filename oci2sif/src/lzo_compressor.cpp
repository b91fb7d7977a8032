#include "lzo_compressor.hpp"

#include <lzo1x.h>
#include <sqfs/error.h>
#include <sqfs/io.h>
#include <sqfs/super.h>

#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <vector>

namespace sifkit::oci2sif {
namespace {

constexpr sqfs_u32 kDefaultLevel = 8;

// Layout-compatible with sqfs_compressor_t: libsquashfs only sees `base`.
struct LzoCompressor {
    sqfs_compressor_t base;
    sqfs_u32 block_size;
    sqfs_u32 level;
    bool uncompress;
    std::vector<unsigned char> work;     // LZO1X-999 dictionary state
    std::vector<unsigned char> scratch;  // LZO output may exceed its input before we check
};

LzoCompressor* self(const sqfs_compressor_t* cmp) {
    return reinterpret_cast<LzoCompressor*>(const_cast<sqfs_compressor_t*>(cmp));
}

LzoCompressor* make(sqfs_u32 block_size, sqfs_u32 level, bool uncompress);

void destroy(sqfs_object_t* object) {
    delete reinterpret_cast<LzoCompressor*>(object);
}

sqfs_object_t* copy(const sqfs_object_t* object) {
    const auto* c = reinterpret_cast<const LzoCompressor*>(object);
    LzoCompressor* twin = make(c->block_size, c->level, c->uncompress);
    return twin == nullptr ? nullptr : &twin->base.base;
}

void get_configuration(const sqfs_compressor_t* cmp, sqfs_compressor_config_t* config) {
    std::memset(config, 0, sizeof *config);
    config->id = SQFS_COMP_LZO;
    config->flags = self(cmp)->uncompress ? SQFS_COMP_FLAG_UNCOMPRESS : 0;
    config->block_size = self(cmp)->block_size;
    config->level = self(cmp)->level;
    config->opt.lzo.algorithm = SQFS_LZO1X_999;
}

// The options block (squashfs-tools' struct lzo_comp_opts: algorithm, level, both 32-bit
// little-endian) in an uncompressed metadata block right after the super block.
int write_options(sqfs_compressor_t* cmp, sqfs_file_t* file) {
    if (self(cmp)->level == kDefaultLevel) {
        return 0;
    }
    unsigned char block[2 + 8] = {};
    block[0] = 8;
    block[1] = 0x80;  // 8 bytes, stored uncompressed
    const sqfs_u32 values[2] = {SQFS_LZO1X_999, self(cmp)->level};
    for (int i = 0; i < 2; ++i) {
        for (int b = 0; b < 4; ++b) {
            block[2 + 4 * i + b] = static_cast<unsigned char>(values[i] >> (8 * b));
        }
    }
    const int rc = file->write_at(file, sizeof(sqfs_super_t), block, sizeof block);
    return rc != 0 ? rc : static_cast<int>(sizeof block);
}

int read_options(sqfs_compressor_t*, sqfs_file_t*) {
    return SQFS_ERROR_UNSUPPORTED;  // sifkit only writes LZO images
}

sqfs_s32 do_block(sqfs_compressor_t* cmp, const sqfs_u8* in, sqfs_u32 size, sqfs_u8* out,
                  sqfs_u32 outsize) {
    LzoCompressor* c = self(cmp);
    lzo_uint written = outsize;
    if (c->uncompress) {
        if (lzo1x_decompress_safe(in, size, out, &written, nullptr) != LZO_E_OK) {
            return SQFS_ERROR_COMPRESSOR;
        }
        return static_cast<sqfs_s32>(written);
    }
    if (c->scratch.size() < size + size / 16 + 64 + 3) {
        return SQFS_ERROR_OVERFLOW;
    }
    written = c->scratch.size();
    if (lzo1x_999_compress_level(in, size, c->scratch.data(), &written, c->work.data(), nullptr, 0,
                                 nullptr, static_cast<int>(c->level)) != LZO_E_OK) {
        return SQFS_ERROR_COMPRESSOR;
    }
    if (written >= size || written > outsize) {
        return 0;  // not smaller: libsquashfs stores the block uncompressed
    }
    std::memcpy(out, c->scratch.data(), written);
    return static_cast<sqfs_s32>(written);
}

LzoCompressor* make(sqfs_u32 block_size, sqfs_u32 level, bool uncompress) {
    static std::once_flag once;
    static bool initialised = false;
    std::call_once(once, [] { initialised = lzo_init() == LZO_E_OK; });
    if (!initialised) {
        return nullptr;
    }
    std::unique_ptr<LzoCompressor> c(new (std::nothrow) LzoCompressor{});
    if (!c) {
        return nullptr;
    }
    try {
        c->block_size = block_size;
        c->level = level;
        c->uncompress = uncompress;
        if (!uncompress) {
            c->work.resize(LZO1X_999_MEM_COMPRESS);
            // Worst-case LZO expansion of a block (lzo's documentation: n + n/16 + 64 + 3).
            c->scratch.resize(block_size + block_size / 16 + 64 + 3);
        }
    } catch (const std::bad_alloc&) {
        return nullptr;
    }
    c->base.base.destroy = &destroy;
    c->base.base.copy = &copy;
    c->base.get_configuration = &get_configuration;
    c->base.write_options = &write_options;
    c->base.read_options = &read_options;
    c->base.do_block = &do_block;
    return c.release();  // from here on owned through base.destroy
}

}  // namespace

squashfs::SqfsPtr<sqfs_compressor_t> create_lzo_compressor(const sqfs_compressor_config_t& config) {
    if (config.id != SQFS_COMP_LZO || config.opt.lzo.algorithm != SQFS_LZO1X_999) {
        return nullptr;
    }
    const bool uncompress = (config.flags & SQFS_COMP_FLAG_UNCOMPRESS) != 0;
    const sqfs_u32 level = config.level == 0 ? kDefaultLevel : config.level;
    LzoCompressor* c = make(config.block_size, level, uncompress);
    return squashfs::SqfsPtr<sqfs_compressor_t>(c == nullptr ? nullptr : &c->base);
}

}  // namespace sifkit::oci2sif
