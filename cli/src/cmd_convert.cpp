// sifkit convert: an OCI image (local, or docker:// and oras:// as pull takes them) or a root
// file system into a SIF image. `sifkit build` is Apptainer's order of the same (cmd_build.cpp).
#include "commands.hpp"
#include "convert_options.hpp"
#include "output.hpp"
#include "registry_pull.hpp"
#include "sifkit/oci2sif/convert.hpp"
#include "sifkit/sif/error.hpp"
#include "source_arguments.hpp"

namespace sifkit::cli {
namespace {

struct ConvertCommand {
    std::string source;
    std::string output;
    std::string arch;
    ConvertCliOptions convert;
    PullRequest pull;  // registry options, for docker:// and oras:// sources
};

void run(ConvertCommand o) {
    refuse_stdout_for_sif(o.output);
    // `convert SOURCE DIR`: the image goes into DIR, as cp puts a copy there.
    o.output = output_in_directory(o.output, default_sif_name(o.source));
    switch (source_form(o.source)) {
        case SourceForm::registry: {
            // The same path as `sifkit pull`.
            PullRequest pull = o.pull;
            pull.reference = o.source;
            pull.output = o.output;
            pull.convert = o.convert;
            run_pull(pull);
            return;
        }
        case SourceForm::definition:
            throw Error(ErrorKind::usage, "\"" + o.source +
                                              "\" is a definition file; build it with: sifkit "
                                              "build " +
                                              o.output + " " + o.source);
        default:
            break;
    }
    check_argument_order("convert", o.source, o.output);
    oci2sif::ConvertOptions options;
    options.source = o.source;
    options.output = o.output;
    options.architecture = o.arch;
    o.convert.apply(options);
    run_conversion(options, o.convert);
}

}  // namespace

void register_convert(CLI::App& app) {
    auto o = std::make_shared<ConvertCommand>();
    CLI::App* cmd = app.add_subcommand(
        "convert", "Convert an OCI/Docker image or a root file system into a SIF image");
    cmd->add_option("SOURCE", o->source,
                    "oci:DIR[:TAG] | oci-archive:FILE[:TAG] | docker-archive:FILE[:REPO:TAG] | "
                    "dir:ROOTFS | tar:FILE | docker://REF | oras://REF")
        ->required();
    cmd->add_option("OUTPUT", o->output,
                    "SIF image to write (an existing directory: SOURCE's name .sif in it)")
        ->required();
    cmd->add_option("--arch", o->arch, "Architecture of a dir:/tar: image (default: this machine)");
    // -j/--jobs is convert's old name of --compress-threads (pull's and build's -j are
    // downloads, --downloads here): kept, so that scripts keep working.
    o->convert.add_to(*cmd, "--compress-threads,-j,--jobs");
    cmd->get_option("--compress-threads")
        ->description(
            "Squashfs compression threads (default: every core); -j/--jobs: the old name, kept "
            "(pull's and build's -j is --downloads)");
    cmd->add_option("--downloads", o->pull.jobs, "docker://: concurrent blob downloads")
        ->capture_default_str();
    cmd->add_flag("--no-cache", o->pull.no_cache, "docker://, oras://: do not use the blob cache");
    o->pull.registry.add_to(*cmd);
    cmd->footer(
        "Examples:\n"
        "  sifkit convert docker-archive:app.tar app.sif\n"
        "  sifkit convert oci:layout:latest --platform linux/arm64 app-arm64.sif\n"
        "  sifkit convert --compression zstd --level 3 oci-archive:app.oci.tar app.sif\n"
        "  sifkit convert --env MODE=prod --cmd '[\"serve\"]' oci:layout app.sif\n"
        "  sifkit convert --format oci-sif docker-archive:app.tar app.oci.sif");
    one_value_per_option(*cmd);
    cmd->callback([o] { run(*o); });
}

}  // namespace sifkit::cli
