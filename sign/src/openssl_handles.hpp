// Owning handles for OpenSSL objects: each frees its object with the matching *_free function,
// so that no early return or exception leaks one. No OpenSSL object is freed by hand in sign/.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <memory>

#include "sifkit/sign/openssl_ptr.hpp"  // EvpPkeyPtr, EvpMdCtxPtr: held by public classes

namespace sifkit::sign::detail {

// `Free` may return a value (ENGINE_free's int), which is dropped: a handle cannot report.
template <typename T, auto Free>
struct OpensslFree {
    void operator()(T* p) const noexcept { Free(p); }
};

template <typename T, auto Free>
using OpensslPtr = std::unique_ptr<T, OpensslFree<T, Free>>;

using BioPtr = OpensslPtr<BIO, BIO_free_all>;
using BignumPtr = OpensslPtr<BIGNUM, BN_free>;
using DecoderCtxPtr = OpensslPtr<OSSL_DECODER_CTX, OSSL_DECODER_CTX_free>;
using ParamPtr = OpensslPtr<OSSL_PARAM, OSSL_PARAM_free>;
using ParamBuildPtr = OpensslPtr<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>;
using EvpPkeyCtxPtr = OpensslPtr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using X509Ptr = OpensslPtr<X509, X509_free>;
using X509CrlPtr = OpensslPtr<X509_CRL, X509_CRL_free>;
using X509StorePtr = OpensslPtr<X509_STORE, X509_STORE_free>;
using X509StoreCtxPtr = OpensslPtr<X509_STORE_CTX, X509_STORE_CTX_free>;
using OcspRequestPtr = OpensslPtr<OCSP_REQUEST, OCSP_REQUEST_free>;
using OcspResponsePtr = OpensslPtr<OCSP_RESPONSE, OCSP_RESPONSE_free>;
using OcspBasicPtr = OpensslPtr<OCSP_BASICRESP, OCSP_BASICRESP_free>;

// Strings OpenSSL allocates (OSSL_HTTP_parse_url); OPENSSL_free is a macro, hence the function.
inline void free_openssl_string(char* text) {
    OPENSSL_free(text);
}
using OpensslStringPtr = OpensslPtr<char, free_openssl_string>;

// X509_get1_ocsp's list of URLs; X509_email_free is the documented way to free it.
using StringStackPtr = OpensslPtr<STACK_OF(OPENSSL_STRING), X509_email_free>;

// A stack of certificates owns them (X509_STORE_CTX_get1_chain, the PEM pools).
inline void free_x509_stack(STACK_OF(X509) * stack) {
    sk_X509_pop_free(stack, X509_free);
}
using X509StackPtr = OpensslPtr<STACK_OF(X509), free_x509_stack>;

}  // namespace sifkit::sign::detail
