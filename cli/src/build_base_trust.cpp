#include "build_base_trust.hpp"

#include <iostream>

#include "exit_codes.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/text.hpp"
#include "sifkit/sign/keyring.hpp"
#include "sifkit/sign/verify.hpp"
#include "verify_report.hpp"

namespace sifkit::cli {
namespace {

bool has_signatures(const sif::Image& image) {
    for (const auto& descriptor : image.objects()) {
        if (descriptor.type() == sif::DataType::signature) {
            return true;
        }
    }
    return false;
}

// The first reason a report gives, for a one-line message.
std::string first_reason(const sign::VerifyReport& report) {
    for (const auto& finding : report.findings) {
        if (finding.status != sign::VerifyStatus::verified && !finding.reason.empty()) {
            return finding.reason;
        }
    }
    return std::string(sign::name_of(report.status));
}

}  // namespace

void check_base_signatures(const sif::Image& image, const std::string& name,
                           const oci2sif::Definition& definition) {
    const sign::PgpKeyring keyring(sign::PgpKeyring::default_dir());
    if (definition.fingerprints.empty()) {
        if (!has_signatures(image)) {
            return;
        }
        const std::vector<sign::PgpCertificate> known = keyring.list();
        sign::VerifyOptions options;
        for (const auto& certificate : known) {
            options.pgp_keys.push_back(&certificate);
        }
        const sign::VerifyReport report = sign::verify_image(image, options);
        if (report.status != sign::VerifyStatus::verified) {
            std::cerr << "sifkit: warning: " << name << ": the base image's signatures do not "
                      << "verify with the keyring " << keyring.dir().string() << " ("
                      << first_reason(report) << "); the build continues (a \"Fingerprints:\" "
                      << "header makes this an error)\n";
        }
        return;
    }
    const std::string where = definition.where(definition.fingerprints_line);
    std::vector<sign::PgpCertificate> wanted;
    for (const auto& fingerprint : definition.fingerprints) {
        try {
            for (auto& certificate : keyring.find(fingerprint)) {
                wanted.push_back(std::move(certificate));
            }
        } catch (const Error&) {
            throw Error(ErrorKind::not_found,
                        "key " + fingerprint + " of \"Fingerprints:\" is not in the keyring " +
                            keyring.dir().string() + " (sifkit key import it first)",
                        where);
        }
    }
    sign::VerifyOptions options;
    for (const auto& certificate : wanted) {
        options.pgp_keys.push_back(&certificate);
    }
    options.required_keys = sign::RequiredKeys::all;
    const sign::VerifyReport report = sign::verify_image(image, options);
    if (report.status != sign::VerifyStatus::verified) {
        std::cerr << "sifkit: " << where << ": the base image " << name
                  << " is not signed by every key of \"Fingerprints: "
                  << sif::join(definition.fingerprints) << "\" (" << first_reason(report)
                  << "); nothing was written\n";
        throw ReportedFailure{exit_code_for(report.status)};
    }
}

}  // namespace sifkit::cli
