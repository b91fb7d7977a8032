// libFuzzer target for everything the sign module parses from untrusted bytes: DSSE envelopes
// and the metadata they carry, PEM public keys, armored OpenPGP certificates, cleartext-signed
// messages and OpenPGP signature packets (checked against certificates parsed from the same
// input, so that the verification paths run too). Every parser may reject its input with a
// sifkit::Error; a crash, a leak, undefined behaviour, another exception or a huge allocation
// driven by a length field is a finding.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sifkit/sif/base64.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sign/clearsign.hpp"
#include "sifkit/sign/dsse.hpp"
#include "sifkit/sign/keys.hpp"
#include "sifkit/sign/metadata.hpp"
#include "sifkit/sign/pgp.hpp"

namespace {

using namespace sifkit::sign;

volatile std::size_t g_sink = 0;

template <typename F>
void attempt(F&& f) {
    try {
        f();
    } catch (const sifkit::Error&) {
        // The expected outcome for malformed input.
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    attempt([&] {
        const DsseEnvelope envelope = DsseEnvelope::parse(text);
        g_sink = g_sink + envelope.signatures.size();
        const ImageMetadata metadata = ImageMetadata::parse(envelope.payload);
        g_sink = g_sink + metadata.to_json().size();
    });
    attempt([&] { g_sink = g_sink + ImageMetadata::parse(text).objects.size(); });
    attempt([&] {
        const PublicKey key = PublicKey::from_pem(text, "<fuzz input>");
        g_sink = g_sink + key.keyid().size();
        g_sink = g_sink + (key.verify(text, std::vector<std::uint8_t>(64, 1)) ? 1U : 0U);
    });
    std::vector<PgpCertificate> certificates;
    attempt([&] { certificates = PgpCertificate::parse(text, "<fuzz input>"); });
    std::vector<const PgpCertificate*> trusted;
    for (const PgpCertificate& c : certificates) {
        trusted.push_back(&c);
        g_sink = g_sink + c.signing_keys().size() + c.fingerprint_hex().size();
    }
    attempt([&] {
        const ClearsignedMessage message = ClearsignedMessage::parse(text);
        const PgpSignatureCheck check =
            check_pgp_signature(message.signature, message.signed_text, trusted);
        g_sink = g_sink + check.reason.size() + message.plaintext.size();
    });
    // The raw bytes as signature packets too (no armor in the way).
    attempt([&] {
        const std::vector<std::uint8_t> packets(data, data + size);
        g_sink = g_sink + check_pgp_signature(packets, "data", trusted).reason.size();
    });
    if (const auto bytes = sifkit::sif::base64_decode(text)) {
        g_sink = g_sink + bytes->size();
    }
    return 0;
}
