// sifkit push: a SIF file to a registry as an ORAS artifact (oras://), as Apptainer pushes it.
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "convert_options.hpp"
#include "output.hpp"
#include "progress_bar.hpp"
#include "registry_options.hpp"
#include "sifkit/registry/push.hpp"
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

void run(const PushCommand& o) {
    registry::PushOptions options;
    options.image = o.image;
    options.reference = o.reference;
    if (o.format == "oci") {
        options.format = registry::PushFormat::oci;
    } else if (o.format != "sif") {
        throw Error(ErrorKind::usage, "--format must be sif or oci, not " + o.format);
    }
    options.client = o.registry.resolve();
    options.chunk_size = parse_size(o.chunk_size, "--chunk-size");
    if (options.chunk_size == 0) {
        throw Error(ErrorKind::usage, "--chunk-size must not be 0");
    }
    options.mount_from = o.mount_from;
    options.use_cache = !o.no_cache;
    const registry::PushResult r = registry::push(options);
    if (o.json) {
        nlohmann::ordered_json out;
        out["image"] = o.image;
        out["reference"] = r.reference.to_string();
        out["manifest_digest"] = r.manifest_digest;
        out["blob_digest"] = r.blob_digest;
        out["size"] = r.size;
        out["blob"] = outcome_name(r.outcome);
        out["bytes_uploaded"] = r.http.bytes_uploaded;
        out["requests"] = r.http.requests;
        out["retries"] = r.http.retries;
        print_json(out);
    } else if (!o.quiet) {
        write_stdout(o.image + ": pushed to " + r.reference.to_string() + " (" + r.manifest_digest +
                     "), " + human_bytes(r.size) + " blob " + outcome_name(r.outcome) + "\n");
    }
}

}  // namespace

void register_push(CLI::App& app) {
    auto o = std::make_shared<PushCommand>();
    CLI::App* cmd = app.add_subcommand(
        "push", "Push a SIF file to a registry as an ORAS artifact (oras://HOST/REPO:TAG)");
    cmd->add_option("image", o->image, "SIF image to push")->required();
    cmd->add_option("reference", o->reference, "oras://HOST[:PORT]/REPO[:TAG]")->required();
    cmd->add_option("--format", o->format,
                    "sif (an ORAS artifact, the default) or oci (not yet available)")
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
        "Exit codes: 0 pushed; 2 usage; 3 network or I/O error; 4 not a SIF file;\n"
        "7 unsupported (--format oci); 8 access denied.\n"
        "Examples:\n"
        "  sifkit push app.sif oras://registry.example/hpc/app:v2\n"
        "  sifkit push --creds ci:$TOKEN app.sif oras://127.0.0.1:5000/app:latest --insecure");
    cmd->callback([o] { run(*o); });
}

}  // namespace sifkit::cli
