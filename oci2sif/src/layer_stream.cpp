#include "layer_stream.hpp"

#include "sifkit/sif/error.hpp"

namespace sifkit::oci2sif {

LayerStream::LayerStream(std::unique_ptr<sif::ByteSource> blob, LayerExpectations expected)
    : blob_(std::move(blob)), expected_(std::move(expected)), compressed_(*blob_) {
    // Peek at the magic bytes; the decompressor gets them back as its first input.
    std::vector<std::byte> head(512);
    std::size_t got = 0;
    while (got < 4) {
        const std::size_t n = compressed_.read(std::span(head).subspan(got));
        if (n == 0) {
            break;
        }
        got += n;
    }
    head.resize(got);
    compression_ = detect_compression(head);
    const LayerCompression declared = declared_compression(expected_.media_type);
    if (declared != LayerCompression::none && declared != compression_) {
        throw Error(ErrorKind::invalid_input,
                    "media type " + expected_.media_type + " declares " +
                        std::string(name_of(declared)) + " but the data is " +
                        std::string(name_of(compression_)),
                    blob_->name());
    }
    decompressor_ = make_decompressor(compression_, compressed_, std::move(head));
    uncompressed_ = std::make_unique<HashingSource>(*decompressor_);
}

std::size_t LayerStream::read(std::span<std::byte> data) {
    return uncompressed_->read(data);
}

void LayerStream::verify() {
    drain(*uncompressed_);
    // Compressed data after the end of the compressed stream was refused by the decompressor;
    // for plain tars everything passed through already. Read what may remain of the blob so
    // that its digest covers every byte.
    drain(compressed_);
    const std::string& name = blob_->name();
    if (expected_.size && compressed_.count() != *expected_.size) {
        throw Error(ErrorKind::invalid_input,
                    "blob is " + std::to_string(compressed_.count()) +
                        " bytes, the manifest says " + std::to_string(*expected_.size),
                    name);
    }
    const std::string blob_digest = compressed_.finish();
    if (expected_.digest && blob_digest != *expected_.digest) {
        throw Error(ErrorKind::invalid_input,
                    "digest mismatch: content is " + blob_digest + ", the manifest says " +
                        *expected_.digest,
                    name);
    }
    const std::string diff_id = uncompressed_->finish();
    if (expected_.diff_id && diff_id != *expected_.diff_id) {
        throw Error(ErrorKind::invalid_input,
                    "uncompressed content is " + diff_id + ", the config's diff_id says " +
                        *expected_.diff_id,
                    name);
    }
}

}  // namespace sifkit::oci2sif
