// DSSE envelopes: our signatures equal the reference's where its signing is deterministic
// (Ed25519, RSA PKCS#1 v1.5), and the reference's verify with the right key only.
#include <catch2/catch.hpp>

#include "shared_fixtures.hpp"
#include "sifkit/sign/dsse.hpp"
#include "sifkit/sign/keys.hpp"

using namespace sifkit;

namespace {

const std::string kMessage = "{\"One\":1,\"Two\":2}\n";

std::string sign_envelope(const sign::PrivateKey& key) {
    sign::DsseEnvelope envelope;
    envelope.payload_type = std::string(sign::kSifMetadataPayloadType);
    envelope.payload = kMessage;
    const auto pae = sign::pre_authentication_encoding(envelope.payload_type, envelope.payload);
    envelope.signatures.push_back({key.public_key().keyid(), key.sign(pae)});
    return envelope.to_json();
}

}  // namespace

TEST_CASE("PAE is the DSSE v1 encoding") {
    CHECK(sign::pre_authentication_encoding("t", "ab") == "DSSEv1 1 t 2 ab");
}

TEST_CASE("Ed25519 and RSA-SHA256 envelopes are byte-identical to the reference goldens") {
    const auto ed = sign::PrivateKey::load(upstream_fixture("keys/ed25519-private.pem"));
    CHECK(sign_envelope(ed) == slurp(upstream_fixture("dsse-golden/ED25519.golden")));
    const auto rsa = sign::PrivateKey::load(upstream_fixture("keys/rsa-private.pem"));
    CHECK(sign_envelope(rsa) == slurp(upstream_fixture("dsse-golden/RSA_SHA256.golden")));
}

TEST_CASE("reference envelopes verify with the signing key and not with others") {
    const auto ed = sign::PublicKey::load(upstream_fixture("keys/ed25519-public.pem"));
    const auto rsa = sign::PublicKey::load(upstream_fixture("keys/rsa-public.pem"));
    const auto ec = sign::PublicKey::load(upstream_fixture("keys/ecdsa-public.pem"));
    for (const char* golden : {"ED25519.golden", "RSA_SHA256.golden", "RSA_SHA384.golden",
                               "RSA_SHA512.golden", "Multi.golden"}) {
        const auto envelope = sign::DsseEnvelope::parse(
            slurp(upstream_fixture(std::string("dsse-golden/") + golden)));
        const auto pae = sign::pre_authentication_encoding(envelope.payload_type, envelope.payload);
        for (const auto& signature : envelope.signatures) {
            const bool by_ed = ed.verify(pae, signature.sig);
            const bool by_rsa = rsa.verify(pae, signature.sig);
            CHECK(by_ed != by_rsa);
            CHECK_FALSE(ec.verify(pae, signature.sig));
            CHECK(signature.keyid == (by_ed ? ed.keyid() : rsa.keyid()));
            auto tampered = pae;
            tampered.back() = tampered.back() == 'x' ? 'y' : 'x';
            CHECK_FALSE(ed.verify(tampered, signature.sig));
            CHECK_FALSE(rsa.verify(tampered, signature.sig));
        }
    }
}
