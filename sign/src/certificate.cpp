// X.509 trust for DSSE signatures: the chain, its validity time and the CRLs are OpenSSL's
// X509_verify_cert; the code-signing usage is checked on the verified chain the way the
// reference (Go's crypto/x509 with KeyUsages: CodeSigning) checks it.
#include "sifkit/sign/certificate.hpp"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "openssl_handles.hpp"
#include "sifkit/sif/clock.hpp"
#include "sifkit/sif/error.hpp"
#include "x509_files.hpp"
#include "x509_ocsp.hpp"

namespace sifkit::sign {
namespace {

// Go's rule, which the reference inherits: a certificate without an extended key usage
// extension may be used for anything; one with the extension must list code signing or
// anyExtendedKeyUsage. It applies to every certificate of the chain, not only the leaf.
const X509* first_without_code_signing(STACK_OF(X509) * chain) {
    for (int i = 0; i < sk_X509_num(chain); ++i) {
        X509* certificate = sk_X509_value(chain, i);
        if ((X509_get_extension_flags(certificate) & EXFLAG_XKUSAGE) == 0) {
            continue;
        }
        if ((X509_get_extended_key_usage(certificate) & (XKU_CODE_SIGN | XKU_ANYEKU)) == 0) {
            return certificate;
        }
    }
    return nullptr;
}

detail::X509StorePtr new_store() {
    detail::X509StorePtr store(X509_STORE_new());
    if (!store) {
        throw Error(ErrorKind::internal, "cannot allocate an X509_STORE");
    }
    return store;
}

CertificateVerdict refuse(CertificateVerdict verdict, CertificateStatus status,
                          std::string reason) {
    verdict.status = status;
    verdict.reason = std::move(reason);
    verdict.key.reset();
    return verdict;
}

}  // namespace

CertificateVerdict check_certificate(const CertificateTrustOptions& options) {
    const std::string origin = options.certificate.string();
    // A leaf file that carries its chain after the leaf (a "full chain" file) lends those
    // certificates to the pool; they are never trusted by being there.
    const detail::X509StackPtr leaf_file = detail::load_certificates(options.certificate);
    detail::X509Ptr leaf(X509_dup(sk_X509_value(leaf_file.get(), 0)));
    const detail::X509StackPtr roots = detail::load_certificates(options.roots);
    const detail::X509StackPtr pool = options.intermediates.empty()
                                          ? detail::X509StackPtr(sk_X509_new_null())
                                          : detail::load_certificates(options.intermediates);
    for (int i = 1; i < sk_X509_num(leaf_file.get()); ++i) {
        sk_X509_push(pool.get(), X509_dup(sk_X509_value(leaf_file.get(), i)));
    }
    const detail::X509StorePtr store = new_store();
    for (int i = 0; i < sk_X509_num(roots.get()); ++i) {
        X509_STORE_add_cert(store.get(), sk_X509_value(roots.get(), i));
    }
    ERR_clear_error();  // a root listed twice is only a warning
    for (const auto& crl : options.crls) {
        detail::add_crls(store.get(), crl);
    }

    CertificateVerdict verdict;
    verdict.subject = detail::subject_of(leaf.get());
    verdict.key = detail::public_key_of(leaf.get(), origin);

    const detail::X509StoreCtxPtr context(X509_STORE_CTX_new());
    if (!context || X509_STORE_CTX_init(context.get(), store.get(), leaf.get(), pool.get()) != 1) {
        throw Error(ErrorKind::internal, "cannot set up an X.509 verification");
    }
    // Every certificate of ROOTS is a trust anchor, self-signed or not, as in Go's Roots pool.
    unsigned long flags = X509_V_FLAG_PARTIAL_CHAIN;
    if (!options.crls.empty()) {
        flags |= X509_V_FLAG_CRL_CHECK;  // the leaf must be covered by a current CRL of its issuer
    }
    X509_STORE_CTX_set_flags(context.get(), flags);
    // OpenSSL's own "now" is time(2), the coarse clock (see sif/clock.hpp).
    X509_STORE_CTX_set_time(context.get(), 0,
                            static_cast<time_t>(options.time.value_or(sif::unix_now())));
    if (X509_verify_cert(context.get()) != 1) {
        const int error = X509_STORE_CTX_get_error(context.get());
        const X509* at = X509_STORE_CTX_get_current_cert(context.get());
        ERR_clear_error();
        return refuse(std::move(verdict), CertificateStatus::untrusted,
                      std::string("certificate not trusted: ") +
                          X509_verify_cert_error_string(error) +
                          (at != nullptr ? " (" + detail::subject_of(at) + ")" : std::string()));
    }
    const detail::X509StackPtr chain(X509_STORE_CTX_get1_chain(context.get()));
    if (const X509* bad = first_without_code_signing(chain.get())) {
        return refuse(std::move(verdict), CertificateStatus::untrusted,
                      "certificate not trusted: its extended key usage does not include code "
                      "signing (" +
                          detail::subject_of(bad) + ")");
    }
    if (options.ocsp) {
        detail::OcspOutcome outcome =
            detail::check_ocsp(chain.get(), store.get(), options.ocsp_timeout_seconds);
        if (outcome.status != CertificateStatus::trusted) {
            return refuse(std::move(verdict), outcome.status, std::move(outcome.reason));
        }
    }
    verdict.status = CertificateStatus::trusted;
    return verdict;
}

void check_signing_certificate(const std::filesystem::path& certificate, const PrivateKey& key,
                               const std::filesystem::path& intermediates) {
    const std::string origin = certificate.string();
    detail::X509Ptr leaf = detail::load_certificate(certificate);
    const std::string certified = detail::public_key_of(leaf.get(), origin).keyid();
    const std::string signing = key.public_key().keyid();
    if (certified != signing) {
        throw Error(ErrorKind::invalid_input,
                    "the key (" + signing + ") is not the certificate's key (" + certified + ")",
                    origin);
    }
    time_t now = static_cast<time_t>(sif::unix_now());
    if (X509_cmp_time(X509_get0_notBefore(leaf.get()), &now) > 0) {
        throw Error(ErrorKind::invalid_input, "the certificate is not valid yet", origin);
    }
    if (X509_cmp_time(X509_get0_notAfter(leaf.get()), &now) < 0) {
        throw Error(ErrorKind::invalid_input, "the certificate has expired", origin);
    }
    const detail::X509StackPtr alone(sk_X509_new_null());
    sk_X509_push(alone.get(), X509_dup(leaf.get()));
    if (first_without_code_signing(alone.get()) != nullptr) {
        throw Error(ErrorKind::invalid_input,
                    "the certificate's extended key usage does not include code signing", origin);
    }
    if (intermediates.empty()) {
        return;
    }
    // Only the issuer's signature can be checked without the roots: the pool's certificates
    // serve as anchors of a partial chain.
    const detail::X509StackPtr pool = detail::load_certificates(intermediates);
    const detail::X509StorePtr store = new_store();
    for (int i = 0; i < sk_X509_num(pool.get()); ++i) {
        X509_STORE_add_cert(store.get(), sk_X509_value(pool.get(), i));
    }
    ERR_clear_error();
    const detail::X509StoreCtxPtr context(X509_STORE_CTX_new());
    if (!context || X509_STORE_CTX_init(context.get(), store.get(), leaf.get(), nullptr) != 1) {
        throw Error(ErrorKind::internal, "cannot set up an X.509 verification");
    }
    X509_STORE_CTX_set_flags(context.get(), X509_V_FLAG_PARTIAL_CHAIN);
    if (X509_verify_cert(context.get()) != 1) {
        const int error = X509_STORE_CTX_get_error(context.get());
        ERR_clear_error();
        throw Error(ErrorKind::invalid_input,
                    std::string("not issued by a certificate of ") + intermediates.string() + " (" +
                        X509_verify_cert_error_string(error) + ")",
                    origin);
    }
}

}  // namespace sifkit::sign
