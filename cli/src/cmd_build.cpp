// sifkit build OUT.sif SOURCE: Apptainer's command and argument order. SOURCE is any source
// convert and pull take, or a definition file (docs/build.md): its base image is converted as
// convert converts it, with the sections applied on the way.
#include <iostream>

#include "build_sandbox.hpp"
#include "build_sif_base.hpp"
#include "build_user_namespace.hpp"
#include "commands.hpp"
#include "convert_options.hpp"
#include "output.hpp"
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
    std::string tmpdir;
    PullRequest pull;  // registry and conversion options
};

using PublishHook = std::function<void(const std::filesystem::path&)>;

void convert_local(const BuildCommand& o, const std::string& source,
                   std::shared_ptr<const oci2sif::Definition> definition, const std::string& output,
                   const ConvertCliOptions& cli, PublishHook before_publish = {}) {
    oci2sif::ConvertOptions options;
    options.source = source;
    options.output = output;
    options.architecture = o.arch;
    options.before_publish = std::move(before_publish);
    cli.apply(options);
    // A SIF base image is unpacked first (build_sif_base.hpp); it lives until the conversion
    // has read it.
    std::optional<SifBase> sif_base;
    if (definition && builds_on_sif(*definition)) {
        sif_base.emplace(*definition, o.tmpdir, o.pull);
        sif_base->apply(options);
    }
    options.definition = std::move(definition);
    run_conversion(options, cli);
}

void convert_local(const BuildCommand& o, const std::string& source,
                   std::shared_ptr<const oci2sif::Definition> definition,
                   PublishHook before_publish = {}) {
    convert_local(o, source, std::move(definition), o.output, o.pull.convert,
                  std::move(before_publish));
}

// %test of a definition without other commands: run on the finished image before it is
// renamed into place (the streaming build stays as fast as convert otherwise).
PublishHook test_hook(const BuildCommand& o, std::shared_ptr<const oci2sif::Definition> def) {
    if (o.notest || !runs_test(*def)) {
        return {};
    }
    SandboxBuild build;
    build.definition = std::move(def);
    build.tmpdir = o.tmpdir;
    build.quiet = o.pull.convert.quiet;
    build.json = o.pull.convert.json;
    return [build](const std::filesystem::path& image) { test_built_image(image, build); };
}

// The base of a sandbox build: quick to write and to read back, and quiet (the final image
// gets the user's settings and summary).
ConvertCliOptions base_image_options(const ConvertCliOptions& user) {
    ConvertCliOptions cli = user;
    cli.compression = "lz4";
    cli.level.reset();
    cli.quiet = true;
    cli.json = false;
    cli.force = false;
    return cli;
}

// The source convert reads for a local bootstrap ("" for scratch and for SIF bases, which
// SifBase sets).
std::string local_base_source(const oci2sif::Definition& def) {
    const std::string& agent = def.bootstrap;
    if (agent == "scratch" || builds_on_sif(def)) {
        return "";
    }
    if (agent == "localimage") {
        return "dir:" + def.from;  // a sandbox directory
    }
    return agent + ":" + def.from;  // oci, oci-archive, docker-archive: the transport
}

// A definition file whose sections run commands (cli/src/build_sandbox.hpp).
void build_with_sandbox(const BuildCommand& o, std::shared_ptr<const oci2sif::Definition> def) {
    enter_build_user_namespace();
    SandboxBuild build;
    build.definition = def;
    build.output = o.output;
    build.tmpdir = o.tmpdir;
    build.notest = o.notest;
    build.quiet = o.pull.convert.quiet;
    build.json = o.pull.convert.json;
    o.pull.convert.apply(build.final_options);
    const ConvertCliOptions base_cli = base_image_options(o.pull.convert);
    build.build_base = [&o, base_cli](const std::filesystem::path& output,
                                      std::shared_ptr<const oci2sif::Definition> base_def) {
        if (base_def->bootstrap == "docker") {
            PullRequest pull = o.pull;
            pull.reference = "docker://" + base_def->from;
            pull.output = output.string();
            pull.definition = base_def;
            pull.convert = base_cli;
            run_pull(pull);
        } else {
            convert_local(o, local_base_source(*base_def), base_def, output.string(), base_cli);
        }
    };
    run_sandbox_build(build);
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
    if (def->first_command_section() != nullptr) {
        build_with_sandbox(o, def);
        return;
    }
    if (test_hook(o, def) || builds_on_sif(*def)) {
        // %test runs in the image, and a SIF base is unpacked: both with their owners.
        enter_build_user_namespace();
    }
    const std::string& agent = def->bootstrap;
    if (agent == "docker") {
        PullRequest pull = o.pull;
        pull.reference = "docker://" + def->from;
        pull.output = o.output;
        pull.definition = def;
        pull.before_publish = test_hook(o, def);
        run_pull(pull);
    } else {
        convert_local(o, local_base_source(*def), def, test_hook(o, def));
    }
}

void run(const BuildCommand& o) {
    refuse_stdout_for_sif(o.output);
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
        case SourceForm::sif: {
            enter_build_user_namespace();  // the tree keeps its owners
            SandboxBuild build;
            build.output = o.output;
            build.tmpdir = o.tmpdir;
            build.quiet = o.pull.convert.quiet;
            build.json = o.pull.convert.json;
            o.pull.convert.apply(build.final_options);
            rebuild_sif(o.source, build);
            return;
        }
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
    cmd->add_flag("--notest", o->notest, "Do not run %test (it is stored all the same)");
    cmd->add_option("--tmpdir", o->tmpdir,
                    "Where the sandbox of a build with %post/%setup/%test is unpacked "
                    "(default: $SIFKIT_TMPDIR, $APPTAINER_TMPDIR, $TMPDIR, /tmp)");
    cmd->add_option("--arch", o->arch,
                    "Architecture of a dir:/tar:/scratch image (default: this machine)");
    add_pull_options(*cmd, o->pull);
    cmd->footer(
        "Examples:\n"
        "  sifkit build app.sif app.def\n"
        "  sifkit build --build-arg VERSION=1.2 app.sif app.def\n"
        "  sifkit build alpine.sif docker://alpine:3.19\n"
        "  sifkit build app.sif oci-archive:app.oci.tar");
    one_value_per_option(*cmd);
    cmd->callback([o] { run(*o); });
}

}  // namespace sifkit::cli
