// Fetching the sigstore cosign signatures of a registry image, without judging them (that is
// the sign module's verify_cosign): cosign stores them as an OCI image manifest under the tag
// "sha256-<HEX>.sig" of the same repository, one layer per signature, each a simple-signing
// JSON payload with the signature in the layer's "dev.cosignproject.cosign/signature"
// annotation.
#pragma once

#include <string>
#include <vector>

#include "sifkit/registry/client.hpp"
#include "sifkit/registry/reference.hpp"

namespace sifkit::registry {

struct CosignLayer {
    std::string payload;    // the layer's bytes (digest-checked)
    std::string signature;  // base64, from the annotation
};

struct CosignLookup {
    std::string digest;  // what the reference resolves to now: the digest that must be signed
    std::string signature_tag;            // "sha256-<HEX>.sig"
    std::vector<CosignLayer> signatures;  // empty when there is no signature manifest
};

// Resolves `ref` to its manifest digest (a tag once; pull then pins that digest, so that the
// image converted is the one whose signatures were checked) and fetches its signatures.
// Payloads larger than 1 MiB are refused (a simple-signing document is a few hundred bytes).
CosignLookup fetch_cosign_signatures(const Reference& ref, const ClientOptions& options);

}  // namespace sifkit::registry
