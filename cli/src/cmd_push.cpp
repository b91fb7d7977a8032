// sifkit push: a SIF file to a registry as an ORAS artifact (oras://), as Apptainer pushes it;
// with --format oci, the image as an ordinary OCI image (docker://) through the OCI export.
#include <stdlib.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "convert_options.hpp"
#include "io_progress.hpp"
#include "output.hpp"
#include "progress_bar.hpp"
#include "registry_options.hpp"
#include "sifkit/registry/push.hpp"
#include "sifkit/rootfs/oci_export.hpp"
#include "sifkit/sif/error.hpp"

namespace sifkit::cli {
namespace {

struct PushCommand {
    std::string image;
    std::string reference;
    std::string format = "sif";
    std::string chunk_size = "64M";
    std::vector<std::string> mount_from;
    bool no_cache = false;
    bool quiet = false;
    bool json = false;
    RegistryCliOptions registry;
};

const char* outcome_name(registry::UploadOutcome outcome) {
    switch (outcome) {
        case registry::UploadOutcome::present:
            return "present";
        case registry::UploadOutcome::mounted:
            return "mounted";
        case registry::UploadOutcome::uploaded:
            return "uploaded";
    }
    return "uploaded";
}

// A private directory under $TMPDIR, removed with everything in it when the push ends.
class ScratchDirectory {
  public:
    ScratchDirectory() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "sifkit-push.XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw_errno("cannot create a temporary directory", pattern);
        }
        path_ = pattern;
    }
    ~ScratchDirectory() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    ScratchDirectory(const ScratchDirectory&) = delete;
    ScratchDirectory& operator=(const ScratchDirectory&) = delete;
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

// The SIF image exported as a one-layer OCI layout in a scratch directory, then pushed.
registry::PushResult push_as_oci(const registry::PushOptions& options) {
    registry::oci_push_reference(options.reference);  // refused before the export, not after
    const sif::Image image = sif::Image::open(options.image);
    const ScratchDirectory scratch;
    rootfs::OciExportOptions exported;
    exported.format = rootfs::OciFormat::layout;
    rootfs::export_oci(image, scratch.path() / "layout", exported);
    return registry::push_oci_layout(scratch.path() / "layout", options);
}

void run(const PushCommand& o) {
    registry::PushOptions options;
    options.image = o.image;
    options.reference = o.reference;
    if (o.format != "sif" && o.format != "oci") {
        throw Error(ErrorKind::usage, "--format must be sif or oci, not " + o.format);
    }
    options.client = o.registry.resolve();
    options.chunk_size = parse_size(o.chunk_size, "--chunk-size");
    if (options.chunk_size == 0) {
        throw Error(ErrorKind::usage, "--chunk-size must not be 0");
    }
    options.mount_from = o.mount_from;
    options.use_cache = !o.no_cache;
    // The file is read to be hashed and again to be sent (unless the registry has it): no total.
    IoProgress progress("push " + o.image, 0, IoProgress::Counter::read, !o.quiet && !o.json);
    const registry::PushResult r =
        o.format == "oci" ? push_as_oci(options) : registry::push(options);
    progress.stop();
    if (o.json) {
        nlohmann::ordered_json out;
        out["image"] = o.image;
        out["reference"] = r.reference.to_string();
        out["manifest_digest"] = r.manifest_digest;
        out["blob_digest"] = r.blob_digest;
        out["size"] = r.size;
        out["blobs"] = r.blobs;
        out["blob"] = outcome_name(r.outcome);
        out["bytes_uploaded"] = r.http.bytes_uploaded;
        out["requests"] = r.http.requests;
        out["retries"] = r.http.retries;
        print_json(out);
    } else if (!o.quiet) {
        const std::string what =
            r.blobs == 1 ? " blob " : " in " + std::to_string(r.blobs) + " blobs, largest ";
        write_stdout(o.image + ": pushed to " + r.reference.to_string() + " (" + r.manifest_digest +
                     "), " + human_bytes(r.size) + what + outcome_name(r.outcome) + "\n");
    }
}

}  // namespace

void register_push(CLI::App& app) {
    auto o = std::make_shared<PushCommand>();
    CLI::App* cmd = app.add_subcommand(
        "push",
        "Push a SIF file to a registry as an ORAS artifact (oras://HOST/REPO:TAG), or as an OCI "
        "image (--format oci, docker://HOST/REPO:TAG)");
    cmd->add_option("IMAGE", o->image, "SIF image to push")->required();
    cmd->add_option("REFERENCE", o->reference,
                    "oras://HOST[:PORT]/REPO[:TAG], or docker://... with --format oci")
        ->required();
    cmd->add_option("--format", o->format,
                    "sif (an ORAS artifact, the default) or oci (the root file system as a "
                    "one-layer OCI image, config from the image's)")
        ->capture_default_str();
    cmd->add_option("--chunk-size", o->chunk_size,
                    "Upload larger files in PATCH chunks of this size")
        ->capture_default_str();
    cmd->add_option("--mount-from", o->mount_from,
                    "Repository of the same registry that may hold the blob (repeatable)");
    cmd->add_flag("--no-cache", o->no_cache, "Do not read or record mount sources in the cache");
    cmd->add_flag("-q,--quiet", o->quiet, "No summary");
    cmd->add_flag("--json", o->json, "Print the summary as JSON");
    o->registry.add_to(*cmd);
    cmd->footer(
        "Examples:\n"
        "  sifkit push app.sif oras://registry.example/hpc/app:v2\n"
        "  sifkit push --format oci app.sif docker://registry.example/hpc/app:v2\n"
        "  sifkit push --creds ci:$TOKEN app.sif oras://127.0.0.1:5000/app:latest --insecure");
    cmd->callback([o] { run(*o); });
}

}  // namespace sifkit::cli
