// Fetching the sigstore cosign signatures of a registry image, without judging them (that is
// the sign module's verify_cosign): cosign stores them as OCI image manifests whose layers are
// signatures, each a simple-signing JSON payload with the signature in the layer's
// "dev.cosignproject.cosign/signature" annotation — listed by the OCI 1.1 referrers API
// (artifactType application/vnd.dev.cosign.artifact.sig.v1+json, the image as subject) and/or
// under the tag "sha256-<HEX>.sig" of the same repository. Both places are read.
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
    std::vector<CosignLayer> signatures;  // referrers' first; empty when there is none
};

// Resolves `ref` to its manifest digest (a tag once; pull then pins that digest, so that the
// image converted is the one whose signatures were checked) and fetches its signatures.
// Payloads larger than 1 MiB and more than 64 signature manifests among the referrers are
// refused (a simple-signing document is a few hundred bytes, a signer needs one manifest).
CosignLookup fetch_cosign_signatures(const Reference& ref, const ClientOptions& options);

}  // namespace sifkit::registry
