// X.509 certificates as Apptainer and SingularityCE use them for DSSE signatures: the image holds
// only the DSSE envelope (signed with the certificate's key, exactly as with a bare key); the
// verifier is given the leaf certificate, roots and intermediates, and trusts the leaf's key only
// when the leaf chains to a root, may sign code and is valid now (then, optionally, not revoked
// by a CRL or OCSP). Chains are built and checked by OpenSSL's X509_verify_cert.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sifkit/sign/keys.hpp"

namespace sifkit::sign {

struct CertificateTrustOptions {
    // The leaf (PEM): the first certificate of the file; any after it join the intermediates.
    std::filesystem::path certificate;
    std::filesystem::path roots;              // trust anchors (PEM, one or more certificates)
    std::filesystem::path intermediates;      // optional pool (PEM); empty = none
    std::vector<std::filesystem::path> crls;  // PEM CRLs; with any, the leaf must be covered
    // Ask the OCSP responder named in each non-root certificate's AIA (the reference's
    // --ocsp-verify); fail closed when it cannot be asked.
    bool ocsp = false;
    int ocsp_timeout_seconds = 10;
    std::optional<std::int64_t> time;  // when the chain must be valid (unix seconds); nullopt = now
};

enum class CertificateStatus {
    trusted,
    untrusted,           // no chain to a root, wrong usage, outside its validity, revoked
    revocation_unknown,  // OCSP was asked for but no responder gave an answer
};

struct CertificateVerdict {
    CertificateStatus status = CertificateStatus::untrusted;
    std::string reason;            // one line, empty when trusted
    std::string subject;           // the leaf's subject (RFC 2253)
    std::optional<PublicKey> key;  // the leaf's public key, set when trusted
};

// Throws an invalid_input Error naming the file when a file is not PEM certificates or CRLs
// (io when it cannot be read); everything about trust is in the verdict.
CertificateVerdict check_certificate(const CertificateTrustOptions& options);

// What signing with a certificate checks before it signs, so that a signer learns at once what a
// verifier would refuse: `key` is the certificate's key, the certificate is valid now and may
// sign code, and, with a pool of intermediates, its issuer's signature on it verifies with one of
// them. Throws an invalid_input Error naming the certificate otherwise.
void check_signing_certificate(const std::filesystem::path& certificate, const PrivateKey& key,
                               const std::filesystem::path& intermediates = {});

}  // namespace sifkit::sign
