// Options shared by `sifkit convert` and `sifkit pull`.
#include "convert_options.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>

#include <chrono>

#include "output.hpp"
#include "progress_bar.hpp"
#include "sifkit/sif/error.hpp"

namespace sifkit::cli {
namespace {

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

}  // namespace

std::uint64_t parse_size(const std::string& text, const std::string& option) {
    std::size_t used = 0;
    unsigned long long value = 0;
    // stoull would take "-5" as 2^64 - 5 (and skip leading blanks): a size starts with a digit.
    if (text.empty() || text[0] < '0' || text[0] > '9') {
        throw Error(ErrorKind::usage, option + " is not a size: " + text);
    }
    try {
        value = std::stoull(text, &used);
    } catch (const std::exception&) {
        throw Error(ErrorKind::usage, option + " is not a size: " + text);
    }
    const std::string suffix = text.substr(used);
    unsigned long long unit = 1;
    if (suffix == "K" || suffix == "k" || suffix == "KiB") {
        unit = 1ULL << 10;
    } else if (suffix == "M" || suffix == "m" || suffix == "MiB") {
        unit = 1ULL << 20;
    } else if (suffix == "G" || suffix == "g" || suffix == "GiB") {
        unit = 1ULL << 30;
    } else if (!suffix.empty()) {
        throw Error(ErrorKind::usage, option + " has an unknown unit: " + text);
    }
    if (value > (1ULL << 50) / unit) {
        throw Error(ErrorKind::usage, option + " is too large: " + text);
    }
    return value * unit;
}

void ConvertCliOptions::add_to(CLI::App& command, const std::string& threads_option) {
    command.add_option(
        "--platform", platform,
        "os/arch[/variant] to pick from a multi-platform index (default: this machine)");
    command.add_option("--compression", compression, "gzip, zstd, xz, lz4 or lzo")
        ->capture_default_str();
    command.add_option("--level", level, "Compression level (default: the compressor's, gzip 9)");
    command.add_option("--block-size", block_size, "Squashfs block size, 4K..1M")
        ->capture_default_str();
    command.add_option(threads_option, threads,
                       "Squashfs compression threads (default: every core)");
    command.add_option("--env", env, "Set NAME=VALUE in the image environment (repeatable)");
    command.add_option("--label", labels, "Set label KEY=VALUE (repeatable)");
    command.add_option("--entrypoint", entrypoint,
                       "Entrypoint: JSON array, or a shell command line");
    command.add_option("--cmd", cmd, "Default command: JSON array, or a shell command line");
    command.add_option("--workdir", workdir, "Working directory");
    command.add_option("--author", author, "Author recorded in the config");
    command.add_option("--user", user, "User recorded in the config");
    command.add_option("--uuid", uuid, "Image UUID (default: derived from the content)");
    command
        .add_option("--format", format,
                    "sif (Apptainer's layout) or oci-sif (SingularityCE 4's, run --oci)")
        ->capture_default_str();
    command.add_flag("--keep-layers", keep_layers,
                     "oci-sif: one squashfs layer per image layer instead of one squashed layer");
    command
        .add_option("--max-entries", max_entries,
                    "Refuse an image with more entries (files, directories, links, whiteouts; "
                    "all layers) or paths; bounds memory, about 300 bytes an entry; 0: no limit")
        ->capture_default_str();
    command.add_flag("-f,--force", force, "Replace OUTPUT if it exists");
    command.add_flag("-q,--quiet", quiet, "No progress display and no summary");
    command.add_flag("--json", json, "Print the summary as JSON");
    time.add_to(command);
}

void ConvertCliOptions::apply(oci2sif::ConvertOptions& options) const {
    options.overwrite = force;
    if (format == "oci-sif") {
        options.format = oci2sif::OutputFormat::oci_sif;
    } else if (format != "sif") {
        throw Error(ErrorKind::usage, "--format must be sif or oci-sif, not " + format);
    }
    if (keep_layers && options.format != oci2sif::OutputFormat::oci_sif) {
        throw Error(ErrorKind::usage, "--keep-layers needs --format oci-sif");
    }
    options.keep_layers = keep_layers;
    options.max_entries = max_entries;
    if (!platform.empty()) {
        options.platform = platform;
    }
    const auto compressor = oci2sif::parse_compressor(compression);
    if (!compressor) {
        throw Error(ErrorKind::usage,
                    "--compression must be gzip, zstd, xz, lz4 or lzo, not " + compression);
    }
    options.squashfs.compressor = *compressor;
    options.squashfs.level = level;
    options.squashfs.block_size =
        oci2sif::checked_block_size(parse_size(block_size, "--block-size"));
    options.squashfs.jobs = threads;
    oci2sif::check_squashfs_options(options.squashfs);  // before any work, in the library's words
    options.changes.env = env;
    options.changes.labels = labels;
    if (entrypoint) {
        options.changes.entrypoint = command_of(*entrypoint, "--entrypoint");
    }
    if (cmd) {
        options.changes.cmd = command_of(*cmd, "--cmd");
    }
    options.changes.working_dir = workdir;
    options.changes.author = author;
    options.changes.user = user;
    if (!uuid.empty()) {
        options.id = sif::Uuid::parse(uuid);
        if (!options.id) {
            throw Error(ErrorKind::usage, "--uuid is not a UUID: " + uuid);
        }
    }
    options.time = time.resolve();
}

void run_conversion(oci2sif::ConvertOptions& options, const ConvertCliOptions& cli) {
    const auto start = std::chrono::steady_clock::now();
    ProgressBar progress(!cli.quiet && !cli.json);
    const oci2sif::ConvertResult result = oci2sif::convert(options, &progress);
    progress.clear();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (cli.json) {
        nlohmann::ordered_json out;
        add_conversion_json(out, result);
        out["seconds"] = seconds;
        out["warnings"] = result.warnings;
        print_json(out);
        return;
    }
    if (!cli.quiet) {
        write_stdout(conversion_summary(result, seconds) + "\n");
    }
}

void one_value_per_option(CLI::App& command) {
    for (CLI::Option* option : command.get_options()) {
        if (!option->get_positional()) {
            option->allow_extra_args(false);
        }
    }
}

void add_conversion_json(nlohmann::ordered_json& out, const oci2sif::ConvertResult& result) {
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
}

std::string conversion_summary(const oci2sif::ConvertResult& result, double seconds) {
    char elapsed[32];
    std::snprintf(elapsed, sizeof elapsed, "%.1f s", seconds);
    // dir: and tar: sources are one root file system, not layers: no "0 layer(s)".
    const std::string what = result.layers == 0 ? std::string("root file system")
                                                : std::to_string(result.layers) + " layer(s)";
    // A directory is read in place: no stored bytes "in".
    const std::string in = result.layers == 0 && result.bytes_in == 0
                               ? std::string()
                               : human_bytes(result.bytes_in) + " in, ";
    return result.output.string() + ": " + what + ", " + std::to_string(result.inodes) +
           " inodes (" + std::to_string(result.files) + " files), " + in +
           human_bytes(result.sif_bytes) + " out, " + elapsed;
}

}  // namespace sifkit::cli
