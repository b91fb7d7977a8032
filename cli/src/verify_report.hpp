// What verify and stage share: the trusted-key and task options, and the report they print.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>
#include "certificate_options.hpp"
#include "cli11.hpp"

#include "sifkit/sign/ecl.hpp"
#include "sifkit/sign/result.hpp"
#include "sifkit/sign/trusted_keys.hpp"
#include "sifkit/sign/verify.hpp"

namespace sifkit::cli {

struct VerifyCliOptions {
    std::vector<std::string> keys;
    std::string keys_dir;
    std::vector<std::uint32_t> groups;
    std::vector<std::uint32_t> objects;
    bool all = false;
    bool legacy = false;
    bool json = false;
    std::string require = "any";
    std::string ecl;
    CertificateCliOptions certificate;
    // How a refused certificate's report ends (stage: that nothing was staged, and its fields).
    std::string refusal_outcome;
    nlohmann::ordered_json refusal_fields = nlohmann::ordered_json::object();

    // --key, --keys-dir, --group, --object, --all, --legacy-insecure, --require, --ecl, --json,
    // and the certificate options.
    void add_to(CLI::App& command);
    // The trusted --certificate once resolve() has checked it: {"path", "subject", "keyid"}.
    nlohmann::ordered_json trusted_certificate;

    // Loads the keys into `keys` and the ECL, if one is given, into `ecl`, and returns the
    // library options pointing at them; the caller sets options.ecl_directory. A refused
    // certificate is reported about `image` and ends the command (CertificateCliOptions::trust).
    sign::VerifyOptions resolve(sign::TrustedKeys& keys, std::optional<sign::Ecl>& ecl,
                                const std::string& image = {});
    // Adds the trusted certificate, if any, to a report's end: a line before `outcome`, and the
    // "certificate" field.
    void describe_certificate(std::string& outcome, nlohmann::ordered_json& fields) const;
};

// Prints the report (text or JSON) on stdout. `outcome` ends the text output (stage says where
// the copy went: one or more lines, empty for none); `extra` holds fields added to the JSON
// object.
void print_report(const std::string& image, const sign::VerifyReport& report, bool json,
                  const std::string& outcome = {},
                  const nlohmann::ordered_json& extra = nlohmann::ordered_json::object());

// Exit code of a verification verdict (docs/cli.md).
int exit_code_for(sign::VerifyStatus status);

}  // namespace sifkit::cli
