// Owning pointers to the OpenSSL objects that public classes hold (PublicKey and PrivateKey an
// EVP_PKEY, Hasher an EVP_MD_CTX). They are declared here without OpenSSL's headers, so that
// users of sifkit/sign need none; their deleters are defined in openssl_ptr.cpp. The code that
// calls OpenSSL uses these same types through src/openssl_handles.hpp, beside the handles for
// every other OpenSSL object.
#pragma once

#include <memory>

struct evp_pkey_st;    // OpenSSL's EVP_PKEY
struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX

namespace sifkit::sign::detail {

struct EvpPkeyFree {
    void operator()(evp_pkey_st* key) const noexcept;
};
struct EvpMdCtxFree {
    void operator()(evp_md_ctx_st* context) const noexcept;
};

using EvpPkeyPtr = std::unique_ptr<evp_pkey_st, EvpPkeyFree>;
using EvpMdCtxPtr = std::unique_ptr<evp_md_ctx_st, EvpMdCtxFree>;

}  // namespace sifkit::sign::detail
