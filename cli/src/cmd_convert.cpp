// sifkit convert (alias: build): an OCI image or a root file system into a SIF image.
#include <chrono>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "convert_options.hpp"
#include "output.hpp"
#include "progress_bar.hpp"
#include "sifkit/oci2sif/convert.hpp"
#include "sifkit/sif/error.hpp"

namespace sifkit::cli {
namespace {

struct ConvertCommand {
    std::string source;
    std::string output;
    std::string arch;
    ConvertCliOptions convert;
};

void run(const ConvertCommand& o) {
    oci2sif::ConvertOptions options;
    options.source = o.source;
    options.output = o.output;
    options.architecture = o.arch;
    o.convert.apply(options);

    const auto start = std::chrono::steady_clock::now();
    ProgressBar progress(!o.convert.quiet && !o.convert.json);
    const oci2sif::ConvertResult result = oci2sif::convert(options, &progress);
    progress.clear();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (o.convert.json) {
        nlohmann::ordered_json out;
        add_conversion_json(out, result);
        out["seconds"] = seconds;
        out["warnings"] = result.warnings;
        print_json(out);
        return;
    }
    if (!o.convert.quiet) {
        write_stdout(conversion_summary(result, seconds) + "\n");
    }
}

}  // namespace

void register_convert(CLI::App& app) {
    auto o = std::make_shared<ConvertCommand>();
    CLI::App* cmd = app.add_subcommand(
        "convert", "Convert an OCI/Docker image or a root file system into a SIF image");
    cmd->alias("build");
    cmd->add_option("source", o->source,
                    "oci:DIR[:TAG] | oci-archive:FILE[:TAG] | docker-archive:FILE[:REPO:TAG] | "
                    "dir:ROOTFS | tar:FILE")
        ->required();
    cmd->add_option("output", o->output, "SIF image to write")->required();
    cmd->add_option("--arch", o->arch, "Architecture of a dir:/tar: image (default: this machine)");
    o->convert.add_to(*cmd, "-j,--jobs");
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
