// Verification with the reference's semantics (format §9.5, DSSE variant §9.7).
#include "sifkit/sign/verify.hpp"

#include <algorithm>
#include <set>

#include "select.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/integrity.hpp"
#include "sifkit/sign/dsse.hpp"
#include "sifkit/sign/metadata.hpp"

namespace sifkit::sign {
namespace {

constexpr std::string_view kLegacyPrefix = "SIFHASH:\n";
constexpr std::string_view kClearSignPrefix = "-----BEGIN PGP SIGNED MESSAGE-----";
// Signature objects are small; a huge one is refused before it is read into memory.
constexpr std::int64_t kMaxSignatureSize = 16 << 20;

std::string read_signature(const sif::Image& image, const sif::Descriptor& d) {
    if (d.size > kMaxSignatureSize) {
        throw Error(ErrorKind::invalid_input,
                    "signature object " + std::to_string(d.id) + " is larger than 16 MiB",
                    image.name());
    }
    std::string text(static_cast<std::size_t>(d.size), '\0');
    image.read(d, 0, std::as_writable_bytes(std::span(text)));
    return text;
}

bool is_legacy(const std::string& text) {
    // Legacy signatures clear-sign "SIFHASH:\n..."; they are ignored unless asked for.
    const auto body = text.find("\n\n");
    return text.starts_with(kClearSignPrefix) && body != std::string::npos &&
           std::string_view(text).substr(body + 2).starts_with(kLegacyPrefix);
}

// Checks the signed metadata against the image as it is now. Returns an empty string when it
// matches, else the reason.
std::string check_metadata(const sif::Image& image, std::uint32_t group,
                           const ImageMetadata& metadata, std::vector<std::uint32_t>& covered) {
    const std::vector<std::uint32_t> members = detail::group_ids(image, group);
    const std::uint32_t minimum = members.empty() ? 0 : members.front();
    std::set<std::uint32_t> signed_ids;
    for (const ObjectMetadata& o : metadata.objects) {
        signed_ids.insert(minimum + o.relative_id);
    }
    covered.assign(signed_ids.begin(), signed_ids.end());
    for (const std::uint32_t id : members) {
        if (signed_ids.count(id) == 0) {
            return "object " + std::to_string(id) + ": object not signed";
        }
    }
    for (const std::uint32_t id : signed_ids) {
        if (std::find(members.begin(), members.end(), id) == members.end()) {
            return "object " + std::to_string(id) + ": signed object not found";
        }
    }
    const auto header_input = sif::header_digest_input(image.header());
    if (digest_of(metadata.header_digest.algorithm, header_input) != metadata.header_digest) {
        return "header integrity compromised";
    }
    for (const ObjectMetadata& o : metadata.objects) {
        const sif::Descriptor& d = image.object(minimum + o.relative_id);
        const auto descriptor_input = sif::descriptor_digest_input(d, image.relative_id(d));
        if (digest_of(o.descriptor_digest.algorithm, descriptor_input) != o.descriptor_digest) {
            return "data object descriptor integrity compromised: " + std::to_string(d.id);
        }
        if (digest_object(image, d, o.object_digest.algorithm) != o.object_digest) {
            return "data object integrity compromised: " + std::to_string(d.id);
        }
    }
    return {};
}

SignatureFinding verify_dsse(const sif::Image& image, const sif::Descriptor& d, std::uint32_t group,
                             const std::string& text, const VerifyOptions& options) {
    SignatureFinding finding{d.id, group, {}, {}, "dsse", VerifyStatus::verified, {}};
    DsseEnvelope envelope;
    try {
        envelope = DsseEnvelope::parse(text);
    } catch (const Error& e) {
        finding.status = VerifyStatus::invalid;
        finding.reason = e.detail();
        return finding;
    }
    if (envelope.payload_type != kSifMetadataPayloadType) {
        finding.status = VerifyStatus::invalid;
        finding.reason = "unexpected DSSE payload type \"" + envelope.payload_type + "\"";
        return finding;
    }
    const std::string pae = pre_authentication_encoding(envelope.payload_type, envelope.payload);
    for (const PublicKey* key : options.keys) {
        const bool ok =
            std::any_of(envelope.signatures.begin(), envelope.signatures.end(),
                        [&](const DsseSignature& s) { return key->verify(pae, s.sig); });
        if (ok) {
            finding.keyids.push_back(key->keyid());
        }
    }
    ImageMetadata metadata;
    try {
        metadata = ImageMetadata::parse(envelope.payload);
    } catch (const Error& e) {
        finding.status = VerifyStatus::invalid;
        finding.reason = e.detail();
        return finding;
    }
    if (finding.keyids.empty()) {
        // Intact or not, nothing trusted vouches for it; say which if we can tell.
        std::vector<std::uint32_t> covered;
        const std::string mismatch = check_metadata(image, group, metadata, covered);
        finding.objects = covered;
        finding.status = mismatch.empty() ? VerifyStatus::untrusted : VerifyStatus::invalid;
        finding.reason = mismatch.empty() ? "no trusted key verified the signature" : mismatch;
        return finding;
    }
    finding.reason = check_metadata(image, group, metadata, finding.objects);
    if (!finding.reason.empty()) {
        finding.status = VerifyStatus::invalid;
    }
    return finding;
}

}  // namespace

std::string_view name_of(VerifyStatus status) noexcept {
    switch (status) {
        case VerifyStatus::verified:
            return "verified";
        case VerifyStatus::not_signed:
            return "not-signed";
        case VerifyStatus::untrusted:
            return "untrusted";
        case VerifyStatus::invalid:
            return "invalid";
    }
    return "invalid";
}

VerifyReport verify_image(const sif::Image& image, const VerifyOptions& options) {
    VerifyReport report;
    auto record = [&report](SignatureFinding finding) {
        report.status = std::max(report.status, finding.status);
        report.findings.push_back(std::move(finding));
    };

    for (const sif::Descriptor& d : image.objects()) {
        if (d.group() == 0 && d.type() != sif::DataType::signature) {
            record(SignatureFinding{0,
                                    0,
                                    {d.id},
                                    {},
                                    "none",
                                    VerifyStatus::not_signed,
                                    "object " + std::to_string(d.id) +
                                        ": non-signature object not associated with object group"});
        }
    }
    const std::vector<std::uint32_t> groups = detail::select_groups(image, options.groups);
    if (groups.empty() && report.findings.empty()) {
        record(SignatureFinding{0,
                                0,
                                {},
                                {},
                                "none",
                                VerifyStatus::not_signed,
                                "image has no object groups to verify"});
    }
    for (const std::uint32_t group : groups) {
        int checked = 0;
        for (const sif::Descriptor& d : detail::group_signatures(image, group)) {
            const std::string text = read_signature(image, d);
            if (is_legacy(text)) {
                continue;
            }
            ++checked;
            const auto hash = d.signature().hash_type;
            if (static_cast<int>(hash) < 1 || static_cast<int>(hash) > 5) {
                record(SignatureFinding{d.id,
                                        group,
                                        {},
                                        {},
                                        "unknown",
                                        VerifyStatus::invalid,
                                        "hash algorithm unsupported"});
                continue;
            }
            if (text.starts_with(kClearSignPrefix)) {
                record(SignatureFinding{d.id,
                                        group,
                                        {},
                                        {},
                                        "pgp",
                                        VerifyStatus::untrusted,
                                        "OpenPGP signatures are not verified by this version"});
                continue;
            }
            record(verify_dsse(image, d, group, text, options));
        }
        if (checked == 0) {
            record(
                SignatureFinding{0,
                                 group,
                                 detail::group_ids(image, group),
                                 {},
                                 "none",
                                 VerifyStatus::not_signed,
                                 "signature not found for object group " + std::to_string(group)});
        }
    }
    return report;
}

}  // namespace sifkit::sign
