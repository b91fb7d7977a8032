// sifkit convert (alias: build): an OCI image or a root file system into a SIF image.
#include <chrono>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "output.hpp"
#include "progress_bar.hpp"
#include "sifkit/oci2sif/convert.hpp"
#include "sifkit/sif/error.hpp"
#include "time_option.hpp"

namespace sifkit::cli {
namespace {

struct ConvertCliOptions {
    std::string source;
    std::string output;
    std::string platform;
    std::string arch;
    std::string compression = "gzip";
    std::optional<int> level;
    std::string block_size = "128K";
    unsigned jobs = 0;
    std::vector<std::string> env;
    std::vector<std::string> labels;
    std::optional<std::string> entrypoint;
    std::optional<std::string> cmd;
    std::optional<std::string> workdir;
    std::optional<std::string> author;
    std::optional<std::string> user;
    std::string uuid;
    std::string format = "sif";
    bool keep_layers = false;
    bool force = false;
    bool quiet = false;
    bool json = false;
    TimeOption time;
};

// --entrypoint/--cmd take a JSON array ('["/bin/app","--flag"]') or a shell command line, which
// runs as ["/bin/sh","-c",LINE] (the shell form of a Dockerfile, as buildah config takes it).
std::vector<std::string> command_of(const std::string& text, const char* option) {
    if (!text.empty() && text.front() == '[') {
        const auto value = nlohmann::json::parse(text, nullptr, false);
        if (value.is_discarded() || !value.is_array()) {
            throw Error(ErrorKind::usage, std::string(option) + " is not a JSON array: " + text);
        }
        std::vector<std::string> out;
        for (const auto& item : value) {
            if (!item.is_string()) {
                throw Error(ErrorKind::usage, std::string(option) + " must list strings: " + text);
            }
            out.push_back(item.get<std::string>());
        }
        return out;
    }
    if (text.empty()) {
        return {};
    }
    return {"/bin/sh", "-c", text};
}

std::uint32_t parse_block_size(const std::string& text) {
    std::size_t used = 0;
    unsigned long value = 0;
    try {
        value = std::stoul(text, &used);
    } catch (const std::exception&) {
        throw Error(ErrorKind::usage, "--block-size is not a size: " + text);
    }
    const std::string suffix = text.substr(used);
    if (suffix == "K" || suffix == "k" || suffix == "KiB") {
        value *= 1024;
    } else if (suffix == "M" || suffix == "m" || suffix == "MiB") {
        value *= 1024 * 1024;
    } else if (!suffix.empty()) {
        throw Error(ErrorKind::usage, "--block-size has an unknown unit: " + text);
    }
    if (value > (1U << 20)) {
        throw Error(ErrorKind::usage, "--block-size is larger than 1M: " + text);
    }
    return static_cast<std::uint32_t>(value);
}

void run(const ConvertCliOptions& o) {
    oci2sif::ConvertOptions options;
    options.source = o.source;
    options.output = o.output;
    options.overwrite = o.force;
    if (o.format == "oci-sif") {
        options.format = oci2sif::OutputFormat::oci_sif;
    } else if (o.format != "sif") {
        throw Error(ErrorKind::usage, "--format must be sif or oci-sif, not " + o.format);
    }
    if (o.keep_layers && options.format != oci2sif::OutputFormat::oci_sif) {
        throw Error(ErrorKind::usage, "--keep-layers needs --format oci-sif");
    }
    options.keep_layers = o.keep_layers;
    if (!o.platform.empty()) {
        options.platform = o.platform;
    }
    options.architecture = o.arch;
    const auto compressor = oci2sif::parse_compressor(o.compression);
    if (!compressor) {
        throw Error(ErrorKind::usage,
                    "--compression must be gzip, zstd, xz, lz4 or lzo, not " + o.compression);
    }
    options.squashfs.compressor = *compressor;
    options.squashfs.level = o.level;
    options.squashfs.block_size = parse_block_size(o.block_size);
    options.squashfs.jobs = o.jobs;
    options.changes.env = o.env;
    options.changes.labels = o.labels;
    if (o.entrypoint) {
        options.changes.entrypoint = command_of(*o.entrypoint, "--entrypoint");
    }
    if (o.cmd) {
        options.changes.cmd = command_of(*o.cmd, "--cmd");
    }
    options.changes.working_dir = o.workdir;
    options.changes.author = o.author;
    options.changes.user = o.user;
    if (!o.uuid.empty()) {
        options.id = sif::Uuid::parse(o.uuid);
        if (!options.id) {
            throw Error(ErrorKind::usage, "--uuid is not a UUID: " + o.uuid);
        }
    }
    options.time = o.time.resolve();

    const auto start = std::chrono::steady_clock::now();
    ProgressBar progress(!o.quiet && !o.json);
    const oci2sif::ConvertResult result = oci2sif::convert(options, &progress);
    progress.clear();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (o.json) {
        nlohmann::ordered_json out;
        out["output"] = result.output.string();
        out["id"] = result.id.to_string();
        out["architecture"] = result.architecture;
        out["layers"] = result.layers;
        out["entries"] = result.entries;
        out["files"] = result.files;
        out["inodes"] = result.inodes;
        out["layers_read_twice"] = result.layers_read_twice;
        out["bytes_in"] = result.bytes_in;
        out["bytes_uncompressed"] = result.bytes_uncompressed;
        out["squashfs_bytes"] = result.squashfs_bytes;
        out["sif_bytes"] = result.sif_bytes;
        out["seconds"] = seconds;
        out["warnings"] = result.warnings;
        print_json(out);
        return;
    }
    if (!o.quiet) {
        char elapsed[32];
        std::snprintf(elapsed, sizeof elapsed, "%.1f s", seconds);
        write_stdout(result.output.string() + ": " + std::to_string(result.layers) + " layer(s), " +
                     std::to_string(result.inodes) + " inodes (" + std::to_string(result.files) +
                     " files), " + human_bytes(result.bytes_in) + " in, " +
                     human_bytes(result.sif_bytes) + " out, " + elapsed + "\n");
    }
}

}  // namespace

void register_convert(CLI::App& app) {
    auto o = std::make_shared<ConvertCliOptions>();
    CLI::App* cmd = app.add_subcommand(
        "convert", "Convert an OCI/Docker image or a root file system into a SIF image");
    cmd->alias("build");
    cmd->add_option("source", o->source,
                    "oci:DIR[:TAG] | oci-archive:FILE[:TAG] | docker-archive:FILE[:REPO:TAG] | "
                    "dir:ROOTFS | tar:FILE")
        ->required();
    cmd->add_option("output", o->output, "SIF image to write")->required();
    cmd->add_option(
        "--platform", o->platform,
        "os/arch[/variant] to pick from a multi-platform index (default: this machine)");
    cmd->add_option("--arch", o->arch, "Architecture of a dir:/tar: image (default: this machine)");
    cmd->add_option("--compression", o->compression, "gzip, zstd, xz, lz4 or lzo")
        ->capture_default_str();
    cmd->add_option("--level", o->level, "Compression level (default: the compressor's, gzip 9)");
    cmd->add_option("--block-size", o->block_size, "Squashfs block size, 4K..1M")
        ->capture_default_str();
    cmd->add_option("-j,--jobs", o->jobs, "Compression threads (default: every core)");
    cmd->add_option("--env", o->env, "Set NAME=VALUE in the image environment (repeatable)");
    cmd->add_option("--label", o->labels, "Set label KEY=VALUE (repeatable)");
    cmd->add_option("--entrypoint", o->entrypoint,
                    "Entrypoint: JSON array, or a shell command line");
    cmd->add_option("--cmd", o->cmd, "Default command: JSON array, or a shell command line");
    cmd->add_option("--workdir", o->workdir, "Working directory");
    cmd->add_option("--author", o->author, "Author recorded in the config");
    cmd->add_option("--user", o->user, "User recorded in the config");
    cmd->add_option("--uuid", o->uuid, "Image UUID (default: derived from the content)");
    cmd->add_option("--format", o->format,
                    "sif (Apptainer's layout) or oci-sif (SingularityCE 4's, run --oci)")
        ->capture_default_str();
    cmd->add_flag("--keep-layers", o->keep_layers,
                  "oci-sif: one squashfs layer per image layer instead of one squashed layer");
    cmd->add_flag("-f,--force", o->force, "Replace OUTPUT if it exists");
    cmd->add_flag("-q,--quiet", o->quiet, "No progress display and no summary");
    cmd->add_flag("--json", o->json, "Print the summary as JSON");
    o->time.add_to(*cmd);
    cmd->footer(
        "Examples:\n"
        "  sifkit convert docker-archive:app.tar app.sif\n"
        "  sifkit convert oci:layout:latest --platform linux/arm64 app-arm64.sif\n"
        "  sifkit convert --compression zstd --level 3 oci-archive:app.oci.tar app.sif\n"
        "  sifkit convert --env MODE=prod --cmd '[\"serve\"]' oci:layout app.sif\n"
        "  sifkit convert --format oci-sif docker-archive:app.tar app.oci.sif");
    cmd->callback([o] { run(*o); });
}

}  // namespace sifkit::cli
