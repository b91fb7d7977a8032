// Checking sigstore cosign signatures of a registry image (the "simple signing" format cosign
// writes under the tag sha256-<HEX>.sig): each signature is a JSON payload naming the image
// manifest digest, signed by the publisher's key (cosign's ECDSA P-256 over SHA-256, ASN.1 DER,
// or any key PublicKey verifies). The registry module fetches them; this only judges them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sifkit/sign/keys.hpp"

namespace sifkit::sign {

struct CosignSignature {
    std::string payload;    // the layer blob: the simple-signing JSON, as signed
    std::string signature;  // base64, from the layer's dev.cosignproject.cosign/signature
};

struct CosignVerdict {
    enum class Outcome {
        verified,    // a signature by a trusted key names exactly the digest
        not_signed,  // no signature at all
        untrusted,   // signatures, but none verifies with a trusted key
        invalid,     // a trusted key's signature verifies, but its payload names another
                     // image or is not a cosign image signature
    };
    Outcome outcome = Outcome::not_signed;
    std::string reason;     // one line: why not verified
    std::string key;        // the trusted key that verified (its key ID)
    std::string payload;    // the verified payload
    std::string signature;  // the verified signature (base64)
};

// Judges the signatures of the image whose manifest digest is `digest` ("sha256:<hex>").
CosignVerdict verify_cosign(std::string_view digest, const std::vector<CosignSignature>& signatures,
                            const std::vector<const PublicKey*>& keys);

// Signs the image manifest `digest` ("sha256:<hex>") as cosign and SingularityCE 4.3's
// `sign --cosign` do: the simple-signing payload {"critical":{"identity":{"docker-reference":
// REF},"image":{"docker-manifest-digest":DIGEST},"type":"cosign container image signature"},
// "optional":{"creator":CREATOR,"timestamp":TIME}} (keys sorted, as Go marshals it), signed by
// `key` (ECDSA: ASN.1 DER over SHA-256, what `openssl dgst -sha256 -verify` checks).
// SingularityCE leaves the docker-reference empty for an OCI-SIF.
CosignSignature sign_cosign(std::string_view digest, const PrivateKey& key,
                            std::string_view docker_reference, std::string_view creator,
                            std::int64_t timestamp);

}  // namespace sifkit::sign
