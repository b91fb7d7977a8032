#include "wrapped_compressor.hpp"

#include <new>

namespace sifkit::oci2sif {
namespace {

// Layout-compatible with sqfs_compressor_t: libsquashfs only sees `base`.
struct Wrapped {
    sqfs_compressor_t base;
    sqfs_compressor_t* inner;
    std::unique_ptr<BlockCodec> codec;
};

Wrapped* self(const sqfs_compressor_t* cmp) {
    return reinterpret_cast<Wrapped*>(const_cast<sqfs_compressor_t*>(cmp));
}

void destroy(sqfs_object_t* object) {
    auto* w = reinterpret_cast<Wrapped*>(object);
    sqfs_destroy(w->inner);
    delete w;
}

sqfs_object_t* copy(const sqfs_object_t* object) {
    const auto* w = reinterpret_cast<const Wrapped*>(object);
    auto* inner = static_cast<sqfs_compressor_t*>(sqfs_copy(w->inner));
    if (inner == nullptr) {
        return nullptr;
    }
    std::unique_ptr<BlockCodec> codec = w->codec->clone();
    if (!codec) {
        sqfs_destroy(inner);
        return nullptr;
    }
    sqfs_compressor_t* twin = wrap_compressor(inner, std::move(codec));
    return twin == nullptr ? nullptr : &twin->base;
}

void get_configuration(const sqfs_compressor_t* cmp, sqfs_compressor_config_t* config) {
    self(cmp)->inner->get_configuration(self(cmp)->inner, config);
}

int write_options(sqfs_compressor_t* cmp, sqfs_file_t* file) {
    return self(cmp)->inner->write_options(self(cmp)->inner, file);
}

int read_options(sqfs_compressor_t* cmp, sqfs_file_t* file) {
    return self(cmp)->inner->read_options(self(cmp)->inner, file);
}

sqfs_s32 do_block(sqfs_compressor_t* cmp, const sqfs_u8* in, sqfs_u32 size, sqfs_u8* out,
                  sqfs_u32 outsize) {
    return self(cmp)->codec->compress(self(cmp)->inner, in, size, out, outsize);
}

class Bounded final : public BlockCodec {
  public:
    sqfs_s32 compress(sqfs_compressor_t* inner, const sqfs_u8* in, sqfs_u32 size, sqfs_u8* out,
                      sqfs_u32 outsize) override {
        const sqfs_s32 written = inner->do_block(inner, in, size, out, outsize);
        return written > 0 && static_cast<sqfs_u32>(written) >= size ? 0 : written;
    }
    std::unique_ptr<BlockCodec> clone() const override { return std::make_unique<Bounded>(); }
};

}  // namespace

sqfs_compressor_t* wrap_compressor(sqfs_compressor_t* inner, std::unique_ptr<BlockCodec> codec) {
    auto* w = new (std::nothrow) Wrapped{};
    if (w == nullptr) {
        sqfs_destroy(inner);
        return nullptr;
    }
    w->inner = inner;
    w->codec = std::move(codec);
    w->base.base.destroy = &destroy;
    w->base.base.copy = &copy;
    w->base.get_configuration = &get_configuration;
    w->base.write_options = &write_options;
    w->base.read_options = &read_options;
    w->base.do_block = &do_block;
    return &w->base;
}

std::unique_ptr<BlockCodec> bounded_codec() {
    return std::make_unique<Bounded>();
}

}  // namespace sifkit::oci2sif
