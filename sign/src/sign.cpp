// Signing: metadata → DSSE envelope → Signature object linked to the group.
#include "sifkit/sign/sign.hpp"

#include "select.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sign/dsse.hpp"
#include "sifkit/sign/metadata.hpp"

namespace sifkit::sign {

std::vector<std::uint32_t> sign_image(sif::Image& image, const SignOptions& options) {
    if (options.keys.empty()) {
        throw Error(ErrorKind::usage, "signing needs at least one key");
    }
    // What to sign, in the reference's order: whole groups, then the objects split by group.
    std::vector<std::pair<std::uint32_t, std::vector<std::uint32_t>>> selections;
    if (!options.groups.empty() || options.objects.empty()) {
        for (const std::uint32_t group : detail::select_groups(image, options.groups)) {
            selections.emplace_back(group, detail::group_ids(image, group));
        }
    }
    for (auto& selection : detail::split_by_group(image, options.objects)) {
        selections.push_back(std::move(selection));
    }
    if (selections.empty()) {
        throw Error(ErrorKind::conflict, "no object groups to sign (objects need a group ID)",
                    image.name());
    }
    // Envelopes are computed first so that a key failure changes nothing; each new signature
    // object sits in no group, so it never changes the digests of the next group.
    std::vector<std::pair<std::uint32_t, std::string>> envelopes;
    for (const auto& [group, ids] : selections) {
        DsseEnvelope envelope;
        envelope.payload_type = std::string(kSifMetadataPayloadType);
        envelope.payload = compute_metadata(image, ids).to_json();
        const std::string pae =
            pre_authentication_encoding(envelope.payload_type, envelope.payload);
        for (const PrivateKey* key : options.keys) {
            envelope.signatures.push_back(DsseSignature{key->public_key().keyid(), key->sign(pae)});
        }
        envelopes.emplace_back(group, envelope.to_json());
    }
    std::vector<std::uint32_t> added;
    for (const auto& [group, json] : envelopes) {
        sif::ObjectSpec spec;
        spec.type = sif::DataType::signature;
        spec.group = 0;
        spec.link = sif::Link::to_group(group);
        spec.extra = sif::SignatureInfo{sif::HashType::sha256, {}};
        sif::MemorySource source(json, "signature envelope");
        added.push_back(image.add(spec, source, sif::UpdateOptions{options.time}).id);
    }
    return added;
}

}  // namespace sifkit::sign
