// sifkit pull: an image from a registry into a SIF file (docker:// images are converted, oras://
// SIF artifacts downloaded); --verify-key checks the signatures before OUTPUT appears, and
// --cosign-key the publisher's cosign signature before anything is converted.
#include "commands.hpp"
#include "registry_pull.hpp"

namespace sifkit::cli {

void register_pull(CLI::App& app) {
    auto o = std::make_shared<PullRequest>();
    CLI::App* cmd = app.add_subcommand(
        "pull", "Pull an image from a registry into a SIF file (docker:// or oras://)");
    cmd->add_option("REFERENCE", o->reference,
                    "docker://[HOST[:PORT]/]REPO[:TAG|@DIGEST] | oras://HOST/REPO[:TAG|@DIGEST]")
        ->required();
    cmd->add_option("OUTPUT", o->output,
                    "SIF image to write (default: Apptainer's name, NAME_TAG.sif, in the "
                    "current directory)");
    cmd->add_option("--verify-key", o->verify_keys,
                    "Write OUTPUT only if a signature by this key verifies (repeatable)");
    cmd->add_option("--verify-keys-dir", o->verify_keys_dir,
                    "Write OUTPUT only if a signature by a key in this directory verifies");
    add_pull_options(*cmd, *o);
    cmd->add_flag("--with-cosign", o->with_cosign,
                  "With --format oci-sif: copy a squashfs-layer image (pushed from an OCI-SIF) "
                  "as it is stored, with its cosign signatures (SingularityCE 4.3's pull "
                  "--with-cosign)");
    cmd->footer(
        "Examples:\n"
        "  sifkit pull docker://debian:bookworm debian.sif\n"
        "  sifkit pull --platform linux/arm64 docker://quay.io/team/app@sha256:... app.sif\n"
        "  sifkit pull --insecure docker://127.0.0.1:5000/app:v2 app.sif\n"
        "  sifkit pull --verify-key site.pub oras://registry.example/hpc/app:v2 app.sif\n"
        "  sifkit pull --cosign-key cosign.pub docker://registry.example/hpc/app:v2 app.sif\n"
        "  sifkit pull --format oci-sif --with-cosign docker://registry.example/hpc/app:v2 "
        "app.oci.sif");
    one_value_per_option(*cmd);
    cmd->callback([o] {
        if (o->output.empty()) {
            o->output = default_pull_name(o->reference);
        }
        run_pull(*o);
    });
}

}  // namespace sifkit::cli
