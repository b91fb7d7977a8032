// What sifkit does with its standard output when that is not a file: a closed pipe (`| head`)
// ends it quietly as it ends GNU tools (killed by SIGPIPE, status 141, no message), and binary
// streams are refused on a terminal unless forced, as GNU tar refuses archives.
#include <catch2/catch.hpp>

#include "common.hpp"

using namespace interop;
using sifkit::test::write_file;

namespace {

// An image whose root file system has a file and a listing both larger than a pipe's buffer, so
// that `| head` closes the pipe while sifkit still writes; and a text object (ID 2).
struct StreamImage {
    sifkit::test::TempDir dir{"sifkit-streams"};
    fs::path path = dir / "image.sif";

    StreamImage() {
        if (!sifkit::test::find_in_path("mksquashfs")) {
            FAIL("mksquashfs (squashfs-tools) not found");
        }
        const auto root = dir / "root";
        fs::create_directories(root / "many");
        write_file(root / "big", Rng(17).bytes(1 << 20));
        for (int i = 0; i < 3000; ++i) {
            write_file(root / "many" /
                           ("a-file-with-a-rather-long-name-to-fill-pipes-" + std::to_string(i)),
                       "");
        }
        const auto squashfs = dir / "root.squashfs";
        const auto made = sifkit::test::run({"mksquashfs", root.string(), squashfs.string(),
                                             "-noappend", "-quiet", "-no-progress"});
        INFO(made.describe());
        REQUIRE(made.exit_code == 0);
        const auto definition = dir / "recipe.def";
        write_file(definition, "Bootstrap: scratch\n");
        for (const auto& args : std::vector<std::vector<std::string>>{
                 {"new", path.string()},
                 {"add", path.string(), squashfs.string(), "--datatype", "4", "--partfs", "1",
                  "--parttype", "2", "--partarch", "2"},
                 {"add", path.string(), definition.string(), "--datatype", "1"}}) {
            const auto r = run_sifkit(args);
            INFO(r.describe());
            REQUIRE(r.exit_code == 0);
        }
    }
};

// `sifkit ARGS | READER; echo ${PIPESTATUS[0]}` in bash.
RunResult pipeline(const std::vector<std::string>& args, const std::string& reader) {
    std::string command = "\"$0\"";
    for (std::size_t i = 1; i <= args.size(); ++i) {
        command += " \"${" + std::to_string(i) + "}\"";
    }
    std::vector<std::string> argv{"bash", "-c",
                                  command + " | " + reader + "; echo \"${PIPESTATUS[0]}\"",
                                  sifkit::test::sifkit_bin().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return sifkit::test::run(argv);
}

// sifkit ARGS with standard output a pipe whose reader is already gone: no race with the reader.
RunResult into_widowed_pipe(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"python3", "-c",
                                  "import os, subprocess, sys\n"
                                  "r, w = os.pipe()\n"
                                  "os.close(r)\n"
                                  "print(subprocess.run(sys.argv[1:], stdout=w).returncode)\n",
                                  sifkit::test::sifkit_bin().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return sifkit::test::run(argv);
}

// sifkit ARGS with a terminal as stdin, stdout and stderr (util-linux script); the exit code is
// sifkit's and the output what the terminal showed.
RunResult on_terminal(const std::vector<std::string>& args) {
    if (!sifkit::test::find_in_path("script")) {
        FAIL("script (util-linux) not found");
    }
    std::string command = "'" + sifkit::test::sifkit_bin().string() + "'";
    for (const auto& arg : args) {
        command += " '" + arg + "'";
    }
    return sifkit::test::run({"script", "-qec", command, "/dev/null"});
}

}  // namespace

TEST_CASE("a closed pipe ends sifkit quietly, killed by SIGPIPE as GNU tools", "[cli][streams]") {
    StreamImage image;
    const auto img = image.path.string();
    const auto quiet_sigpipe = [](const RunResult& r, const std::string& status) {
        INFO(r.describe());
        CHECK(r.exit_code == 0);
        CHECK(r.err.empty());
        CHECK(r.out.ends_with(status + "\n"));
    };
    quiet_sigpipe(pipeline({"cat", img, "/big"}, "head -c 4 >/dev/null"), "141");
    quiet_sigpipe(pipeline({"export", "--format", "tar", img, "-"}, "head -c 100 >/dev/null"),
                  "141");
    quiet_sigpipe(pipeline({"ls", "-R", img}, "head -1 >/dev/null"), "141");
    quiet_sigpipe(pipeline({"extract", img, "--partition", "-"}, "head -c 4 >/dev/null"), "141");
    // Short outputs too, whenever the reader is gone before sifkit writes (-13: SIGPIPE).
    quiet_sigpipe(into_widowed_pipe({"list", img}), "-13");
    quiet_sigpipe(into_widowed_pipe({"ls", img}), "-13");
    quiet_sigpipe(into_widowed_pipe({"version"}), "-13");

    SECTION("other errors are still reported with their exit code") {
        const auto missing =
            into_widowed_pipe({"cat", (image.dir / "missing.sif").string(), "/big"});
        INFO(missing.describe());
        CHECK(missing.out == "3\n");
        CHECK(missing.err.starts_with("sifkit: "));
        CHECK(missing.err.find("missing.sif") != std::string::npos);
        const auto disk_full =
            sifkit::test::run({"bash", "-c", "\"$0\" cat \"$1\" /big >/dev/full; echo $?",
                               sifkit::test::sifkit_bin().string(), img});
        INFO(disk_full.describe());
        CHECK(disk_full.out != "141\n");
        CHECK(disk_full.out != "0\n");
        CHECK(disk_full.err.find("<stdout>") != std::string::npos);
    }
}

TEST_CASE("tar archives and partitions are not written to a terminal unless forced",
          "[cli][streams]") {
    StreamImage image;
    const auto img = image.path.string();
    const auto refused = [](const RunResult& r, const std::string& what) {
        INFO(r.describe());
        CHECK(r.exit_code == 2);
        CHECK(r.out.find("sifkit: <stdout>: refusing to write " + what +
                         " to a terminal; redirect standard output, or use --force\r\n") !=
              std::string::npos);
    };
    refused(on_terminal({"export", "--format", "tar", img, "-"}), "a tar archive");
    refused(on_terminal({"extract", img, "--partition", "-"}), "a partition");
    refused(on_terminal({"extract", img, "--object", "1", "-"}), "a partition");
    const auto ok = [](const RunResult& r) {
        INFO(r.describe());
        CHECK(r.exit_code == 0);
        CHECK(r.out.find("refusing") == std::string::npos);
    };
    ok(on_terminal({"export", "--format", "tar", "--force", img, "-"}));
    ok(on_terminal({"extract", "--force", img, "--partition", "-"}));
    // Text objects and files are shown, as cat shows them.
    const auto text = on_terminal({"extract", img, "--object", "2", "-"});
    ok(text);
    CHECK(text.out.find("Bootstrap: scratch") != std::string::npos);
    ok(on_terminal({"cat", img, "/big"}));
    // Not a terminal: no refusal.
    const auto piped = pipeline({"export", "--format", "tar", img, "-"}, "wc -c");
    INFO(piped.describe());
    CHECK(piped.out.ends_with("\n0\n"));
}
