#include "wrapped_compressor.hpp"

#include <new>

namespace sifkit::oci2sif {
namespace {

// Layout-compatible with sqfs_compressor_t: libsquashfs only sees `base`.
struct Wrapped {
    sqfs_compressor_t base;
    squashfs::SqfsPtr<sqfs_compressor_t> inner;
    std::unique_ptr<BlockCodec> codec;
};

Wrapped* self(const sqfs_compressor_t* cmp) {
    return reinterpret_cast<Wrapped*>(const_cast<sqfs_compressor_t*>(cmp));
}

void destroy(sqfs_object_t* object) {
    delete reinterpret_cast<Wrapped*>(object);
}

sqfs_object_t* copy(const sqfs_object_t* object) {
    const auto* w = reinterpret_cast<const Wrapped*>(object);
    squashfs::SqfsPtr<sqfs_compressor_t> inner(
        static_cast<sqfs_compressor_t*>(sqfs_copy(w->inner.get())));
    std::unique_ptr<BlockCodec> codec = inner ? w->codec->clone() : nullptr;
    if (!codec) {
        return nullptr;
    }
    sqfs_compressor_t* twin = wrap_compressor(std::move(inner), std::move(codec)).release();
    return twin == nullptr ? nullptr : &twin->base;
}

void get_configuration(const sqfs_compressor_t* cmp, sqfs_compressor_config_t* config) {
    self(cmp)->inner->get_configuration(self(cmp)->inner.get(), config);
}

int write_options(sqfs_compressor_t* cmp, sqfs_file_t* file) {
    return self(cmp)->inner->write_options(self(cmp)->inner.get(), file);
}

int read_options(sqfs_compressor_t* cmp, sqfs_file_t* file) {
    return self(cmp)->inner->read_options(self(cmp)->inner.get(), file);
}

sqfs_s32 do_block(sqfs_compressor_t* cmp, const sqfs_u8* in, sqfs_u32 size, sqfs_u8* out,
                  sqfs_u32 outsize) {
    return self(cmp)->codec->compress(self(cmp)->inner.get(), in, size, out, outsize);
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

squashfs::SqfsPtr<sqfs_compressor_t> wrap_compressor(squashfs::SqfsPtr<sqfs_compressor_t> inner,
                                                     std::unique_ptr<BlockCodec> codec) {
    std::unique_ptr<Wrapped> w(new (std::nothrow) Wrapped{});
    if (!w) {
        return nullptr;  // `inner` is destroyed on the way out
    }
    w->inner = std::move(inner);
    w->codec = std::move(codec);
    w->base.base.destroy = &destroy;
    w->base.base.copy = &copy;
    w->base.get_configuration = &get_configuration;
    w->base.write_options = &write_options;
    w->base.read_options = &read_options;
    w->base.do_block = &do_block;
    return squashfs::SqfsPtr<sqfs_compressor_t>(&w.release()->base);  // freed by its destroy
}

std::unique_ptr<BlockCodec> bounded_codec() {
    return std::make_unique<Bounded>();
}

}  // namespace sifkit::oci2sif
