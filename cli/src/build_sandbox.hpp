// `sifkit build` of a definition file whose sections run commands (%pre, %setup, %post,
// %appinstall, %test). The image without them is built as convert builds it (streaming, fast
// compression) into a work directory, unpacked there, the sections run — %pre and %setup on the
// host, %post (with the %appinstall sections appended, as Apptainer does) and %test in the image
// with runc — and the tree is packed into OUT.sif with the objects of the first image. The work
// directory is reported and removed at the end, also on failure and on Ctrl-C.
//
// Rootless callers first enter a user namespace (build_user_namespace.hpp).
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "sifkit/oci2sif/convert.hpp"
#include "sifkit/oci2sif/definition.hpp"

namespace sifkit::cli {

struct SandboxBuild {
    std::shared_ptr<const oci2sif::Definition> definition;
    std::filesystem::path output;
    std::string tmpdir;  // empty: $SIFKIT_TMPDIR, $APPTAINER_TMPDIR, $TMPDIR, /tmp
    bool notest = false;
    bool quiet = false;
    bool json = false;  // the summary as convert --json prints it, plus "sandbox_bytes"
    // The options of the final image (squashfs settings, --force, the recorded time).
    oci2sif::ConvertOptions final_options;
    // Builds `definition` (its commands left out) as convert would, into `output`, with
    // `compression` instead of the user's: the streaming part of the build.
    std::function<void(const std::filesystem::path& output,
                       std::shared_ptr<const oci2sif::Definition> definition)>
        build_base;
};

void run_sandbox_build(const SandboxBuild& build);

// Where work directories go: `tmpdir` when given, else $SIFKIT_TMPDIR, $APPTAINER_TMPDIR,
// $TMPDIR or /tmp.
std::filesystem::path build_work_parent(const std::string& tmpdir);

// `sifkit build OUT.sif IN.sif`: IN's tree unpacked into a work directory and packed again with
// `build.final_options` (compression, block size, time), IN's definition file and other objects
// kept (signatures dropped: they would not hold). `build.definition` is not used.
void rebuild_sif(const std::filesystem::path& image, SandboxBuild build);

// Whether the definition has a %test with something in it.
bool runs_test(const oci2sif::Definition& definition);
// %test of a definition without other commands: `image` (the streaming build's output before
// it is renamed into place) is unpacked into a work directory and tested there; a failure
// prints its line and throws ReportedFailure (the caller's output is then discarded). Uses
// `build`'s definition, tmpdir, quiet and json.
void test_built_image(const std::filesystem::path& image, const SandboxBuild& build);

}  // namespace sifkit::cli
