#include "sifkit/sign/cosign.hpp"

#include <nlohmann/json.hpp>

#include "sifkit/sif/base64.hpp"
#include "sifkit/sif/error.hpp"

namespace sifkit::sign {
namespace {

constexpr std::string_view kImageSignatureType = "cosign container image signature";

// The digest the payload names, or why it names none (cosign's own check: the critical
// section's type and image, whatever "optional" holds).
std::string payload_digest(const std::string& payload, std::string& problem) {
    const auto json = nlohmann::json::parse(payload, nullptr, false);
    if (!json.is_object() || !json.contains("critical") || !json["critical"].is_object()) {
        problem = "the signed payload is not a simple-signing document";
        return {};
    }
    const auto& critical = json["critical"];
    if (critical.value("type", std::string()) != kImageSignatureType) {
        problem = "the signed payload is not a cosign container image signature";
        return {};
    }
    const auto image = critical.find("image");
    if (image == critical.end() || !image->is_object() ||
        !image->contains("docker-manifest-digest") ||
        !(*image)["docker-manifest-digest"].is_string()) {
        problem = "the signed payload names no image digest";
        return {};
    }
    return (*image)["docker-manifest-digest"].get<std::string>();
}

}  // namespace

CosignVerdict verify_cosign(std::string_view digest, const std::vector<CosignSignature>& signatures,
                            const std::vector<const PublicKey*>& keys) {
    CosignVerdict verdict;
    if (signatures.empty()) {
        verdict.reason = "no cosign signature for " + std::string(digest);
        return verdict;
    }
    verdict.outcome = CosignVerdict::Outcome::untrusted;
    verdict.reason =
        std::to_string(signatures.size()) + " cosign signature(s), none by a trusted key";
    for (const CosignSignature& signature : signatures) {
        const auto raw = sif::base64_decode(signature.signature);
        if (!raw) {
            continue;  // not a signature we can read: it cannot count for anyone
        }
        for (const PublicKey* key : keys) {
            if (!key->verify(signature.payload, *raw)) {
                continue;
            }
            // A valid signature by a trusted key: the payload decides.
            std::string problem;
            const std::string named = payload_digest(signature.payload, problem);
            if (problem.empty() && named != digest) {
                problem = "the signature is for " + named + ", not " + std::string(digest);
            }
            if (!problem.empty()) {
                verdict.outcome = CosignVerdict::Outcome::invalid;
                verdict.reason = key->origin() + ": " + problem;
                continue;  // another signature may still be right
            }
            verdict.outcome = CosignVerdict::Outcome::verified;
            verdict.reason.clear();
            verdict.key = key->keyid();
            verdict.payload = signature.payload;
            verdict.signature = signature.signature;
            return verdict;
        }
    }
    return verdict;
}

CosignSignature sign_cosign(std::string_view digest, const PrivateKey& key,
                            std::string_view docker_reference, std::string_view creator,
                            std::int64_t timestamp) {
    // nlohmann::json sorts keys, which is the order Go gives these structs and maps.
    const nlohmann::json payload{{"critical",
                                  {{"identity", {{"docker-reference", docker_reference}}},
                                   {"image", {{"docker-manifest-digest", digest}}},
                                   {"type", kImageSignatureType}}},
                                 {"optional", {{"creator", creator}, {"timestamp", timestamp}}}};
    CosignSignature out;
    out.payload = payload.dump();
    out.signature = sif::base64_encode(key.sign(out.payload));
    return out;
}

}  // namespace sifkit::sign
