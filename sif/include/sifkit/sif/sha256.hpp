// Streaming SHA-256 in the OCI digest form ("sha256:<hex>"). OCI.Blob and OCI.RootIndex objects
// are addressed by it (their descriptors carry it), so it lives with the format; the converter
// and the image reader both check and compute blob digests with it.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX

namespace sifkit::sif {

class Sha256 {
  public:
    Sha256();

    void update(std::span<const std::byte> data);
    void update(std::string_view text);
    // "sha256:" + 64 lower-case hex digits. The hasher cannot be used afterwards.
    std::string finish();

  private:
    // OpenSSL's EVP_MD_CTX, declared without its headers so that includers need none.
    struct ContextFree {
        void operator()(evp_md_ctx_st* context) const noexcept;
    };
    std::unique_ptr<evp_md_ctx_st, ContextFree> context_;
};

std::string sha256_digest(std::string_view data);

// True for "sha256:" followed by exactly 64 lower-case hex digits, the only algorithm sifkit
// accepts for blob addresses (other algorithms are refused as unsupported).
bool is_sha256_digest(std::string_view digest) noexcept;

// The 64 hex digits of a sha256 digest (the blob's file name in an OCI layout or a cache); an
// internal Error for anything is_sha256_digest refuses (callers check digests when they read
// them).
std::string sha256_hex(std::string_view digest);

}  // namespace sifkit::sif
