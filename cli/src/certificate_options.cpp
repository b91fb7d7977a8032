// X.509 options: parsing and the verdict's report; the checks themselves are sign::.
#include "certificate_options.hpp"

#include "exit_codes.hpp"
#include "sifkit/sif/error.hpp"
#include "verify_report.hpp"

namespace sifkit::cli {

void CertificateCliOptions::add_signing_to(CLI::App& command) {
    auto* cert = command.add_option(
        "--certificate", certificate,
        "X.509 certificate (PEM) of --key: checked for code signing and validity; the image "
        "stores the DSSE signature only, as Apptainer's does");
    command
        .add_option("--certificate-intermediates", intermediates,
                    "PEM pool: the certificate must be issued by one of these")
        ->needs(cert);
}

void CertificateCliOptions::add_to(CLI::App& command) {
    auto* cert = command.add_option(
        "--certificate", certificate,
        "Trust the key of this X.509 certificate (PEM) once it chains to --certificate-roots");
    command.add_option("--certificate-roots", roots, "PEM file of trusted root certificates")
        ->needs(cert);
    command
        .add_option("--certificate-intermediates", intermediates,
                    "PEM pool of intermediate certificates for building the chain")
        ->needs(cert);
    command
        .add_option("--crl", crls,
                    "PEM CRL(s) of the certificate's issuer; the certificate must not be revoked "
                    "(repeatable)")
        ->needs(cert);
    command
        .add_flag(
            "--ocsp-verify", ocsp,
            "Ask the OCSP responders named in the chain; no verified answer refuses (exit 13)")
        ->needs(cert);
}

nlohmann::ordered_json CertificateCliOptions::trust(const std::string& image, bool json,
                                                    sign::TrustedKeys& keys,
                                                    const std::string& outcome,
                                                    const nlohmann::ordered_json& extra) const {
    if (roots.empty()) {
        throw Error(ErrorKind::usage,
                    "--certificate needs --certificate-roots (sifkit does not trust the system's "
                    "web roots for code signing)");
    }
    sign::CertificateTrustOptions options;
    options.certificate = certificate;
    options.roots = roots;
    options.intermediates = intermediates;
    options.crls.assign(crls.begin(), crls.end());
    options.ocsp = ocsp;
    sign::CertificateVerdict verdict = sign::check_certificate(options);
    if (verdict.status == sign::CertificateStatus::trusted) {
        nlohmann::ordered_json leaf = {
            {"path", certificate}, {"subject", verdict.subject}, {"keyid", verdict.key->keyid()}};
        keys.add(std::move(*verdict.key), verdict.subject);
        return leaf;
    }
    sign::SignatureFinding finding;
    finding.task = sign::TaskKind::image;
    finding.format = sign::SignatureFormat::x509;
    finding.status = sign::VerifyStatus::untrusted;
    finding.reason = certificate + ": " + verdict.reason;
    sign::VerifyReport report;
    report.add(std::move(finding));
    nlohmann::ordered_json fields = extra;
    fields["certificate"] = {{"path", certificate}, {"subject", verdict.subject}};
    print_report(image, report, json, outcome, fields);
    throw VerifyFailed{verdict.status == sign::CertificateStatus::revocation_unknown
                           ? kExitRevocationUnknown
                           : kExitUntrusted};
}

}  // namespace sifkit::cli
