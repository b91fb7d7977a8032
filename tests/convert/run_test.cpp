// The converted image runs: its squashfs is unpacked and Apptainer's entry points
// (/.singularity.d/actions/run and exec) are started in a chroot, as the runtime would start
// them, with the image's environment and runscript.
#include <catch2/catch.hpp>

#include "convert_support.hpp"

using namespace convert_test;

namespace {

RunResult in_chroot(const fs::path& root, const std::vector<std::string>& command) {
    std::vector<std::string> argv{"env", "-i", "HOME=/root", "/usr/sbin/chroot", root.string()};
    argv.insert(argv.end(), command.begin(), command.end());
    return sifkit::test::run(argv);
}

}  // namespace

TEST_CASE("the converted image runs its entrypoint with the image's environment", "[run]") {
    const auto sif = scratch() / "run.sif";
    convert("oci:" + (fixtures() / "layout").string(), sif);
    const auto root = unpack_with_unsquashfs(sif, "run");

    const auto plain = in_chroot(root, {"/.singularity.d/actions/run"});
    INFO(plain.describe());
    CHECK(plain.exit_code == 0);
    CHECK(plain.out == "hello from sifkit-fixture default-arg\n");  // ENTRYPOINT + CMD

    const auto with_args = in_chroot(root, {"/.singularity.d/actions/run", "one", "two"});
    CHECK(with_args.out == "hello from sifkit-fixture one two\n");  // arguments replace CMD

    const auto exec =
        in_chroot(root, {"/.singularity.d/actions/exec", "/bin/sh", "-c", "echo $PATH:$GREETING"});
    CHECK(exec.out == "/usr/local/bin:/usr/bin:/bin:sifkit-fixture\n");

    // Apptainer's precedence: a variable set by the caller wins over the image's default.
    const auto preset = sifkit::test::run({"env", "-i", "GREETING=caller", "/usr/sbin/chroot",
                                           root.string(), "/.singularity.d/actions/run"});
    CHECK(preset.out == "hello from caller default-arg\n");
}

TEST_CASE("config edits on the way show in the runscript, environment and labels", "[run]") {
    const auto sif = scratch() / "edited.sif";
    convert("oci:" + (fixtures() / "layout").string(), sif,
            {"--env", "GREETING=edited", "--env", "EXTRA=1", "--label", "org.example.title=changed",
             "--cmd", "[\"from-cmd\"]", "--workdir", "/tmp"});
    const auto root = unpack_with_unsquashfs(sif, "edited");
    CHECK(in_chroot(root, {"/.singularity.d/actions/run"}).out == "hello from edited from-cmd\n");
    CHECK(in_chroot(root, {"/.singularity.d/actions/exec", "/bin/sh", "-c", "echo $EXTRA"}).out ==
          "1\n");
    const auto labels = read_text(root / ".singularity.d" / "labels.json");
    CHECK(labels.find("\"org.example.title\": \"changed\"") != std::string::npos);
    const auto config = run_sifkit({"dump", "2", sif.string()});
    CHECK(config.out.find("\"Cmd\":[\"from-cmd\"]") != std::string::npos);
    CHECK(config.out.find("\"GREETING=edited\"") != std::string::npos);
    CHECK(config.out.find("\"WorkingDir\":\"/tmp\"") != std::string::npos);

    const auto shell_form = scratch() / "shell-form.sif";
    convert("oci:" + (fixtures() / "layout").string(), shell_form,
            {"--entrypoint", "echo shell form says $GREETING"});
    const auto shell_root = unpack_with_unsquashfs(shell_form, "shell-form");
    CHECK(in_chroot(shell_root, {"/.singularity.d/actions/run"}).out ==
          "shell form says sifkit-fixture\n");
}
