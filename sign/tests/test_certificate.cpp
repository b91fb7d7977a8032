// X.509 trust at the library level: the verdict's key and subject, the time of the check, OCSP
// failing closed, and what signing with a certificate refuses. The certificates come from the
// throwaway PKI of tests/x509/make-ca.sh (the openssl command line), as in the CLI suite.
#include <catch2/catch.hpp>
#include <ctime>

#include "sifkit/sif/error.hpp"
#include "sifkit/sign/certificate.hpp"
#include "sifkit/test/support.hpp"

using namespace sifkit;

namespace {

// The PKI in a temporary directory; OCSP ports 1 and 2 (closed: nothing answers there).
struct ThrowawayPki {
    test::TempDir dir{"sifkit-x509-unit"};
    bool made = false;
    ThrowawayPki() {
        if (!test::find_in_path("openssl")) {
            return;
        }
        const auto result =
            test::run({"bash", (test::repo_root() / "tests/x509/make-ca.sh").string(),
                       (dir / "ca").string(), "1", "2"});
        INFO(result.describe());
        REQUIRE(result.exit_code == 0);
        made = true;
    }
    std::filesystem::path operator/(const std::string& name) const { return dir / "ca" / name; }
    sign::CertificateTrustOptions trust(const std::string& leaf) const {
        sign::CertificateTrustOptions options;
        options.certificate = *this / leaf;
        options.roots = *this / "root.pem";
        options.intermediates = *this / "intermediate.pem";
        return options;
    }
};

#define NEED_PKI(pki)                                                \
    if (!(pki).made) {                                               \
        REQUIRE_FALSE(test::running_in_ci());                        \
        WARN("openssl command not found: X.509 unit tests skipped"); \
        return;                                                      \
    }

}  // namespace

TEST_CASE("a trusted certificate yields its subject and the signer's key") {
    const ThrowawayPki pki;
    NEED_PKI(pki);
    const auto verdict = sign::check_certificate(pki.trust("good.pem"));
    REQUIRE(verdict.status == sign::CertificateStatus::trusted);
    CHECK(verdict.reason.empty());
    CHECK(verdict.subject == "CN=sifkit good signer");
    REQUIRE(verdict.key.has_value());
    CHECK(verdict.key->keyid() == sign::PrivateKey::load(pki / "good.key").public_key().keyid());
}

TEST_CASE("certificates are judged at the time of the check") {
    const ThrowawayPki pki;
    NEED_PKI(pki);
    auto options = pki.trust("good.pem");
    options.time = static_cast<std::int64_t>(std::time(nullptr)) + 60 * 86400;  // leaf: 30 days
    const auto later = sign::check_certificate(options);
    CHECK(later.status == sign::CertificateStatus::untrusted);
    CHECK_THAT(later.reason, Catch::Contains("certificate has expired (CN=sifkit good signer)"));
    CHECK_FALSE(later.key.has_value());
    // 2020-06-01: the leaf was valid, its root not yet (OpenSSL checks from the top down).
    options.time = 1590969600;
    options.certificate = pki / "expired.pem";
    CHECK_THAT(sign::check_certificate(options).reason,
               Catch::Contains("certificate is not yet valid (CN=sifkit test root)"));
}

TEST_CASE("OCSP without an answer fails closed as 'revocation unknown'") {
    const ThrowawayPki pki;
    NEED_PKI(pki);
    auto options = pki.trust("unreachable.pem");
    options.ocsp = true;
    options.ocsp_timeout_seconds = 1;
    const auto verdict = sign::check_certificate(options);
    CHECK(verdict.status == sign::CertificateStatus::revocation_unknown);
    CHECK_THAT(verdict.reason, Catch::Contains("http://127.0.0.1:1 unreachable"));
    CHECK_FALSE(verdict.key.has_value());
}

TEST_CASE("signing with a certificate refuses another key, expiry and other usages") {
    const ThrowawayPki pki;
    NEED_PKI(pki);
    CHECK_NOTHROW(sign::check_signing_certificate(
        pki / "good.pem", sign::PrivateKey::load(pki / "good.key"), pki / "intermediate.pem"));
    const auto refusal = [&](const std::string& leaf, const std::string& key) {
        try {
            sign::check_signing_certificate(pki / leaf, sign::PrivateKey::load(pki / key));
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::invalid_input);
            CHECK(e.file() == (pki / leaf).string());
            return e.detail();
        }
        return std::string("accepted");
    };
    CHECK_THAT(refusal("good.pem", "revoked.key"), Catch::Contains("is not the certificate's key"));
    CHECK(refusal("expired.pem", "expired.key") == "the certificate has expired");
    CHECK_THAT(refusal("server.pem", "server.key"),
               Catch::Contains("does not include code signing"));
    CHECK(refusal("noeku.pem", "noeku.key") == "accepted");  // Go's rule: no EKU, any usage
}
