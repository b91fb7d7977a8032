// sign --cosign / verify --cosign of OCI-SIF images: the glue between the OCI-SIF layout
// (rootfs/ reads the signature manifests, oci2sif/ writes them) and cosign's signatures
// (sign/ makes and judges them), which must not know of each other.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sifkit/sign/keys.hpp"

namespace sifkit::cli {

// Signs the image manifest of the OCI-SIF at `path` with the key `load_key` gives (called once
// the image is known to be an OCI-SIF, so that no passphrase is asked for nothing) and stores
// the signature as SingularityCE 4.3 does; prints one line naming the signed digest and the
// signature manifest.
void cosign_sign_oci_sif(const std::string& path, const std::function<sign::PrivateKey()>& load_key,
                         std::optional<std::int64_t> time);

// Checks the OCI-SIF at `path`: every OCI blob's bytes against its digest, then its cosign
// signatures against `key_paths` (PEM public keys, e.g. cosign.pub). Prints the verified digest
// and key; otherwise one line on standard error and throws VerifyFailed (10 no signature, 11
// a blob that does not match its digest or a trusted key's signature for another digest, 12
// no signature by a trusted key).
void cosign_verify_oci_sif(const std::string& path, const std::vector<std::string>& key_paths,
                           bool json);

}  // namespace sifkit::cli
