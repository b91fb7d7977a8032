// The deleters of the owning pointers public headers declare (sifkit/sign/openssl_ptr.hpp).
#include "sifkit/sign/openssl_ptr.hpp"

#include <openssl/evp.h>

namespace sifkit::sign::detail {

void EvpPkeyFree::operator()(EVP_PKEY* key) const noexcept {
    EVP_PKEY_free(key);
}

void EvpMdCtxFree::operator()(EVP_MD_CTX* context) const noexcept {
    EVP_MD_CTX_free(context);
}

}  // namespace sifkit::sign::detail
