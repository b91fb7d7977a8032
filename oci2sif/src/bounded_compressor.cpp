#include "bounded_compressor.hpp"

#include <new>

namespace sifkit::oci2sif {
namespace {

struct Bounded {
    sqfs_compressor_t base;
    sqfs_compressor_t* inner;
};

Bounded* self(const sqfs_compressor_t* cmp) {
    return reinterpret_cast<Bounded*>(const_cast<sqfs_compressor_t*>(cmp));
}

void destroy(sqfs_object_t* object) {
    auto* b = reinterpret_cast<Bounded*>(object);
    sqfs_destroy(b->inner);
    delete b;
}

sqfs_object_t* copy(const sqfs_object_t* object) {
    const auto* b = reinterpret_cast<const Bounded*>(object);
    auto* inner = static_cast<sqfs_compressor_t*>(sqfs_copy(b->inner));
    if (inner == nullptr) {
        return nullptr;
    }
    sqfs_compressor_t* twin = bound_compressor(inner);
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
    const sqfs_s32 written = self(cmp)->inner->do_block(self(cmp)->inner, in, size, out, outsize);
    if (written > 0 && static_cast<sqfs_u32>(written) >= size) {
        return 0;  // store the block uncompressed
    }
    return written;
}

}  // namespace

sqfs_compressor_t* bound_compressor(sqfs_compressor_t* inner) {
    auto* b = new (std::nothrow) Bounded{};
    if (b == nullptr) {
        sqfs_destroy(inner);
        return nullptr;
    }
    b->inner = inner;
    b->base.base.destroy = &destroy;
    b->base.base.copy = &copy;
    b->base.get_configuration = &get_configuration;
    b->base.write_options = &write_options;
    b->base.read_options = &read_options;
    b->base.do_block = &do_block;
    return &b->base;
}

}  // namespace sifkit::oci2sif
