#include "deflate_compressor.hpp"

#include <libdeflate.h>

#include "wrapped_compressor.hpp"

namespace sifkit::oci2sif {
namespace {

class DeflateCodec final : public BlockCodec {
  public:
    explicit DeflateCodec(int level)
        : level_(level), compressor_(libdeflate_alloc_compressor(level)) {}
    ~DeflateCodec() override { libdeflate_free_compressor(compressor_); }
    DeflateCodec(const DeflateCodec&) = delete;
    DeflateCodec& operator=(const DeflateCodec&) = delete;

    bool usable() const noexcept { return compressor_ != nullptr; }

    sqfs_s32 compress(sqfs_compressor_t*, const sqfs_u8* in, sqfs_u32 size, sqfs_u8* out,
                      sqfs_u32 outsize) override {
        const std::size_t written = libdeflate_zlib_compress(compressor_, in, size, out, outsize);
        // 0 tells libsquashfs to store the block uncompressed, as it does when zlib cannot
        // shrink it.
        return written == 0 || written >= size ? 0 : static_cast<sqfs_s32>(written);
    }

    std::unique_ptr<BlockCodec> clone() const override {
        auto twin = std::make_unique<DeflateCodec>(level_);
        return twin->usable() ? std::move(twin) : nullptr;
    }

  private:
    int level_;
    libdeflate_compressor* compressor_;
};

}  // namespace

squashfs::SqfsPtr<sqfs_compressor_t> create_deflate_compressor(
    const sqfs_compressor_config_t& config) {
    if (config.id != SQFS_COMP_GZIP || (config.flags & SQFS_COMP_FLAG_GZIP_ALL) != 0 ||
        (config.flags & SQFS_COMP_FLAG_UNCOMPRESS) != 0 ||
        config.opt.gzip.window_size != SQFS_GZIP_DEFAULT_WINDOW) {
        return nullptr;
    }
    auto codec = std::make_unique<DeflateCodec>(static_cast<int>(config.level));
    if (!codec->usable()) {
        return nullptr;
    }
    sqfs_compressor_t* zlib = nullptr;
    if (sqfs_compressor_create(&config, &zlib) != 0) {
        return nullptr;
    }
    return wrap_compressor(squashfs::SqfsPtr<sqfs_compressor_t>(zlib), std::move(codec));
}

}  // namespace sifkit::oci2sif
