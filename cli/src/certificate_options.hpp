// The X.509 options of sign (--certificate, --certificate-intermediates) and of verify and
// stage (those, --certificate-roots, --crl, --ocsp-verify), and the glue that turns a trusted
// certificate into a trusted key or a refusal with its exit code.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli11.hpp"
#include "sifkit/sign/certificate.hpp"
#include "sifkit/sign/trusted_keys.hpp"

namespace sifkit::cli {

struct CertificateCliOptions {
    std::string certificate;
    std::string roots;
    std::string intermediates;
    std::vector<std::string> crls;
    bool ocsp = false;

    // sign: --certificate and --certificate-intermediates only.
    void add_signing_to(CLI::App& command);
    // verify and stage: every option.
    void add_to(CLI::App& command);
    bool given() const noexcept { return !certificate.empty(); }

    // Checks the certificate; when it is trusted, adds its key to `keys`. Otherwise prints the
    // refusal as verify reports findings (text or JSON, about `image`) and throws VerifyFailed:
    // exit 12 (untrusted: chain, usage, time, revoked) or 13 (OCSP gave no answer).
    // `outcome` and `extra` end the refusal's report as print_report's do (stage: nothing staged).
    // Returns the trusted leaf's description for the report: {"path", "subject", "keyid"}.
    nlohmann::ordered_json trust(
        const std::string& image, bool json, sign::TrustedKeys& keys,
        const std::string& outcome = {},
        const nlohmann::ordered_json& extra = nlohmann::ordered_json::object()) const;
};

}  // namespace sifkit::cli
