// Registry pulls for pull, convert and build: options, verification (cosign signatures before
// anything is converted, SIF signatures before OUTPUT appears), summary.
#include "registry_pull.hpp"

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "exit_codes.hpp"
#include "io_progress.hpp"
#include "output.hpp"
#include "progress_bar.hpp"
#include "sifkit/registry/cosign.hpp"
#include "sifkit/registry/pull.hpp"
#include "sifkit/sif/atomic_file.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/image.hpp"
#include "sifkit/sign/certificate.hpp"
#include "sifkit/sign/cosign.hpp"
#include "sifkit/sign/verify.hpp"
#include "verify_report.hpp"

namespace sifkit::cli {
namespace {

nlohmann::ordered_json pull_summary_json(const registry::PullResult& r, double seconds) {
    nlohmann::ordered_json out;
    if (r.conversion) {
        add_conversion_json(out, *r.conversion);
    }
    out["reference"] = r.reference.to_string();
    out["manifest_digest"] = r.manifest_digest;
    out["sif_bytes"] = r.sif_bytes;
    out["blobs"] = r.blobs;
    out["blobs_from_cache"] = r.blobs_from_cache;
    out["blobs_downloaded"] = r.blobs_downloaded;
    out["blobs_resumed"] = r.blobs_resumed;
    out["bytes_downloaded"] = r.bytes_downloaded;
    out["requests"] = r.http.requests;
    out["retries"] = r.http.retries;
    out["seconds"] = seconds;
    out["warnings"] = r.conversion ? r.conversion->warnings : std::vector<std::string>{};
    return out;
}

std::string pull_summary_text(const registry::PullResult& r, const std::string& output,
                              double seconds) {
    std::string text = output + ": " + r.reference.to_string() + " (" + r.manifest_digest +
                       "): " + std::to_string(r.blobs) + " blob(s), " +
                       std::to_string(r.blobs_from_cache) + " from the cache, " +
                       human_bytes(r.bytes_downloaded) + " downloaded";
    if (r.conversion) {
        text += "; " + conversion_summary(*r.conversion, seconds)
                           .substr(r.conversion->output.string().size() + 2);
    } else {
        char elapsed[32];
        std::snprintf(elapsed, sizeof elapsed, "%.1f s", seconds);
        text += ", " + human_bytes(r.sif_bytes) + ", " + elapsed;
    }
    return text;
}

// Checks the image's cosign signatures before anything is converted; on success pins the pull
// to the digest they sign (a tag moved meanwhile cannot slip another image in) and records the
// digest and signature in the image's labels and definition file.
void check_cosign(const PullRequest& o, registry::PullOptions& options) {
    const registry::Reference ref = registry::Reference::parse(o.reference);
    if (ref.transport != registry::Transport::docker) {
        throw Error(ErrorKind::usage,
                    "--cosign-key checks docker:// images (cosign signs "
                    "registry images); for oras:// SIF files use --verify-key");
    }
    std::vector<sign::PublicKey> keys;
    for (const auto& path : o.cosign_keys) {
        keys.push_back(sign::PublicKey::load(path));
    }
    std::string subject;
    if (!o.cosign_certificate.empty()) {
        // A site PKI: the certificate's key is trusted only once the certificate chains to
        // the roots (X509_verify_cert), may sign code and is valid now.
        if (o.cosign_certificate_roots.empty()) {
            throw Error(ErrorKind::usage, "--cosign-certificate needs --cosign-certificate-roots");
        }
        sign::CertificateTrustOptions trust;
        trust.certificate = o.cosign_certificate;
        trust.roots = o.cosign_certificate_roots;
        trust.intermediates = o.cosign_certificate_intermediates;
        sign::CertificateVerdict certificate = sign::check_certificate(trust);
        if (certificate.status != sign::CertificateStatus::trusted || !certificate.key) {
            std::fprintf(stderr,
                         "sifkit: %s: cosign: certificate %s not trusted: %s; %s not written\n",
                         ref.to_string().c_str(), o.cosign_certificate.c_str(),
                         certificate.reason.c_str(), o.output.c_str());
            throw VerifyFailed{kExitUntrusted};
        }
        subject = certificate.subject;
        keys.push_back(std::move(*certificate.key));
    }
    std::vector<const sign::PublicKey*> trusted;
    for (const auto& key : keys) {
        trusted.push_back(&key);
    }
    const registry::CosignLookup lookup = registry::fetch_cosign_signatures(ref, options.client);
    std::vector<sign::CosignSignature> signatures;
    for (const auto& layer : lookup.signatures) {
        signatures.push_back({layer.payload, layer.signature});
    }
    const sign::CosignVerdict verdict = sign::verify_cosign(lookup.digest, signatures, trusted);
    if (verdict.outcome != sign::CosignVerdict::Outcome::verified) {
        // The one line of the failure, also with -q (quiet silences reports, not errors).
        std::fprintf(stderr, "sifkit: %s: cosign: %s; %s not written\n", ref.to_string().c_str(),
                     verdict.reason.c_str(), o.output.c_str());
        using Outcome = sign::CosignVerdict::Outcome;
        throw VerifyFailed{verdict.outcome == Outcome::not_signed ? 10
                           : verdict.outcome == Outcome::invalid  ? 11
                                                                  : 12};
    }
    options.reference = "docker://" + ref.registry + "/" + ref.repository +
                        (ref.tag.empty() ? "" : ":" + ref.tag) + "@" + lookup.digest;
    auto& labels = options.convert.changes.labels;
    labels.push_back("org.sifkit.cosign.manifest-digest=" + lookup.digest);
    labels.push_back("org.sifkit.cosign.key=" + verdict.key);
    if (!subject.empty()) {
        labels.push_back("org.sifkit.cosign.certificate-subject=" + subject);
    }
    labels.push_back("org.sifkit.cosign.signature=" + verdict.signature);
    labels.push_back("org.sifkit.cosign.payload=" + verdict.payload);
}

// pull --format oci-sif --with-cosign: the image copied as the registry stores it, so that the
// cosign signatures stored with it keep naming its manifest.
void run_stored_pull(const PullRequest& o, const registry::PullOptions& options) {
    if (o.convert.format != "oci-sif") {
        throw Error(ErrorKind::usage,
                    "--with-cosign writes an OCI-SIF: give --format oci-sif (the signatures name "
                    "the OCI manifest, which a SIF conversion does not keep)");
    }
    if (!o.verify_keys.empty() || !o.verify_keys_dir.empty()) {
        throw Error(ErrorKind::usage,
                    "--verify-key checks SIF signatures; an OCI-SIF's cosign signatures are "
                    "checked with --cosign-key, or later with verify --cosign");
    }
    const auto start = std::chrono::steady_clock::now();
    const registry::StoredPullResult result = registry::pull_oci_sif_as_stored(options);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (o.convert.json) {
        nlohmann::ordered_json out;
        out["reference"] = result.reference.to_string();
        out["manifest_digest"] = result.manifest_digest;
        out["output"] = o.output;
        out["cosign_signatures"] = result.signatures;
        out["sif_bytes"] = result.sif_bytes;
        print_json(out);
    } else if (!o.convert.quiet) {
        char elapsed[32];
        std::snprintf(elapsed, sizeof elapsed, "%.1f s", seconds);
        write_stdout(result.reference.to_string() + " (" + result.manifest_digest + ") -> " +
                     o.output + ": copied as stored with " + std::to_string(result.signatures) +
                     " cosign signature(s), " + human_bytes(result.sif_bytes) + ", " + elapsed +
                     "\n");
    }
}

}  // namespace

void run_pull(const PullRequest& o) {
    refuse_stdout_for_sif(o.output);
    registry::PullOptions options;
    options.reference = o.reference;
    options.convert.output = o.output;
    o.convert.apply(options.convert);
    options.client = o.registry.resolve();
    options.use_cache = !o.no_cache;
    options.jobs = std::max(1U, o.jobs);
    options.convert.definition = o.definition;
    options.convert.before_publish = o.before_publish;
    if (!o.cosign_keys.empty() || !o.cosign_certificate.empty()) {
        check_cosign(o, options);
    } else if (!o.cosign_certificate_roots.empty() || !o.cosign_certificate_intermediates.empty()) {
        throw Error(ErrorKind::usage,
                    "--cosign-certificate-roots and --cosign-certificate-intermediates go with "
                    "--cosign-certificate");
    }

    if (o.with_cosign) {
        run_stored_pull(o, options);
        return;
    }

    // With --verify-key the image is pulled to a temporary file next to OUTPUT, verified there,
    // and only then renamed to OUTPUT; any failure (or a signal) removes it.
    const bool verify = !o.verify_keys.empty() || !o.verify_keys_dir.empty();
    std::optional<sif::AtomicFile> staging;
    sign::TrustedKeys trusted;
    sign::VerifyOptions verify_options;
    if (verify) {
        VerifyCliOptions keys;
        keys.keys = o.verify_keys;
        keys.keys_dir = o.verify_keys_dir;
        std::optional<sign::Ecl> no_ecl;                 // pull has no --ecl
        verify_options = keys.resolve(trusted, no_ecl);  // bad keys fail before downloading
        staging.emplace(o.output,
                        o.convert.force ? sif::AtomicFile::Overwrite::replace
                                        : sif::AtomicFile::Overwrite::refuse,
                        0755);
        options.convert.output = staging->temporary_path();
        options.convert.overwrite = true;
    }

    const auto start = std::chrono::steady_clock::now();
    ProgressBar progress(!o.convert.quiet && !o.convert.json);
    // oras:// downloads one file and converts nothing: the bytes written show its progress.
    IoProgress download("pull " + o.reference, 0, IoProgress::Counter::written,
                        o.reference.starts_with("oras://") && !o.convert.quiet && !o.convert.json);
    registry::PullResult result = registry::pull(options, &progress);
    download.stop();
    progress.clear();
    if (result.conversion) {
        result.conversion->output = o.output;
    }
    if (verify) {
        const sif::Image image = sif::Image::open(staging->temporary_path());
        const sign::VerifyReport report = sign::verify_image(image, verify_options);
        if (report.status != sign::VerifyStatus::verified) {
            if (!o.convert.quiet) {
                print_report(o.output, report, o.convert.json, o.output + ": not written");
            }
            throw VerifyFailed{exit_code_for(report.status)};
        }
        staging->commit();
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (o.convert.json) {
        auto out = pull_summary_json(result, seconds);
        out["output"] = o.output;
        out["verified"] = verify;
        print_json(out);
    } else if (!o.convert.quiet) {
        write_stdout(pull_summary_text(result, o.output, seconds) + (verify ? "; verified" : "") +
                     "\n");
    }
}

void add_pull_options(CLI::App& command, PullRequest& request) {
    command
        .add_option("--downloads,-j,--jobs", request.jobs,
                    "Concurrent blob downloads (-j/--jobs: the old name; convert's -j is "
                    "compression threads, --compress-threads here)")
        ->capture_default_str();
    command.add_flag("--no-cache", request.no_cache,
                     "Do not use the blob cache ($SIFKIT_CACHEDIR, default ~/.cache/sifkit)");
    command.add_option("--cosign-key", request.cosign_keys,
                       "Convert a docker:// image only if its cosign signature verifies with this "
                       "public key (cosign.pub; repeatable)");
    command.add_option("--cosign-certificate", request.cosign_certificate,
                       "Convert a docker:// image only if its cosign signature verifies with this "
                       "certificate's key (PEM), the certificate chaining to "
                       "--cosign-certificate-roots");
    command.add_option("--cosign-certificate-roots", request.cosign_certificate_roots,
                       "PEM file of the trusted roots of --cosign-certificate");
    command.add_option("--cosign-certificate-intermediates",
                       request.cosign_certificate_intermediates,
                       "PEM pool of intermediates between --cosign-certificate and its roots");
    request.convert.add_to(command, "--compress-threads");
    request.registry.add_to(command);
}

bool is_registry_reference(std::string_view source) noexcept {
    return source.starts_with("docker://") || source.starts_with("oras://");
}

std::string default_pull_name(std::string_view reference) {
    std::string_view rest = reference.substr(
        reference.find("://") == std::string_view::npos ? 0 : reference.find("://") + 3);
    while (rest.ends_with('/')) {
        rest.remove_suffix(1);
    }
    std::string_view last =
        rest.substr(rest.rfind('/') == std::string_view::npos ? 0 : rest.rfind('/') + 1);
    std::string tag = "latest";
    // Apptainer splits at the first ':' and keeps the first of comma-separated tags; a digest
    // reference (name@sha256:HEX) thus becomes "name@sha256_HEX.sif", as there.
    if (const auto colon = last.find(':'); colon != std::string_view::npos) {
        tag = std::string(last.substr(colon + 1));
        tag = tag.substr(0, tag.find(':'));
        tag = tag.substr(0, tag.find(','));
        last = last.substr(0, colon);
    }
    return std::string(last) + "_" + tag + ".sif";
}

}  // namespace sifkit::cli
