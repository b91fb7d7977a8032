// Online revocation checks (OCSP, RFC 6960) of a verified chain, as the reference's
// --ocsp-verify does them: every certificate but the self-signed root is asked about at the
// first responder of its Authority Information Access, and anything short of a verified "good"
// answer refuses the chain.
#pragma once

#include <string>

#include "openssl_handles.hpp"
#include "sifkit/sign/certificate.hpp"

namespace sifkit::sign::detail {

struct OcspOutcome {
    CertificateStatus status = CertificateStatus::trusted;
    std::string reason;  // empty when every certificate is good
};

// `chain` is X509_verify_cert's chain (leaf first); `store` holds the roots that responses must
// chain to (a responder is the issuer itself or a delegate with the OCSP-signing usage).
OcspOutcome check_ocsp(STACK_OF(X509) * chain, X509_STORE* store, int timeout_seconds);

}  // namespace sifkit::sign::detail
