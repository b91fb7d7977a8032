#include "deflate_compressor.hpp"

#include <libdeflate.h>
#include <sqfs/error.h>

#include <new>

namespace sifkit::oci2sif {
namespace {

// Layout-compatible with sqfs_compressor_t: libsquashfs only sees `base`.
struct DeflateCompressor {
    sqfs_compressor_t base;
    sqfs_compressor_t* zlib;  // libsquashfs's own, for options and configuration
    libdeflate_compressor* deflate;
    int level;
};

DeflateCompressor* self(const sqfs_compressor_t* cmp) {
    return reinterpret_cast<DeflateCompressor*>(const_cast<sqfs_compressor_t*>(cmp));
}

void destroy(sqfs_object_t* object) {
    auto* c = reinterpret_cast<DeflateCompressor*>(object);
    libdeflate_free_compressor(c->deflate);
    sqfs_destroy(c->zlib);
    delete c;
}

DeflateCompressor* make(sqfs_compressor_t* zlib, int level);

sqfs_object_t* copy(const sqfs_object_t* object) {
    const auto* c = reinterpret_cast<const DeflateCompressor*>(object);
    auto* zlib = static_cast<sqfs_compressor_t*>(sqfs_copy(c->zlib));
    if (zlib == nullptr) {
        return nullptr;
    }
    DeflateCompressor* twin = make(zlib, c->level);
    return twin == nullptr ? nullptr : &twin->base.base;
}

void get_configuration(const sqfs_compressor_t* cmp, sqfs_compressor_config_t* config) {
    self(cmp)->zlib->get_configuration(self(cmp)->zlib, config);
}

int write_options(sqfs_compressor_t* cmp, sqfs_file_t* file) {
    return self(cmp)->zlib->write_options(self(cmp)->zlib, file);
}

int read_options(sqfs_compressor_t* cmp, sqfs_file_t* file) {
    return self(cmp)->zlib->read_options(self(cmp)->zlib, file);
}

sqfs_s32 do_block(sqfs_compressor_t* cmp, const sqfs_u8* in, sqfs_u32 size, sqfs_u8* out,
                  sqfs_u32 outsize) {
    const std::size_t written =
        libdeflate_zlib_compress(self(cmp)->deflate, in, size, out, outsize);
    // 0 tells libsquashfs to store the block uncompressed, as it does when zlib cannot shrink it.
    if (written == 0 || written >= size) {
        return 0;
    }
    return static_cast<sqfs_s32>(written);
}

DeflateCompressor* make(sqfs_compressor_t* zlib, int level) {
    auto* c = new (std::nothrow) DeflateCompressor{};
    if (c == nullptr) {
        sqfs_destroy(zlib);
        return nullptr;
    }
    c->zlib = zlib;
    c->level = level;
    c->deflate = libdeflate_alloc_compressor(level);
    if (c->deflate == nullptr) {
        sqfs_destroy(zlib);
        delete c;
        return nullptr;
    }
    c->base.base.destroy = &destroy;
    c->base.base.copy = &copy;
    c->base.get_configuration = &get_configuration;
    c->base.write_options = &write_options;
    c->base.read_options = &read_options;
    c->base.do_block = &do_block;
    return c;
}

}  // namespace

sqfs_compressor_t* create_deflate_compressor(const sqfs_compressor_config_t& config) {
    if (config.id != SQFS_COMP_GZIP || (config.flags & SQFS_COMP_FLAG_GZIP_ALL) != 0 ||
        (config.flags & SQFS_COMP_FLAG_UNCOMPRESS) != 0 ||
        config.opt.gzip.window_size != SQFS_GZIP_DEFAULT_WINDOW) {
        return nullptr;
    }
    sqfs_compressor_t* zlib = nullptr;
    if (sqfs_compressor_create(&config, &zlib) != 0) {
        return nullptr;
    }
    DeflateCompressor* c = make(zlib, static_cast<int>(config.level));
    return c == nullptr ? nullptr : &c->base;
}

}  // namespace sifkit::oci2sif
