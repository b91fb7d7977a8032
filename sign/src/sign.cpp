// Signing: metadata → DSSE envelope and/or OpenPGP clear-signed message → Signature objects
// linked to the group.
#include "sifkit/sign/sign.hpp"

#include <algorithm>

#include "select.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sign/dsse.hpp"
#include "sifkit/sign/metadata.hpp"

namespace sifkit::sign {

std::vector<std::uint32_t> sign_image(sif::Image& image, const SignOptions& options) {
    if (options.keys.empty() && options.pgp_signers.empty()) {
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
    // Signatures are computed first so that a key failure changes nothing; each new signature
    // object sits in no group, so it never changes the digests of the next group.
    struct Pending {
        std::uint32_t group;
        std::string data;
        sif::SignatureInfo info;
    };
    std::vector<Pending> pending;
    for (const auto& [group, ids] : selections) {
        const std::string metadata = compute_metadata(image, ids).to_json();
        if (!options.keys.empty()) {
            DsseEnvelope envelope;
            envelope.payload_type = std::string(kSifMetadataPayloadType);
            envelope.payload = metadata;
            const std::string pae =
                pre_authentication_encoding(envelope.payload_type, envelope.payload);
            for (const PrivateKey* key : options.keys) {
                envelope.signatures.push_back(
                    DsseSignature{key->public_key().keyid(), key->sign(pae)});
            }
            pending.push_back({group, envelope.to_json(), {sif::HashType::sha256, {}}});
        }
        for (const PgpSigner* signer : options.pgp_signers) {
            // The descriptor names the signer's primary key (§9.4): verify checks it.
            sif::SignatureInfo info{sif::HashType::sha256, {}};
            std::copy(signer->fingerprint().begin(), signer->fingerprint().end(),
                      info.fingerprint.begin());
            pending.push_back({group, signer->clearsign(metadata), info});
        }
    }
    std::vector<std::uint32_t> added;
    for (const auto& signature : pending) {
        sif::ObjectSpec spec;
        spec.type = sif::DataType::signature;
        spec.group = 0;
        spec.link = sif::Link::to_group(signature.group);
        spec.extra = signature.info;
        sif::MemorySource source(signature.data, "signature");
        added.push_back(image.add(spec, source, sif::UpdateOptions{options.time}).id);
    }
    return added;
}

}  // namespace sifkit::sign
