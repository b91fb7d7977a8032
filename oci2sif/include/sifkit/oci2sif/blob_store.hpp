// Where the files of an image layout live: a directory (an OCI layout on disk), an uncompressed
// tar archive read in place (oci-archive, docker-archive), or anything a caller implements (a
// registry client's blob cache, for instance: see ConvertOptions::source, ServedLayout). Paths are
// relative
// ("index.json", "blobs/sha256/<hex>", "<id>/layer.tar") and never leave the store.
//
// Implementations may block in open() or in the returned source's read() until the bytes are
// available (a download in progress); the converter reads layers from the top down, one at a
// time, and checks every byte against its digest, so a store need not be trusted.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sifkit/sif/source.hpp"

namespace sifkit::oci2sif {

class BlobStore {
  public:
    virtual ~BlobStore() = default;

    // The directory or archive, for messages.
    virtual const std::string& name() const = 0;
    // Size of the file at `path`, nullopt when there is none.
    virtual std::optional<std::uint64_t> size_of(std::string_view path) const = 0;
    // Streams the file at `path`; a not_found Error when there is none.
    virtual std::unique_ptr<sif::ByteSource> open(std::string_view path) const = 0;

    bool contains(std::string_view path) const { return size_of(path).has_value(); }
    // The whole file, refused (invalid_input) when larger than `limit`: JSON documents are small,
    // and a hostile archive must not make sifkit allocate what it claims.
    std::string read_all(std::string_view path, std::uint64_t limit) const;
    // "ARCHIVE:member" / "DIR/path": how a file in the store is named in errors.
    virtual std::string describe(std::string_view path) const;
};

std::unique_ptr<BlobStore> open_directory_store(const std::filesystem::path& directory);
// Indexes the members of an uncompressed tar archive without extracting it.
std::unique_ptr<BlobStore> open_tar_store(const std::filesystem::path& archive);

// Lexically normalizes a relative path inside a store ("./a//b" -> "a/b"); nullopt for paths
// that are absolute, empty or climb out with "..".
std::optional<std::string> normalize_store_path(std::string_view path);

}  // namespace sifkit::oci2sif
