// Keys: reference key IDs, generation round trips, encrypted PEM, bad input.
#include <catch2/catch.hpp>

#include "shared_fixtures.hpp"
#include "sifkit/sif/base64.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sign/cosign_key.hpp"
#include "sifkit/sign/keys.hpp"

using namespace sifkit;

TEST_CASE("key IDs are the reference's SSH-style fingerprints") {
    CHECK(sign::PublicKey::load(upstream_fixture("keys/ed25519-public.pem")).keyid() ==
          "SHA256:x6l8ZblpSSXGaPMCzySedWg88BwIFcz8jlPb6el0mFs");
    CHECK(sign::PublicKey::load(upstream_fixture("keys/rsa-public.pem")).keyid() ==
          "SHA256:BhCwr7qZulYcOMSl2Jt2DuYHxHNnN6th4NdMqR/PGa4");
    const auto ec = sign::PrivateKey::load(upstream_fixture("keys/ecdsa-private.pem"));
    CHECK(ec.type() == sign::KeyType::ecdsa_p256);
    CHECK(ec.public_key().keyid() ==
          sign::PublicKey::load(upstream_fixture("keys/ecdsa-public.pem")).keyid());
}

TEST_CASE("generated keys sign and verify; other messages and keys fail") {
    for (const auto type : {sign::KeyType::ed25519, sign::KeyType::ecdsa_p256,
                            sign::KeyType::ecdsa_p384, sign::KeyType::rsa}) {
        const auto key = sign::PrivateKey::generate(type);
        const auto pub = sign::PublicKey::from_pem(key.public_key().to_pem(), "test");
        const auto signature = key.sign("message");
        CHECK(pub.verify("message", signature));
        CHECK_FALSE(pub.verify("messagf", signature));
        const auto other = sign::PrivateKey::generate(type);
        CHECK_FALSE(other.public_key().verify("message", signature));
        const auto reloaded = sign::PrivateKey::from_pem(key.to_pem("secret"), "enc", "secret");
        CHECK(pub.verify("m2", reloaded.sign("m2")));
        CHECK_THROWS_AS(sign::PrivateKey::from_pem(key.to_pem("secret"), "enc", "wrong"),
                        sifkit::Error);
    }
}

TEST_CASE("garbage is not a key") {
    CHECK_THROWS_AS(sign::PublicKey::from_pem(
                        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "x"),
                    sifkit::Error);
    CHECK_THROWS_AS(sign::PrivateKey::from_pem("", "x"), sifkit::Error);
}

TEST_CASE("cosign private keys: sealed and opened, wrong passphrase denied, malformed refused") {
    const auto key = sign::PrivateKey::generate(sign::KeyType::ecdsa_p256);
    const std::string pem = sign::cosign_private_key_pem(key, "pass");
    CHECK(pem.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"));
    CHECK(sign::is_cosign_private_key(pem));
    // Through the ordinary loader, as every command reads private keys.
    const auto opened = sign::PrivateKey::from_pem(pem, "cosign.key", "pass");
    CHECK(opened.public_key().keyid() == key.public_key().keyid());
    CHECK(key.public_key().verify("m", opened.sign("m")));
    try {
        (void)sign::PrivateKey::from_pem(pem, "cosign.key", "wrong");
        FAIL("a wrong passphrase opened the key");
    } catch (const sifkit::Error& error) {
        CHECK(error.kind() == sifkit::ErrorKind::denied);
    }
    // Every salt and nonce is fresh: two sealings of one key differ.
    CHECK(sign::cosign_private_key_pem(key, "pass") != pem);
    const auto refused = [](const std::string& body) {
        const std::string text = "-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----\n" + body +
                                 "\n-----END ENCRYPTED COSIGN PRIVATE KEY-----\n";
        try {
            (void)sign::PrivateKey::from_pem(text, "bad.key", "pass");
        } catch (const sifkit::Error& error) {
            return error.kind() == sifkit::ErrorKind::invalid_input;
        }
        return false;
    };
    CHECK(refused("!!!"));
    CHECK(refused(sifkit::sif::base64_encode(std::string_view("not json"))));
    CHECK(refused(sifkit::sif::base64_encode(std::string_view(
        R"({"kdf":{"name":"scrypt","params":{"N":"big","r":8,"p":1},"salt":"AA=="},)"
        R"("cipher":{"name":"nacl/secretbox","nonce":"AA=="},"ciphertext":"AA=="})"))));
    CHECK(refused(sifkit::sif::base64_encode(std::string_view(
        R"({"kdf":{"name":"scrypt","params":{"N":32768,"r":8,"p":1},"salt":"AA=="},)"
        R"("cipher":{"name":"nacl/secretbox","nonce":"AA=="},"ciphertext":"AA=="})"))));
}
