// DSSE envelopes (format §9.7): at least one trusted key must verify the envelope (threshold
// 1), the payload type must be the SIF metadata type, then the metadata must match.
#include <algorithm>

#include "sifkit/sif/error.hpp"
#include "sifkit/sign/dsse.hpp"
#include "verify_internal.hpp"

namespace sifkit::sign::detail {

SignatureFinding verify_dsse(VerifyContext& context, const Task& task,
                             const sif::Descriptor& signature, const std::string& text) {
    SignatureFinding finding = start_finding(task, signature, SignatureFormat::dsse);
    auto fail = [&finding](VerifyStatus status, std::string reason) {
        finding.status = status;
        finding.reason = std::move(reason);
        return finding;
    };
    DsseEnvelope envelope;
    try {
        envelope = DsseEnvelope::parse(text);
    } catch (const Error& e) {
        return fail(VerifyStatus::invalid, e.detail());
    }
    if (envelope.payload_type != kSifMetadataPayloadType) {
        return fail(VerifyStatus::invalid,
                    "unexpected DSSE payload type \"" + envelope.payload_type + "\"");
    }
    const std::string pae = pre_authentication_encoding(envelope.payload_type, envelope.payload);
    // A key whose ID an envelope signature names but which does not verify it means the
    // envelope was changed, not that the signer is unknown.
    std::string failed_keyid;
    for (const PublicKey* key : context.options.keys) {
        const std::string keyid = key->keyid();
        bool verified = false;
        for (const DsseSignature& s : envelope.signatures) {
            if (key->verify(pae, s.sig)) {
                verified = true;
            } else if (s.keyid == keyid && failed_keyid.empty()) {
                failed_keyid = keyid;
            }
        }
        if (verified) {
            finding.keyids.push_back(keyid);
            if (const auto it = context.options.certificate_subjects.find(keyid);
                it != context.options.certificate_subjects.end()) {
                finding.subjects.push_back(it->second);
            }
        }
    }
    if (finding.keyids.empty() && !failed_keyid.empty()) {
        return fail(VerifyStatus::invalid,
                    "signature by trusted key " + failed_keyid + " does not verify");
    }
    ImageMetadata metadata;
    try {
        metadata = ImageMetadata::parse(envelope.payload);
    } catch (const Error& e) {
        return fail(VerifyStatus::invalid, e.detail());
    }
    const std::string mismatch = check_metadata(context, task, metadata, finding.objects);
    if (finding.keyids.empty()) {
        // Intact or not, nothing trusted vouches for it; say which when the image tells.
        return mismatch.empty()
                   ? fail(VerifyStatus::untrusted, "no trusted key verified the signature")
                   : fail(VerifyStatus::invalid, mismatch);
    }
    if (!mismatch.empty()) {
        return fail(VerifyStatus::invalid, mismatch);
    }
    return finding;
}

}  // namespace sifkit::sign::detail
