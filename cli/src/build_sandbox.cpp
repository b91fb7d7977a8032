// sifkit build with a sandbox: the steps of cli/src/build_sandbox.hpp, in Apptainer's order
// (internal/pkg/build/build.go): %pre on the host, the base image, %setup on the host, %post with
// the %appinstall sections appended, labels from $APPTAINER_LABELS, %test, then the image.
#include "build_sandbox.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "build_tree_files.hpp"
#include "convert_options.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "progress_bar.hpp"
#include "sifkit/oci2sif/repack.hpp"
#include "sifkit/rootfs/image_root.hpp"
#include "sifkit/rootfs/sandbox.hpp"
#include "sifkit/rootfs/unpack.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/file_io.hpp"
#include "sifkit/sif/image.hpp"
#include "sifkit/sif/unique_fd.hpp"

extern char** environ;

namespace sifkit::cli {
namespace {

namespace fs = std::filesystem;
using oci2sif::Definition;
using oci2sif::DefinitionSection;

constexpr const char* kPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
// Where %post writes environment lines, as Apptainer tells it (stage.go).
constexpr const char* kEnvironmentFile = "/.singularity.d/env/91-environment.sh";

// A build section's commands failed: printed here, exit code kExitBuildFailed.
[[noreturn]] void section_failed(const Definition& def, const DefinitionSection& section,
                                 int status, const std::string& hint = {}) {
    const bool named = section.name == "files" || section.name.starts_with("app");
    std::cerr << "sifkit: " << def.where(section.line) << ": %" << section.name
              << (named && !section.arguments.empty() ? " " + section.arguments : "") << " failed ("
              << (status > 128 ? "signal " + std::to_string(status - 128)
                               : "exit status " + std::to_string(status))
              << ")" << hint << "; nothing was written\n";
    throw ReportedFailure{kExitBuildFailed};
}

// Apptainer's getSectionScriptArgs: "/bin/sh -ex" plus the section line's arguments ("-c CMD"
// takes the script as the last word of CMD), then the script.
std::vector<std::string> script_command(const DefinitionSection& section,
                                        const std::string& script) {
    std::vector<std::string> args{"/bin/sh", "-ex"};
    std::string arguments = section.arguments.substr(0, section.arguments.find('#'));
    std::istringstream words(arguments);
    std::vector<std::string> params;
    for (std::string word; words >> word;) {
        params.push_back(word);
    }
    for (std::size_t i = 0; i < params.size(); ++i) {
        if (params[i] == "-c") {
            std::string rest;
            for (std::size_t k = i + 1; k < params.size(); ++k) {
                rest += params[k] + " ";
            }
            args.insert(args.end(), params.begin(), params.begin() + static_cast<long>(i) + 1);
            args.push_back(rest + script);
            return args;
        }
    }
    args.insert(args.end(), params.begin(), params.end());
    args.push_back(script);
    return args;
}

// %pre and %setup: on the host, with the caller's environment plus the build's variables.
int run_on_host(const std::vector<std::string>& args, const std::vector<std::string>& extra_env) {
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
        env.emplace_back(*e);
    }
    env.insert(env.end(), extra_env.begin(), extra_env.end());
    std::vector<char*> argv;
    for (const auto& a : args) {
        argv.push_back(const_cast<char*>(a.c_str()));
    }
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (const auto& e : env) {
        envp.push_back(const_cast<char*>(e.c_str()));
    }
    envp.push_back(nullptr);
    pid_t pid = 0;
    if (const int error = ::posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), envp.data());
        error != 0) {
        throw Error(ErrorKind::io, std::string("cannot run /bin/sh: ") + std::strerror(error));
    }
    int status = 0;
    if (sif::retry_on_eintr([&] { return ::waitpid(pid, &status, 0); }) < 0) {
        throw Error(ErrorKind::internal, std::string("waitpid: ") + std::strerror(errno));
    }
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

class SandboxBuilder {
  public:
    explicit SandboxBuilder(const SandboxBuild& build)
        : build_(build),
          def_(*build_.definition),
          work_(build_work_parent(build.tmpdir), "sifkit-build") {}

    ~SandboxBuilder() {
        // Reported also on failure: the disk a build used is what an admin sizes TMPDIR by.
        note_usage();
        if (!build_.quiet && !build_.json) {
            const bool removed = work_.remove();
            std::cerr << "sifkit: build sandbox " << work_.path().string() << ": "
                      << human_bytes(peak_usage_) << " used, "
                      << (removed ? "removed" : "NOT all removed") << "\n";
        }
    }

    // The earlier stages a `%files from STAGE` may name, by name (built before this one).
    using Stages = std::map<std::string, const SandboxBuilder*>;

    void run(const Stages& stages) {
        const auto started = std::chrono::steady_clock::now();
        prepare(stages);
        pack(base(), started);
    }

    // Everything but the packing: what an earlier stage of a multi-stage build does.
    void prepare(const Stages& stages) {
        run_host_section("pre", {});
        build_.build_base(base(), std::make_shared<const Definition>(def_.without_commands()));
        unpack(base());
        copy_from_stages(stages);
        run_host_section("setup", {"APPTAINER_ROOTFS=" + rootfs().string(),
                                   "SINGULARITY_ROOTFS=" + rootfs().string()});
        run_post();
        merge_post_labels(rootfs(), def_);
        run_test();
    }

    // `sifkit build OUT.sif IN.sif`: the image's tree packed again with the options given
    // (compression, block size, time), its other objects kept.
    void rebuild(const fs::path& image) {
        const auto started = std::chrono::steady_clock::now();
        {
            const sif::Image source = sif::Image::open(image);
            if (source.primary_partition() == nullptr) {
                throw Error(ErrorKind::unsupported,
                            "a rebuild takes a SIF with a primary partition (for an OCI-SIF, "
                            "export it and build from the export)",
                            image.string());
            }
        }
        unpack(image);
        pack(image, started);
    }

    // A definition without commands but with %test, built by the streaming conversion: the
    // finished image (not yet in its place) is unpacked and tested.
    void test_image(const fs::path& image) {
        unpack(image);
        run_test();
    }

  private:
    fs::path base() const { return work_.path() / "base.sif"; }

    // `%files from STAGE`, as Apptainer copies them (`cp -fLr`, before %setup): in a container
    // whose root is the stage's tree, with this tree bound at /.sifkit-destination, so that
    // links in either tree resolve inside the containers and never reach the host's files.
    void copy_from_stages(const Stages& stages) {
        const auto copies = oci2sif::stage_copies(def_);
        for (const DefinitionSection& section : def_.sections) {
            if (section.name != "files" || section.arguments.empty()) {
                continue;
            }
            rootfs::SandboxRun run;
            const SandboxBuilder* from = nullptr;
            for (const auto& copy : copies) {
                if (copy.section_line != section.line) {
                    continue;
                }
                from = stages.at(copy.stage);
                run.args.push_back(copy.source);
                run.args.push_back(copy.destination);
                run.args.push_back(copy.into ? "1" : "0");
            }
            if (from == nullptr) {
                continue;
            }
            static constexpr const char* kCopy = R"(IFS=
while test "$#" -gt 0; do
    src=$1 dest=/.sifkit-destination/$2 into=$3
    shift 3
    n=0
    for match in $src; do
        test -e "$match" || test -L "$match" || { echo "no file matches $src" >&2; exit 1; }
        n=$((n + 1))
    done
    test "$n" -gt 1 && into=1
    for match in $src; do
        if test "$into" = 1; then
            mkdir -p "$dest" && cp -fLr -- "$match" "$dest/"
        else
            mkdir -p "${dest%/*}" && cp -fLr -- "$match" "$dest"
        fi
    done
done)";
            run.args.insert(run.args.begin(), {"/bin/sh", "-ec", kCopy, "sh"});
            run.env = container_env();
            run.binds.push_back({rootfs(), "/.sifkit-destination", false});
            run.work = work_.path();
            run.name = "sifkit-build-" + std::to_string(::getpid()) + "-copy-" +
                       std::to_string(section.line);
            const int status = rootfs::run_in_root(from->rootfs(), run);
            note_usage();
            if (status != 0) {
                section_failed(def_, section, status);
            }
        }
    }

    void pack(const fs::path& like, std::chrono::steady_clock::time_point started) {
        oci2sif::RepackOptions repack;
        repack.root = rootfs();
        repack.like = like;
        repack.output = build_.output;
        repack.overwrite = build_.final_options.overwrite;
        repack.squashfs = build_.final_options.squashfs;
        repack.max_entries = build_.final_options.max_entries;
        repack.clamp_mtime = build_.final_options.time;
        const oci2sif::ConvertResult result = oci2sif::repack_directory(repack);
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        if (build_.json) {
            nlohmann::ordered_json out;
            add_conversion_json(out, result);
            out["seconds"] = seconds;
            out["warnings"] = result.warnings;
            out["sandbox_bytes"] = peak_usage_;
            print_json(out);
            return;
        }
        for (const auto& warning : result.warnings) {
            std::cerr << "sifkit: warning: " << warning << "\n";
        }
        if (!build_.quiet) {
            write_stdout(conversion_summary(result, seconds) + "\n");
        }
    }

    fs::path rootfs() const { return work_.path() / "rootfs"; }

    void note_usage() { peak_usage_ = std::max(peak_usage_, work_.disk_usage()); }

    void unpack(const fs::path& base) {
        const sif::Image image = sif::Image::open(base);
        const rootfs::SquashfsImage root = rootfs::open_root(image);
        const rootfs::UnpackReport report = rootfs::unpack_to_directory(root, rootfs());
        report_unpack_skips(report, rootfs().string());
        note_usage();
    }

    void run_host_section(const std::string& name, const std::vector<std::string>& env) {
        const DefinitionSection* section = def_.section(name);
        if (section == nullptr || section->body.empty()) {
            return;
        }
        const std::string script = (work_.path() / (name + ".script")).string();
        write_new_file_below(work_.path(), name + ".script", section->body + "\n", 0755);
        std::vector<std::string> extra = env;
        extra.emplace_back(std::string("APPTAINER_ENVIRONMENT=") + kEnvironmentFile);
        extra.emplace_back(std::string("SINGULARITY_ENVIRONMENT=") + kEnvironmentFile);
        const int status = run_on_host(script_command(*section, script), extra);
        if (status != 0) {
            section_failed(def_, *section, status);
        }
    }

    // Apptainer's --cleanenv environment for %post, plus the build's variables.
    std::vector<std::string> container_env() const {
        std::vector<std::string> env{kPath, "HOME=/root", "LANG=C"};
        if (const char* term = std::getenv("TERM")) {
            env.push_back(std::string("TERM=") + term);
        }
        return env;
    }

    // The host's name resolution, bound over the image's files (which the base image got as
    // empty files when it had none), so that %post can download.
    std::vector<rootfs::SandboxBind> network_binds() const {
        std::vector<rootfs::SandboxBind> binds;
        for (const char* file : {"/etc/resolv.conf", "/etc/hosts"}) {
            struct stat host {};
            struct stat image {};
            const fs::path inside = rootfs() / (file + 1);
            if (::stat(file, &host) == 0 && S_ISREG(host.st_mode) &&
                ::lstat(inside.c_str(), &image) == 0 && S_ISREG(image.st_mode)) {
                binds.push_back({file, file, true});
            }
        }
        return binds;
    }

    void run_post() {
        const DefinitionSection* post = def_.section("post");
        std::string script = post != nullptr ? post->body + "\n" : "";
        const DefinitionSection* first = post;
        for (const DefinitionSection& s : def_.sections) {
            if (s.name == "appinstall" && !s.body.empty()) {
                // Apptainer's scifInstallBase: each app's commands in its directory, its
                // environment sourced.
                const std::string app = "/scif/apps/" + s.arguments;
                script += "\ncd /\n. " + app + "/scif/env/01-base.sh\n\ncd " + app + "\n" + s.body +
                          "\n\ncd /\n";
                if (first == nullptr) {
                    first = &s;
                }
            }
        }
        if (first == nullptr || script.find_first_not_of(" \t\n") == std::string::npos) {
            return;
        }
        write_new_file_below(rootfs(), ".post.script", script, 0755);
        rootfs::SandboxRun run;
        run.args = script_command(post != nullptr ? *post : *first, "/.post.script");
        run.env = container_env();
        for (const char* name : {"APPTAINER_ENVIRONMENT", "SINGULARITY_ENVIRONMENT"}) {
            run.env.push_back(std::string(name) + "=" + kEnvironmentFile);
        }
        for (const char* name : {"APPTAINER_LABELS", "SINGULARITY_LABELS"}) {
            run.env.push_back(std::string(name) + "=" + kBuildLabelsFile);
        }
        run.binds = network_binds();
        run.work = work_.path();
        run.name = "sifkit-build-" + std::to_string(::getpid()) + "-post";
        const int status = rootfs::run_in_root(rootfs(), run);
        note_usage();
        const sif::UniqueFd root(::open(rootfs().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        ::unlinkat(root.get(), ".post.script", 0);
        if (status != 0) {
            section_failed(def_, *first, status);
        }
    }

    void run_test() {
        const DefinitionSection* test = def_.section("test");
        if (build_.notest || test == nullptr || test->body.empty()) {
            return;
        }
        rootfs::SandboxRun run;
        // The test action sources the image's environment, as `apptainer test` runs it.
        run.args = {"/.singularity.d/actions/test"};
        run.env = container_env();
        run.binds = network_binds();
        run.work = work_.path();
        run.name = "sifkit-build-" + std::to_string(::getpid()) + "-test";
        const int status = rootfs::run_in_root(rootfs(), run);
        note_usage();
        if (status != 0) {
            section_failed(def_, *test, status, " (--notest skips it)");
        }
    }

    // A copy: an earlier stage's builder outlives the SandboxBuild it was made from.
    const SandboxBuild build_;
    const Definition& def_;
    rootfs::WorkDirectory work_;
    std::uint64_t peak_usage_ = 0;
};

}  // namespace

fs::path build_work_parent(const std::string& option) {
    if (!option.empty()) {
        return option;
    }
    for (const char* name : {"SIFKIT_TMPDIR", "APPTAINER_TMPDIR", "TMPDIR"}) {
        if (const char* value = std::getenv(name); value != nullptr && *value != '\0') {
            return value;
        }
    }
    return "/tmp";
}

void run_sandbox_build(const SandboxBuild& build) {
    // Earlier stages are built (and their commands run) only when this one copies from them;
    // their trees stay until the image is written.
    std::set<std::string> wanted;
    for (const auto& copy : oci2sif::stage_copies(*build.definition)) {
        wanted.insert(copy.stage);
    }
    std::vector<std::unique_ptr<SandboxBuilder>> earlier;
    SandboxBuilder::Stages stages;
    // A stage that a wanted one copies from is wanted too: look at them last first.
    for (auto it = build.definition->earlier_stages.rbegin();
         it != build.definition->earlier_stages.rend(); ++it) {
        if (wanted.contains((*it)->stage)) {
            for (const auto& copy : oci2sif::stage_copies(**it)) {
                wanted.insert(copy.stage);
            }
        }
    }
    for (const auto& stage : build.definition->earlier_stages) {
        if (!wanted.contains(stage->stage)) {
            continue;
        }
        SandboxBuild stage_build = build;
        stage_build.definition = stage;
        earlier.push_back(std::make_unique<SandboxBuilder>(stage_build));
        earlier.back()->prepare(stages);
        stages[stage->stage] = earlier.back().get();
    }
    SandboxBuilder builder(build);
    builder.run(stages);
}

bool runs_test(const oci2sif::Definition& definition) {
    const DefinitionSection* test = definition.section("test");
    return test != nullptr && test->body.find_first_not_of(" \t\n") != std::string::npos;
}

void rebuild_sif(const fs::path& image, SandboxBuild build) {
    build.definition = std::make_shared<const Definition>();
    SandboxBuilder builder(build);
    builder.rebuild(image);
}

void test_built_image(const fs::path& image, const SandboxBuild& build) {
    SandboxBuilder builder(build);
    builder.test_image(image);
}

}  // namespace sifkit::cli
