// sifkit build OUT.sif SOURCE: Apptainer's command and argument order. SOURCE is any source
// convert and pull take, or a definition file (docs/build.md): its base image is converted as
// convert converts it, with the sections applied on the way.
#include <iostream>

#include "commands.hpp"
#include "convert_options.hpp"
#include "registry_pull.hpp"
#include "sifkit/oci2sif/convert.hpp"
#include "sifkit/oci2sif/definition.hpp"
#include "sifkit/sif/error.hpp"
#include "source_arguments.hpp"

namespace sifkit::cli {
namespace {

struct BuildCommand {
    std::string output;
    std::string source;
    std::string arch;
    std::vector<std::string> build_args;
    std::vector<std::string> build_arg_files;
    bool notest = false;
    PullRequest pull;  // registry and conversion options
};

void convert_local(const BuildCommand& o, const std::string& source,
                   std::shared_ptr<const oci2sif::Definition> definition) {
    oci2sif::ConvertOptions options;
    options.source = source;
    options.output = o.output;
    options.architecture = o.arch;
    options.definition = std::move(definition);
    o.pull.convert.apply(options);
    run_conversion(options, o.pull.convert);
}

Error sif_base_unsupported(const std::string& what, const std::string& file) {
    return Error(ErrorKind::unsupported,
                 (what.empty() ? "" : what + ": ") +
                     "building on a SIF image is not supported yet (sifkit export it to a "
                     "directory and build from dir:DIR or \"Bootstrap: localimage\" with the "
                     "directory)",
                 file);
}

void build_definition(const BuildCommand& o) {
    oci2sif::BuildArguments arguments;
    for (const auto& file : o.build_arg_files) {
        oci2sif::read_build_argument_file(arguments, file);
    }
    for (const auto& assignment : o.build_args) {
        oci2sif::add_build_argument(arguments, assignment, "--build-arg");
    }
    auto def = std::make_shared<oci2sif::Definition>(oci2sif::read_definition(o.source, arguments));
    for (const auto& warning : def->warnings) {
        std::cerr << "sifkit: warning: " << warning << '\n';
    }
    const std::string& agent = def->bootstrap;
    if (agent == "docker") {
        PullRequest pull = o.pull;
        pull.reference = "docker://" + def->from;
        pull.output = o.output;
        pull.definition = def;
        run_pull(pull);
    } else if (agent == "oras") {
        throw sif_base_unsupported("\"Bootstrap: oras\" pulls a SIF image",
                                   def->where(def->bootstrap_line));
    } else if (agent == "localimage") {
        std::error_code ec;
        if (!std::filesystem::is_directory(def->from, ec)) {
            throw sif_base_unsupported("\"From: " + def->from + "\" is not a directory",
                                       def->where(def->from_line));
        }
        convert_local(o, "dir:" + def->from, def);
    } else if (agent == "scratch") {
        convert_local(o, "", def);
    } else {  // oci, oci-archive, docker-archive: the transport of the same name
        convert_local(o, agent + ":" + def->from, def);
    }
}

void run(const BuildCommand& o) {
    check_argument_order("build", o.source, o.output);
    switch (source_form(o.source)) {
        case SourceForm::registry: {
            PullRequest pull = o.pull;
            pull.reference = o.source;
            pull.output = o.output;
            run_pull(pull);
            return;
        }
        case SourceForm::transport:
            convert_local(o, o.source, nullptr);
            return;
        case SourceForm::definition:
            build_definition(o);
            return;
        case SourceForm::sif:
            throw sif_base_unsupported("", o.source);
        case SourceForm::other:
            break;
    }
    throw Error(ErrorKind::usage,
                "source \"" + o.source +
                    "\" is neither a definition file nor a known transport (docker://, oras://, "
                    "oci:, oci-archive:, docker-archive:, dir:, tar:)");
}

}  // namespace

void register_build(CLI::App& app) {
    auto o = std::make_shared<BuildCommand>();
    CLI::App* cmd = app.add_subcommand(
        "build", "Build a SIF image from a definition file or any source (Apptainer's order)");
    cmd->add_option("OUTPUT", o->output, "SIF image to write")->required();
    cmd->add_option("SOURCE", o->source,
                    "definition file | docker://REF | oras://REF | oci:DIR[:TAG] | "
                    "oci-archive:FILE[:TAG] | docker-archive:FILE[:REPO:TAG] | dir:ROOTFS | "
                    "tar:FILE")
        ->required();
    cmd->add_option("--build-arg", o->build_args,
                    "NAME=VALUE for {{ NAME }} in the definition file (repeatable)");
    cmd->add_option("--build-arg-file", o->build_arg_files,
                    "File of NAME=VALUE lines for {{ NAME }} (repeatable; --build-arg wins)");
    cmd->add_flag("--notest", o->notest,
                  "Accepted for Apptainer's sake: sifkit does not run %test (it stores it)");
    cmd->add_option("--arch", o->arch,
                    "Architecture of a dir:/tar:/scratch image (default: this machine)");
    add_pull_options(*cmd, o->pull);
    cmd->footer(
        "Exit codes: as convert and pull (docs/cli.md); 2 also for arguments in convert's order\n"
        "and unset build arguments, 4 for a malformed definition file, 7 for sections that\n"
        "need a build sandbox (%post, %setup, %appinstall) and multi-stage builds.\n"
        "Examples:\n"
        "  sifkit build app.sif app.def\n"
        "  sifkit build --build-arg VERSION=1.2 app.sif app.def\n"
        "  sifkit build alpine.sif docker://alpine:3.19\n"
        "  sifkit build app.sif oci-archive:app.oci.tar");
    one_value_per_option(*cmd);
    cmd->callback([o] { run(*o); });
}

}  // namespace sifkit::cli
