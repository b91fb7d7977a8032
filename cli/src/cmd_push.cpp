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
#include "sifkit/oci/cosign_names.hpp"
#include "sifkit/oci/image_layout.hpp"
#include "sifkit/oci/media_types.hpp"
#include "sifkit/registry/push.hpp"
#include "sifkit/rootfs/oci_export.hpp"
#include "sifkit/rootfs/oci_sif.hpp"
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
    bool with_cosign = false;
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

// The OCI-SIF's cosign signature manifest as a one-image OCI layout at `layout`: its config,
// its payload layers and the manifest, byte for byte (so that its digest, and the signatures,
// stay what the OCI-SIF holds).
void export_cosign_signatures(const sif::Image& image, const rootfs::OciBlob& manifest,
                              const std::filesystem::path& layout) {
    std::filesystem::create_directories(layout / "blobs" / "sha256");
    std::vector<rootfs::OciBlob> blobs = rootfs::cosign_signature_blobs(image, manifest);
    blobs.push_back(manifest);
    for (const rootfs::OciBlob& blob : blobs) {
        write_file_atomically(layout / oci::layout_blob_path(blob.digest),
                              rootfs::read_oci_document(image, blob), 0644, true);
    }
    const nlohmann::ordered_json index{{"schemaVersion", 2},
                                       {"manifests",
                                        {{{"mediaType", oci::media::kOciManifest},
                                          {"size", manifest.size},
                                          {"digest", manifest.digest}}}}};
    write_file_atomically(layout / "index.json", index.dump(), 0644, true);
    write_file_atomically(layout / oci::kLayoutMarkerFile, oci::kLayoutMarker, 0644, true);
}

// The SIF image exported as a one-layer OCI layout in a scratch directory, then pushed. With
// --with-cosign (an OCI-SIF whose image is pushed as it is stored), its cosign signature
// manifest follows under the tag sha256-<hex>.sig of the same repository, where cosign and
// SingularityCE look for it; `cosign_tag` is set to that reference.
registry::PushResult push_as_oci(const registry::PushOptions& options, bool with_cosign,
                                 std::string& cosign_tag) {
    const registry::Reference ref = registry::oci_push_reference(options.reference);
    const sif::Image image = sif::Image::open(options.image);
    std::optional<rootfs::OciBlob> signatures;
    std::string image_digest;
    if (with_cosign) {
        if (!rootfs::is_oci_sif(image)) {
            throw Error(ErrorKind::usage,
                        "--with-cosign pushes the cosign signatures of an OCI-SIF image; this "
                        "is not one",
                        options.image.string());
        }
        const rootfs::OciSifImage oci = rootfs::read_oci_sif(image);
        image_digest = oci.manifest.digest;
        signatures = rootfs::find_cosign_signature_manifest(image, oci);
        if (!signatures) {
            throw Error(ErrorKind::not_found,
                        "--with-cosign: no cosign signature for " + image_digest +
                            " (sign it with sign --cosign)",
                        options.image.string());
        }
    }
    const ScratchDirectory scratch;
    rootfs::OciExportOptions exported;
    exported.format = rootfs::OciFormat::layout;
    rootfs::export_oci(image, scratch.path() / "layout", exported);
    if (signatures) {
        // Before anything is uploaded: a signature manifest we cannot read stops the push.
        export_cosign_signatures(image, *signatures, scratch.path() / "signatures");
    }
    registry::PushResult result = registry::push_oci_layout(scratch.path() / "layout", options);
    if (signatures) {
        if (result.manifest_digest != image_digest) {
            throw Error(ErrorKind::internal,
                        "the pushed manifest is " + result.manifest_digest + ", not the signed " +
                            image_digest,
                        options.image.string());
        }
        registry::PushOptions signature_options = options;
        signature_options.reference = "docker://" + ref.registry + "/" + ref.repository + ":" +
                                      oci::cosign_signature_tag(image_digest);
        registry::push_oci_layout(scratch.path() / "signatures", signature_options);
        cosign_tag = signature_options.reference;
    }
    return result;
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
    if (o.with_cosign && o.format != "oci") {
        throw Error(ErrorKind::usage,
                    "--with-cosign goes with --format oci (cosign signs OCI images)");
    }
    std::string cosign_tag;
    // The file is read to be hashed and again to be sent (unless the registry has it): no total.
    IoProgress progress("push " + o.image, 0, IoProgress::Counter::read, !o.quiet && !o.json);
    const registry::PushResult r = o.format == "oci"
                                       ? push_as_oci(options, o.with_cosign, cosign_tag)
                                       : registry::push(options);
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
        if (!cosign_tag.empty()) {
            out["cosign_signatures"] = cosign_tag;
        }
        print_json(out);
    } else if (!o.quiet) {
        const std::string what =
            r.blobs == 1 ? " blob " : " in " + std::to_string(r.blobs) + " blobs, largest ";
        write_stdout(o.image + ": pushed to " + r.reference.to_string() + " (" + r.manifest_digest +
                     "), " + human_bytes(r.size) + what + outcome_name(r.outcome) + "\n");
        if (!cosign_tag.empty()) {
            write_stdout(o.image + ": cosign signatures pushed to " + cosign_tag + "\n");
        }
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
    cmd->add_flag("--with-cosign", o->with_cosign,
                  "With --format oci, an OCI-SIF image: push its cosign signatures too, under "
                  "the tag sha256-<hex>.sig (as SingularityCE 4.3's push --with-cosign)");
    cmd->add_flag("-q,--quiet", o->quiet, "No summary");
    cmd->add_flag("--json", o->json, "Print the summary as JSON");
    o->registry.add_to(*cmd);
    cmd->footer(
        "Examples:\n"
        "  sifkit push app.sif oras://registry.example/hpc/app:v2\n"
        "  sifkit push --format oci app.sif docker://registry.example/hpc/app:v2\n"
        "  sifkit push --format oci --with-cosign app.oci.sif "
        "docker://registry.example/hpc/app:v2\n"
        "  sifkit push --creds ci:$TOKEN app.sif oras://127.0.0.1:5000/app:latest --insecure");
    cmd->callback([o] { run(*o); });
}

}  // namespace sifkit::cli
