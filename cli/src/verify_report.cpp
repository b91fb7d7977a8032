// Options and report output shared by `sifkit verify` and `sifkit stage`.
#include "verify_report.hpp"

#include <cstdio>

#include <sstream>
#include <string>
#include <vector>

#include "exit_codes.hpp"
#include "output.hpp"
#include "sifkit/sif/error.hpp"

namespace sifkit::cli {
namespace {

std::string join_ids(const std::vector<std::uint32_t>& ids) {
    std::string text;
    for (const auto id : ids) {
        text += (text.empty() ? "" : ",") + std::to_string(id);
    }
    return text.empty() ? "-" : text;
}

std::string describe_format(const sign::SignatureFinding& f) {
    if (f.format == sign::SignatureFormat::legacy) {
        return "legacy SIFHASH, INSECURE: object data only, header and descriptors unprotected";
    }
    return std::string(sign::name_of(f.format));
}

std::string text_line(const sign::SignatureFinding& f) {
    std::ostringstream out;
    out << sign::name_of(f.task);
    if (f.task == sign::TaskKind::group || f.task == sign::TaskKind::object) {
        out << ' ' << f.task_id;
        if (f.task == sign::TaskKind::object) {
            out << " (group " << f.group << ")";
        }
    }
    out << ": ";
    if (f.signature_id != 0) {
        out << "signature " << f.signature_id << " (" << describe_format(f) << ") objects "
            << join_ids(f.objects) << ": ";
    }
    out << sign::name_of(f.status);
    if (!f.keyids.empty()) {
        out << " by";
        for (const auto& id : f.keyids) {
            out << ' ' << id;
        }
    }
    if (!f.reason.empty()) {
        out << " (" << f.reason << ")";
    }
    out << '\n';
    if (f.legacy_signatures > 0) {
        out << "  hint: " << f.legacy_signatures
            << " legacy SIFHASH signature(s) found; check them with --legacy-insecure (they do "
               "not protect the header or descriptors)\n";
    }
    return out.str();
}

// What to do about the two verdicts that follow the reference's rules but surprise: a group
// signed again by a key not given (every signature of a group must verify), and a signature
// made with `sign --object` checked as a whole group (it must cover the group exactly).
std::vector<std::string> hints(const sign::VerifyReport& report) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < report.findings.size(); ++i) {
        const sign::SignatureFinding& f = report.findings[i];
        if (f.task != sign::TaskKind::group || f.signature_id == 0) {
            continue;
        }
        if (f.status == sign::VerifyStatus::untrusted) {
            for (const sign::SignatureFinding& other : report.findings) {
                if (other.task == f.task && other.task_id == f.task_id &&
                    other.status == sign::VerifyStatus::verified && other.signature_id != 0) {
                    out.push_back("group " + std::to_string(f.task_id) + ": signature " +
                                  std::to_string(other.signature_id) + " verified, but signature " +
                                  std::to_string(f.signature_id) +
                                  " is by a key not given, and every signature of a group must "
                                  "verify (the reference's rule; --require any does not relax "
                                  "it): also trust that signer's key (--key, --keys-dir)");
                    break;
                }
            }
        }
        if (f.reason.ends_with(": object not signed") && !f.objects.empty()) {
            std::string selection;
            for (const auto id : f.objects) {
                selection += " --object " + std::to_string(id);
            }
            out.push_back("group " + std::to_string(f.task_id) + ": signature " +
                          std::to_string(f.signature_id) + " signs objects " + join_ids(f.objects) +
                          " only (sign --object), not the whole group, and a group's signature "
                          "must cover the group exactly: verify what it signs with" +
                          selection);
        }
    }
    return out;
}

}  // namespace

void VerifyCliOptions::add_to(CLI::App& command) {
    command.add_option("-k,--key", keys,
                       "Trusted public key: PEM (DSSE) or armored OpenPGP (repeatable)");
    command.add_option("--keys-dir", keys_dir, "Trust every *.pub and *.pem key in this directory");
    auto* group = command.add_option("-g,--group", groups, "Verify group N (repeatable)");
    auto* object =
        command.add_option("--object", objects, "Verify object ID within its group (repeatable)");
    command
        .add_flag("--all", all,
                  "Every group (the default); with --legacy-insecure: every grouped object")
        ->excludes(group)
        ->excludes(object);
    command.add_flag("--legacy-insecure", legacy,
                     "Verify legacy SIFHASH signatures instead (INSECURE: data only)");
    command
        .add_option("--require", require,
                    "Trusted keys that must sign each group: any (one is enough, the default) "
                    "or all (every one)")
        ->check(CLI::IsMember({"any", "all"}));
    command.add_option("--ecl", ecl,
                       "Also judge the verified image by this execution control list (Apptainer's "
                       "ecl.toml; exit 14 when it refuses)");
    command.add_flag("--json", json, "Print the report as JSON (fields in docs/cli.md)");
    certificate.add_to(command);
}

sign::VerifyOptions VerifyCliOptions::resolve(sign::TrustedKeys& trusted,
                                              std::optional<sign::Ecl>& loaded_ecl,
                                              const std::string& image) {
    if (!ecl.empty() && (!groups.empty() || !objects.empty() || legacy)) {
        throw Error(ErrorKind::usage,
                    "--ecl judges every group's current signatures: no --group, --object or "
                    "--legacy-insecure with it");
    }
    for (const auto& path : keys) {
        trusted.add_file(path);
    }
    if (!keys_dir.empty()) {
        trusted.add_directory(keys_dir);
        // Trusting fewer keys than the admin meant shows up as "unknown signer" later: say
        // here which files were left out and why.
        for (const auto& skipped : trusted.skipped()) {
            std::fprintf(stderr, "sifkit: warning: %s: skipped: %s\n", skipped.path.c_str(),
                         skipped.reason.c_str());
        }
    }
    if (certificate.given()) {
        trusted_certificate =
            certificate.trust(image, json, trusted, refusal_outcome, refusal_fields);
    }
    if (trusted.size() == 0) {
        throw Error(ErrorKind::usage, "no trusted keys: give --key, --keys-dir or --certificate");
    }
    sign::VerifyOptions options;
    trusted.apply_to(options);
    options.groups = groups;
    options.objects = objects;
    options.legacy = legacy;
    options.legacy_all = legacy && all;
    options.required_keys = require == "all" ? sign::RequiredKeys::all : sign::RequiredKeys::any;
    if (!ecl.empty()) {
        loaded_ecl.emplace(sign::Ecl::load(ecl));
        options.ecl = &*loaded_ecl;
    }
    return options;
}

void VerifyCliOptions::describe_certificate(std::string& outcome,
                                            nlohmann::ordered_json& fields) const {
    if (trusted_certificate.is_null()) {
        return;
    }
    const std::string line = "certificate " + trusted_certificate["path"].get<std::string>() +
                             ": trusted (" + trusted_certificate["subject"].get<std::string>() +
                             ", key " + trusted_certificate["keyid"].get<std::string>() + ")";
    outcome = outcome.empty() ? line : line + "\n" + outcome;
    fields["certificate"] = trusted_certificate;
}

void print_report(const std::string& image, const sign::VerifyReport& report, bool json,
                  const std::string& outcome, const nlohmann::ordered_json& extra) {
    if (json) {
        nlohmann::ordered_json j;
        j["image"] = image;
        j["status"] = std::string(sign::name_of(report.status));
        j["findings"] = nlohmann::ordered_json::array();
        for (const auto& f : report.findings) {
            j["findings"].push_back({{"signature_id", f.signature_id},
                                     {"group", f.group},
                                     {"objects", f.objects},
                                     {"format", std::string(sign::name_of(f.format))},
                                     {"status", std::string(sign::name_of(f.status))},
                                     {"keyids", f.keyids},
                                     {"reason", f.reason},
                                     {"task", std::string(sign::name_of(f.task))},
                                     {"task_id", f.task_id},
                                     {"insecure", f.insecure},
                                     {"legacy_signatures", f.legacy_signatures}});
        }
        j["hints"] = hints(report);
        for (const auto& [field, value] : extra.items()) {
            j[field] = value;
        }
        print_json(j);
        return;
    }
    std::string text;
    bool insecure = false;
    for (const auto& f : report.findings) {
        text += text_line(f);
        insecure = insecure || f.insecure;
    }
    for (const std::string& hint : hints(report)) {
        text += "  hint: " + hint + "\n";
    }
    text += image + ": " + std::string(sign::name_of(report.status));
    if (insecure && report.status == sign::VerifyStatus::verified) {
        text += " (INSECURE legacy signatures: header and descriptors are not covered)";
    }
    text += '\n';
    if (!outcome.empty()) {
        text += outcome + '\n';
    }
    write_stdout(text);
}

int exit_code_for(sign::VerifyStatus status) {
    switch (status) {
        case sign::VerifyStatus::verified:
            return kExitOk;
        case sign::VerifyStatus::not_signed:
            return kExitNotSigned;
        case sign::VerifyStatus::untrusted:
            return kExitUntrusted;
        case sign::VerifyStatus::invalid:
            return kExitSignatureInvalid;
        case sign::VerifyStatus::refused:
            return kExitEclRefused;
    }
    return kExitSignatureInvalid;
}

}  // namespace sifkit::cli
