// OpenPGP pieces: CRC-24 and armor, cleartext framing, certificates and fingerprints, and
// signature checks over the reference's PGP goldens; hostile input is refused with an Error.
#include <catch2/catch.hpp>

#include "armor.hpp"
#include "pgp_packets.hpp"
#include "shared_fixtures.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/image.hpp"
#include "sifkit/sign/clearsign.hpp"
#include "sifkit/sign/pgp.hpp"
#include "sifkit/sign/verify.hpp"

using namespace sifkit;

namespace {

std::string fixture(const std::string& name) {
    return std::string(SIFKIT_SIGN_TEST_FIXTURES) + "/" + name;
}

std::string signature_text(const std::string& image_path, std::uint32_t id) {
    const auto image = sif::Image::open(image_path);
    const auto& d = image.object(id);
    std::string text(static_cast<std::size_t>(d.size), '\0');
    image.read(d, 0, std::as_writable_bytes(std::span(text)));
    return text;
}

std::vector<std::uint8_t> bytes(std::string_view s) {
    return {s.begin(), s.end()};
}

}  // namespace

TEST_CASE("CRC-24 is the OpenPGP checksum") {
    CHECK(sign::detail::crc24({}) == 0xB704CEU);
    CHECK(sign::detail::crc24(bytes("123456789")) == 0x21CF02U);  // the catalogued check value
}

TEST_CASE("armor: headers, CRC-24 check, mismatched END, bad base64") {
    const std::string good =
        "-----BEGIN PGP SIGNATURE-----\nComment: x\n\nMTIzNDU2Nzg5\n=Ic8C\n-----END PGP "
        "SIGNATURE-----";
    const auto blocks = sign::detail::decode_armor_blocks(good, "PGP SIGNATURE");
    REQUIRE(blocks.size() == 1);
    CHECK(blocks[0].data == bytes("123456789"));
    // CRLF line ends and no checksum line are accepted too.
    CHECK(sign::detail::decode_armor_blocks("-----BEGIN X-----\r\n\r\nMTIz\r\n-----END X-----\r\n",
                                            "X")
              .at(0)
              .data == bytes("123"));
    auto bad_crc = good;
    bad_crc.replace(bad_crc.find("=Ic8C"), 5, "=Ic8D");
    CHECK_THROWS_WITH(sign::detail::decode_armor_blocks(bad_crc, "PGP SIGNATURE"),
                      Catch::Contains("CRC-24 checksum mismatch"));
    auto bad_end = good;
    bad_end.replace(bad_end.find("END PGP SIGNATURE"), 17, "END PGP MESSAGE!!");
    CHECK_THROWS_AS(sign::detail::decode_armor_blocks(bad_end, "PGP SIGNATURE"), Error);
    CHECK_THROWS_AS(
        sign::detail::decode_armor_blocks("-----BEGIN X-----\n\n*bad*\n-----END X-----", "X"),
        Error);
    CHECK_THROWS_AS(sign::detail::decode_armor_blocks("-----BEGIN X-----\n\nMTIz", "X"), Error);
}

TEST_CASE("packet framing refuses lengths beyond the input") {
    // New-format tag 2 claiming 4 GiB, old-format tag 6 claiming 65535 bytes, a partial length.
    for (const auto& packet :
         {std::vector<std::uint8_t>{0xC2, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1},
          std::vector<std::uint8_t>{0x99, 0xFF, 0xFF, 4},
          std::vector<std::uint8_t>{0xC2, 0xE1, 0, 0}, std::vector<std::uint8_t>{0x02}}) {
        CHECK_THROWS_AS(sign::detail::split_packets(packet), Error);
    }
}

TEST_CASE("cleartext messages of the reference: plaintext, signed text, signature packets") {
    const auto text =
        signature_text(upstream_fixture("images/one-group-signed-pgp.sif").string(), 3);
    REQUIRE(sign::is_clearsigned(text));
    const auto message = sign::ClearsignedMessage::parse(text);
    CHECK(message.hash_headers == std::vector<std::string>{"SHA256"});
    CHECK(message.signed_text.starts_with("{\"version\":1,"));
    CHECK(message.plaintext == message.signed_text + "\n");
    REQUIRE(message.signature.size() > 2);
    CHECK((message.signature[0] & 0x3F) == 2);  // a new-format signature packet

    // Dash-escaping, trailing blanks and CRLF: canonical text per RFC 4880 §7.1.
    const std::string escaped =
        "-----BEGIN PGP SIGNED MESSAGE-----\r\nHash: SHA512\r\n\r\n- -dash \r\nline2\t\r\n"
        "-----BEGIN PGP SIGNATURE-----\r\n\r\nwg==\r\n-----END PGP SIGNATURE-----";
    const auto parsed = sign::ClearsignedMessage::parse(escaped);
    CHECK(parsed.plaintext == "-dash\nline2\n");
    CHECK(parsed.signed_text == "-dash\r\nline2");
    CHECK_THROWS_WITH(sign::ClearsignedMessage::parse("{\"payloadType\":1}"),
                      Catch::Contains("clearsigned message not found"));
    CHECK_THROWS_AS(sign::ClearsignedMessage::parse(
                        "-----BEGIN PGP SIGNED MESSAGE-----\n\nno signature block\n"),
                    Error);
}

TEST_CASE("certificates: v4 fingerprints, key IDs and user IDs of gpg exports") {
    const auto rsa = sign::PgpCertificate::load(fixture("unit-test-public.asc"));
    REQUIRE(rsa.size() == 1);
    CHECK(rsa[0].fingerprint_hex() == "12045C8C0B1004D058DE4BEDA20C27EE7FF7BA84");
    CHECK(rsa[0].primary().key_id() == 0xA20C27EE7FF7BA84ULL);
    CHECK(rsa[0].primary().algorithm == 1);
    CHECK(rsa[0].primary().rsa_n.size() == 256);
    CHECK(rsa[0].user_id() == "Unit Test <unit@test.com>");
    // Its RSA subkey is for encryption only, so it never signs.
    CHECK(rsa[0].signing_keys().size() == 1);
    const auto ed = sign::PgpCertificate::load(fixture("ed25519-throwaway-public.asc"));
    CHECK(ed.at(0).fingerprint_hex() == "ACDA783E6BF92B6D3789C166EFF4766457E482E1");
    CHECK(ed.at(0).primary().algorithm == 22);
    CHECK(sign::PgpCertificate::is_armored_public_key(slurp(fixture("unit-test-public.asc"))));
    CHECK_THROWS_AS(sign::PgpCertificate::parse("no key here", "x"), Error);
    CHECK_THROWS_AS(sign::PgpCertificate::load(upstream_fixture("keys/private.asc")), Error);
}

TEST_CASE("PGP-signed images verify with the signer's certificate only") {
    const auto rsa = sign::PgpCertificate::load(fixture("unit-test-public.asc"));
    const auto ed = sign::PgpCertificate::load(fixture("ed25519-throwaway-public.asc"));
    const struct {
        std::string image;
        const sign::PgpCertificate* signer;
        const sign::PgpCertificate* other;
    } cases[] = {
        {upstream_fixture("images/one-group-signed-pgp.sif").string(), &rsa[0], &ed[0]},
        {upstream_fixture("images/two-groups-signed-pgp.sif").string(), &rsa[0], &ed[0]},
        {fixture("one-group-signed-pgp-ed25519.sif"), &ed[0], &rsa[0]},
    };
    for (const auto& c : cases) {
        INFO(c.image);
        const auto image = sif::Image::open(c.image);
        sign::VerifyOptions options;
        options.pgp_keys = {c.signer};
        auto report = sign::verify_image(image, options);
        CHECK(report.status == sign::VerifyStatus::verified);
        for (const auto& f : report.findings) {
            CHECK(f.keyids == std::vector<std::string>{c.signer->fingerprint_hex()});
        }
        options.pgp_keys = {c.other};
        report = sign::verify_image(image, options);
        CHECK(report.status == sign::VerifyStatus::untrusted);
        CHECK_THAT(report.findings.front().reason,
                   Catch::Contains("signed by unknown key " + c.signer->fingerprint_hex()));
        options.pgp_keys = {c.other, c.signer};
        CHECK(sign::verify_image(image, options).status == sign::VerifyStatus::verified);
    }
}

TEST_CASE("signature checks over other data fail, as do unacceptable packets") {
    const auto rsa = sign::PgpCertificate::load(fixture("unit-test-public.asc"));
    const auto message = sign::ClearsignedMessage::parse(
        signature_text(upstream_fixture("images/one-group-signed-pgp.sif").string(), 3));
    using Outcome = sign::PgpSignatureCheck::Outcome;
    CHECK(sign::check_pgp_signature(message.signature, message.signed_text, {&rsa[0]}).outcome ==
          Outcome::verified);
    auto other = message.signed_text;
    other[10] ^= 1;
    const auto check = sign::check_pgp_signature(message.signature, other, {&rsa[0]});
    CHECK(check.outcome == Outcome::invalid);
    CHECK_THAT(check.reason, Catch::Contains("does not verify"));
    CHECK(sign::check_pgp_signature(message.signature, message.signed_text, {}).outcome ==
          Outcome::unknown_signer);
    // Hash algorithm SHA-1 (2) is refused even when the key matches.
    auto sha1 = message.signature;
    const std::size_t header = (sha1[1] < 192) ? 2 : 3;
    sha1[header + 3] = 2;
    const auto refused = sign::check_pgp_signature(sha1, message.signed_text, {&rsa[0]});
    CHECK(refused.outcome == Outcome::invalid);
    CHECK_THAT(refused.reason, Catch::Contains("not accepted"));
    // Truncated packets are errors, not crashes.
    for (std::size_t n = 0; n < message.signature.size(); n += 7) {
        const std::vector<std::uint8_t> cut(message.signature.begin(),
                                            message.signature.begin() + static_cast<long>(n));
        try {
            (void)sign::check_pgp_signature(cut, message.signed_text, {&rsa[0]});
        } catch (const Error&) {
        }
    }
}
