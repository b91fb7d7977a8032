// Streaming SHA-256 for OCI content digests ("sha256:<hex>"). OCI blobs are addressed by the
// SHA-256 of their bytes; the converter checks every blob and every uncompressed layer against
// the digests its manifest and config record, and registry clients check what they download.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace sifkit::oci2sif {

class Sha256 {
  public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    void update(std::span<const std::byte> data);
    void update(std::string_view text);
    // "sha256:" + 64 lower-case hex digits. The hasher cannot be used afterwards.
    std::string finish();

  private:
    void* context_;  // EVP_MD_CTX
};

std::string sha256_digest(std::string_view data);

// True for "sha256:" followed by exactly 64 lower-case hex digits, the only algorithm sifkit
// accepts for blob addresses (other algorithms are refused as unsupported).
bool is_sha256_digest(std::string_view digest) noexcept;

}  // namespace sifkit::oci2sif
