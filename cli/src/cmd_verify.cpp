// sifkit verify / stage: check signatures against trusted keys; stage also copies the image,
// verifying the copy's bytes in the same read.
#include <sys/stat.h>

#include <iostream>

#include "commands.hpp"
#include "convert_options.hpp"
#include "cosign_oci_sif.hpp"
#include "exit_codes.hpp"
#include "io_progress.hpp"
#include "output.hpp"
#include "progress_bar.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/image.hpp"
#include "sifkit/sign/stage.hpp"
#include "sifkit/sign/stage_cache.hpp"
#include "verify_report.hpp"

namespace sifkit::cli {
namespace {

// The size of the image being staged (its descriptor may be a helper's, --source-fd).
std::uint64_t source_size(int fd) {
    struct stat st {};
    return ::fstat(fd, &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

struct StageCliOptions {
    std::string image;
    std::string destination;
    bool force = false;
    bool cache = false;
    std::string cache_dir;
    bool rehash = false;
    int source_fd = -1;
    std::string max_size;
    VerifyCliOptions verify;
    bool cosign = false;
};

constexpr const char* kRefusedBeforeCopy =
    "refused before copying: the header, descriptors and signatures decide it";

// The report of a cached stage, with what the cache did: lines of text, or JSON fields.
void print_cache_outcome(const std::string& image, const sign::CacheStageResult& result,
                         const std::string& link, const VerifyCliOptions& verify) {
    const std::string entry = result.entry.string();
    std::string text;
    if (!result.discarded.empty()) {
        text += "cache: discarded the copy in the cache: " + result.discarded + "\n";
    }
    if (result.copied && result.verified) {
        text += "cache: copied " + std::to_string(result.bytes_copied) + " bytes to " + entry;
    } else if (result.verified) {
        text += "cache: reused " + entry + " (verified again, nothing copied";
        if (result.source_verified) {
            text += "; this source file was new to the cache and was verified in place first";
        }
        text += result.waited ? "; waited for another sifkit stage of it)" : ")";
    }
    if (result.verified) {
        text += "\nstaged to " + (link.empty() ? entry : link + " -> " + entry);
    } else if (result.refused_before_copy) {
        text += std::string("not staged: ") + kRefusedBeforeCopy + "; the cache was not touched";
    } else {
        text += "not staged: nothing was added to the cache";
    }
    nlohmann::ordered_json fields;
    fields["staged_to"] = result.verified ? (link.empty() ? entry : link) : "";
    fields["cache"] = {{"entry", entry},
                       {"key", result.key},
                       {"copied", result.copied && result.verified},
                       {"bytes_copied", result.bytes_copied},
                       {"reused", result.verified && !result.copied},
                       {"waited", result.waited},
                       {"source_verified", result.source_verified},
                       {"discarded", result.discarded}};
    fields["refused_before_copy"] = result.refused_before_copy;
    verify.describe_certificate(text, fields);
    print_report(image, result.report, verify.json, text, fields);
}

}  // namespace

void register_verify(CLI::App& app) {
    auto o = std::make_shared<StageCliOptions>();
    CLI::App* cmd =
        app.add_subcommand("verify", "Verify an image's signatures against trusted keys");
    cmd->add_option("SIF_PATH", o->image, "Image to verify")->required();
    o->verify.add_to(*cmd);
    cmd->add_flag("--cosign", o->cosign,
                  "Check an OCI-SIF image's cosign signatures (as SingularityCE 4.3's verify "
                  "--cosign) with the --key public keys (cosign.pub)");
    cmd->footer(
        "Examples:\n  sifkit verify image.sif --key site-signing.pub\n"
        "  sifkit verify --cosign --key cosign.pub image.oci.sif\n"
        "  sifkit verify image.sif --keys-dir /etc/sifkit/keys --group 1 --json\n"
        "  sifkit verify image.sif --certificate signer.pem --certificate-roots root.pem "
        "--certificate-intermediates ca.pem --crl ca.crl");
    cmd->callback([o] {
        if (o->cosign) {
            if (!o->verify.keys_dir.empty() || !o->verify.groups.empty() ||
                !o->verify.objects.empty() || !o->verify.ecl.empty() || o->verify.legacy ||
                o->verify.certificate.given()) {
                throw Error(ErrorKind::usage,
                            "--cosign checks the whole OCI image against --key public keys only");
            }
            cosign_verify_oci_sif(o->image, o->verify.keys, o->verify.json);
            return;
        }
        sign::TrustedKeys keys;
        std::optional<sign::Ecl> ecl;
        sign::VerifyOptions options = o->verify.resolve(keys, ecl, o->image);
        const sif::Image image = sif::Image::open(o->image);
        if (ecl) {
            // Where Apptainer looks: the directory of the image's path, symbolic links resolved.
            options.ecl_directory = std::filesystem::canonical(o->image).parent_path();
        }
        IoProgress progress("verify " + o->image, file_size_or_zero(o->image),
                            IoProgress::Counter::read, true);
        const sign::VerifyReport report = sign::verify_image(image, options);
        progress.stop();
        std::string outcome;
        nlohmann::ordered_json fields = nlohmann::ordered_json::object();
        o->verify.describe_certificate(outcome, fields);
        print_report(o->image, report, o->verify.json, outcome, fields);
        if (report.status != sign::VerifyStatus::verified) {
            throw VerifyFailed{exit_code_for(report.status)};
        }
    });
}

void register_stage(CLI::App& app) {
    auto o = std::make_shared<StageCliOptions>();
    CLI::App* cmd = app.add_subcommand(
        "stage",
        "Copy an image to DEST or a node-local cache, verifying the copy in the same read");
    cmd->add_option("SIF_PATH", o->image, "Image to stage")->required();
    cmd->add_option("DEST", o->destination,
                    "Where the verified copy goes, a file or an existing directory (with a "
                    "cache: a symbolic link to the cached copy; optional)");
    cmd->add_flag("-f,--force", o->force, "Replace DEST if it exists (otherwise exit 6)");
    cmd->add_flag("--cache", o->cache,
                  "Stage into the per-node cache, $XDG_CACHE_HOME/sifkit/stage (default "
                  "~/.cache/sifkit/stage); a copy staged there before is only verified again");
    cmd->add_option("--cache-dir", o->cache_dir, "Stage into the cache in DIR (implies --cache)");
    cmd->add_flag("--rehash", o->rehash,
                  "With the cache: hash a cached copy again instead of using the digests "
                  "recorded when it was staged");
    cmd->add_option("--source-fd", o->source_fd,
                    "Read the image from open descriptor N; SIF_PATH only names it (for helpers "
                    "that open the image with a job user's permissions)");
    cmd->add_option("--max-size", o->max_size,
                    "Refuse images larger than SIZE (bytes, or K, M, G) before anything is "
                    "copied (exit 9)");
    o->verify.add_to(*cmd);
    cmd->footer(
        "Examples:\n  sifkit stage incoming/image.sif /srv/images/image.sif --key "
        "site-signing.pub\n  sifkit stage /shared/app.sif --cache-dir /local/sifkit "
        "--keys-dir /etc/sifkit/keys");
    cmd->callback([o] {
        // `stage IMAGE DIR/`: the copy goes into DIR under the image's name, as cp puts it.
        o->destination = output_in_directory(o->destination,
                                             std::filesystem::path(o->image).filename().string());
        sign::TrustedKeys keys;
        // A refused --certificate is reported like any refusal before the copy.
        o->verify.refusal_outcome = (o->destination.empty() ? std::string("not staged")
                                                            : o->destination + ": not written") +
                                    " (refused before copying: the certificate is not trusted)";
        o->verify.refusal_fields = {{"staged_to", ""}, {"refused_before_copy", true}};
        std::optional<sign::Ecl> ecl;
        sign::VerifyOptions options = o->verify.resolve(keys, ecl, o->image);
        const bool cached = o->cache || !o->cache_dir.empty();
        if (!cached && o->destination.empty()) {
            throw Error(ErrorKind::usage, "DEST is required without --cache or --cache-dir");
        }
        if (o->rehash && !cached) {
            throw Error(ErrorKind::usage, "--rehash needs --cache or --cache-dir");
        }
        const auto overwrite =
            o->force ? sif::AtomicFile::Overwrite::replace : sif::AtomicFile::Overwrite::refuse;
        sign::StageLimits limits;
        if (!o->max_size.empty()) {
            limits.max_size = parse_size(o->max_size, "--max-size");
        }
        const sign::StageSource source = o->source_fd >= 0
                                             ? sign::StageSource::adopt(o->source_fd, o->image)
                                             : sign::StageSource::open(o->image);
        if (ecl) {
            // The directory of the file actually read, even when it came as a descriptor.
            options.ecl_directory = sign::directory_of_open_file(source.fd());
        }
        if (!cached) {
            IoProgress progress("stage " + o->image, source_size(source.fd()),
                                IoProgress::Counter::read, true);
            const sign::StageResult result =
                sign::stage_image(source, o->destination, options, overwrite, limits);
            progress.stop();
            std::string outcome = "staged to " + o->destination;
            if (!result.written) {
                outcome = o->destination + ": not written" +
                          (result.refused_before_copy ? std::string(" (") + kRefusedBeforeCopy + ")"
                                                      : std::string());
            }
            nlohmann::ordered_json fields = {{"staged_to", result.written ? o->destination : ""},
                                             {"refused_before_copy", result.refused_before_copy}};
            o->verify.describe_certificate(outcome, fields);
            print_report(o->image, result.report, o->verify.json, outcome, fields);
            if (!result.written) {
                throw VerifyFailed{exit_code_for(result.report.status)};
            }
            return;
        }
        // The default directory is the user's own (~/.cache/sifkit/stage): create what is
        // missing of it. A directory given is created only when its parent exists.
        const sign::StageCache cache = o->cache_dir.empty()
                                           ? sign::StageCache(sign::StageCache::default_dir(),
                                                              sign::StageCache::Parents::create)
                                           : sign::StageCache(o->cache_dir);
        sign::CacheStageOptions cache_options;
        cache_options.rehash = o->rehash;
        cache_options.limits = limits;
        cache_options.on_wait = [&] {
            clear_status_line();
            std::cerr << "sifkit: " << o->image
                      << ": another sifkit stage is staging this image; waiting for it\n";
        };
        IoProgress progress("stage " + o->image, source_size(source.fd()),
                            IoProgress::Counter::read, true);
        const sign::CacheStageResult result = cache.stage(source, options, cache_options);
        progress.stop();
        if (result.verified && !o->destination.empty()) {
            sign::link_staged_copy(result.entry, o->destination, overwrite);
        }
        print_cache_outcome(o->image, result, o->destination, o->verify);
        if (!result.verified) {
            throw VerifyFailed{exit_code_for(result.report.status)};
        }
    });
}

}  // namespace sifkit::cli
