// sifkit pull: an image from a registry into a SIF file (docker:// images are converted, oras://
// SIF artifacts downloaded); --verify-key checks the signatures before OUTPUT appears, and
// --cosign-key the publisher's cosign signature before anything is converted.
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "convert_options.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "progress_bar.hpp"
#include "registry_options.hpp"
#include "sifkit/registry/cosign.hpp"
#include "sifkit/registry/pull.hpp"
#include "sifkit/sif/atomic_file.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/image.hpp"
#include "sifkit/sign/cosign.hpp"
#include "sifkit/sign/verify.hpp"
#include "verify_report.hpp"

namespace sifkit::cli {
namespace {

struct PullCommand {
    std::string reference;
    std::string output;
    unsigned jobs = 4;
    bool no_cache = false;
    std::vector<std::string> verify_keys;
    std::string verify_keys_dir;
    std::vector<std::string> cosign_keys;
    ConvertCliOptions convert;
    RegistryCliOptions registry;
};

nlohmann::ordered_json summary_json(const registry::PullResult& r, double seconds) {
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

std::string summary_text(const registry::PullResult& r, const std::string& output, double seconds) {
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
void check_cosign(const PullCommand& o, registry::PullOptions& options) {
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
    labels.push_back("org.sifkit.cosign.signature=" + verdict.signature);
    labels.push_back("org.sifkit.cosign.payload=" + verdict.payload);
}

void run(const PullCommand& o) {
    registry::PullOptions options;
    options.reference = o.reference;
    options.convert.output = o.output;
    o.convert.apply(options.convert);
    options.client = o.registry.resolve();
    if (!o.cosign_keys.empty()) {
        check_cosign(o, options);
    }
    options.use_cache = !o.no_cache;
    options.jobs = std::max(1U, o.jobs);

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
    registry::PullResult result = registry::pull(options, &progress);
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
        auto out = summary_json(result, seconds);
        out["output"] = o.output;
        out["verified"] = verify;
        print_json(out);
    } else if (!o.convert.quiet) {
        write_stdout(summary_text(result, o.output, seconds) + (verify ? "; verified" : "") + "\n");
    }
}

}  // namespace

void register_pull(CLI::App& app) {
    auto o = std::make_shared<PullCommand>();
    CLI::App* cmd = app.add_subcommand(
        "pull", "Pull an image from a registry into a SIF file (docker:// or oras://)");
    cmd->add_option("reference", o->reference,
                    "docker://[HOST[:PORT]/]REPO[:TAG|@DIGEST] | oras://HOST/REPO[:TAG|@DIGEST]")
        ->required();
    cmd->add_option("output", o->output, "SIF image to write")->required();
    cmd->add_option("-j,--jobs", o->jobs, "Concurrent blob downloads")->capture_default_str();
    cmd->add_flag("--no-cache", o->no_cache,
                  "Do not use the blob cache ($SIFKIT_CACHEDIR, default ~/.cache/sifkit)");
    cmd->add_option("--verify-key", o->verify_keys,
                    "Write OUTPUT only if a signature by this key verifies (repeatable)");
    cmd->add_option("--verify-keys-dir", o->verify_keys_dir,
                    "Write OUTPUT only if a signature by a key in this directory verifies");
    cmd->add_option("--cosign-key", o->cosign_keys,
                    "Convert a docker:// image only if its cosign signature verifies with this "
                    "public key (cosign.pub; repeatable)");
    o->convert.add_to(*cmd, "--compress-threads");
    o->registry.add_to(*cmd);
    cmd->footer(
        "Exit codes: 0 pulled; 2 usage; 3 network or I/O error; 4 corrupt image (digest, size);\n"
        "5 no such image, tag or platform; 6 OUTPUT exists; 7 unsupported; 8 access denied;\n"
        "10, 11, 12 --verify-key, --cosign-key: not signed, invalid, untrusted (OUTPUT not "
        "written).\n"
        "Examples:\n"
        "  sifkit pull docker://debian:bookworm debian.sif\n"
        "  sifkit pull --platform linux/arm64 docker://quay.io/team/app@sha256:... app.sif\n"
        "  sifkit pull --insecure docker://127.0.0.1:5000/app:v2 app.sif\n"
        "  sifkit pull --verify-key site.pub oras://registry.example/hpc/app:v2 app.sif\n"
        "  sifkit pull --cosign-key cosign.pub docker://registry.example/hpc/app:v2 app.sif");
    cmd->callback([o] { run(*o); });
}

}  // namespace sifkit::cli
