// Reading PEM certificates and CRLs from files, for the X.509 trust checks.
#pragma once

#include <filesystem>
#include <string>

#include "openssl_handles.hpp"
#include "sifkit/sign/keys.hpp"

namespace sifkit::sign::detail {

// Every certificate of a PEM file, in order. Throws an invalid_input Error naming the file when
// it holds none or a block is not a certificate (io when it cannot be read).
X509StackPtr load_certificates(const std::filesystem::path& path);
// The first certificate of a PEM file (a leaf file may carry its chain after it).
X509Ptr load_certificate(const std::filesystem::path& path);
// Adds every CRL of a PEM file to `store`; throws like load_certificates.
void add_crls(X509_STORE* store, const std::filesystem::path& path);

// The certificate's subject on one line (RFC 2253).
std::string subject_of(const X509* certificate);
// The certificate's public key as a sifkit key (the DSSE verifier and key IDs).
PublicKey public_key_of(X509* certificate, const std::string& origin);

}  // namespace sifkit::sign::detail
