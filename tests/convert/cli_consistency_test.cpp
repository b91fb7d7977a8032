// The command line as an admin meets it (issue 17, "CLI behaviour"): one cause gives one exit
// code and one line naming the path and the reason, whatever the transport; every command's
// --help lists its exit codes; progress on a terminal only, cleared by Ctrl-C; flags spelled as
// GNU ls and Apptainer spell them; verify says what to do about the verdicts that surprise.
#include <sys/stat.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "export_support.hpp"

using namespace convert_test;
using json = nlohmann::json;

namespace {

// Exit `code`, nothing on stdout, and exactly `line` on stderr.
void check_error(const RunResult& r, int code, const std::string& line) {
    INFO(r.describe());
    CHECK(r.exit_code == code);
    CHECK(r.out.empty());
    CHECK(r.err == "sifkit: " + line + "\n");
}

fs::path area(const std::string& name) {
    const auto dir = scratch() / "cli-consistency" / name;
    fs::create_directories(dir);
    return dir;
}

// Runs sifkit as nobody (uid 65534), for permission checks that root would pass.
RunResult run_as_nobody(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                  sifkit::test::sifkit_bin().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return sifkit::test::run(argv);
}

std::size_t count_of(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
        ++n;
    }
    return n;
}

}  // namespace

TEST_CASE("a missing source is exit 3 naming the path and the reason, for every transport",
          "[cli-consistency]") {
    const auto dir = area("missing");
    const std::string missing = (dir / "nope").string();
    const std::string out = (dir / "out.sif").string();
    const std::string reason = missing + ": cannot open: No such file or directory";
    for (const std::string transport :
         {"oci:", "oci-archive:", "docker-archive:", "dir:", "tar:"}) {
        check_error(run_sifkit({"convert", transport + missing, out}), 3, reason);
    }
    for (const std::string transport : {"oci:", "oci-archive:", "docker-archive:"}) {
        check_error(run_sifkit({"inspect", transport + missing}), 3, reason);
    }
    check_error(run_sifkit({"list", missing}), 3, reason);
    check_error(run_sifkit({"add", fixture_sif().string(), missing, "--datatype", "1"}), 3, reason);
    check_error(run_sifkit({"export", missing, (dir / "tree").string()}), 3, reason);
    check_error(run_sifkit({"verify", fixture_sif().string(), "--keys-dir", missing}), 3, reason);
    check_error(run_sifkit({"verify", fixture_sif().string(), "--key", missing}), 3,
                missing + ": cannot open key file: No such file or directory");
    CHECK_FALSE(fs::exists(out));

    // A path of the wrong kind is the same line with its reason.
    const auto file = dir / "file";
    sifkit::test::write_file(file, "x");
    check_error(run_sifkit({"convert", "oci:" + file.string(), out}), 3,
                file.string() + ": cannot open: Not a directory");
    check_error(run_sifkit({"convert", "dir:" + file.string(), out}), 3,
                file.string() + ": cannot open: Not a directory");
    for (const std::string transport : {"tar:", "oci-archive:", "docker-archive:"}) {
        check_error(run_sifkit({"convert", transport + dir.string(), out}), 3,
                    dir.string() + ": cannot open: Is a directory");
    }
}

TEST_CASE("a permission problem is exit 3 with Permission denied, never 'missing'",
          "[cli-consistency]") {
    const auto dir = area("permission");
    ::chmod(dir.c_str(), 0755);
    ::chmod(dir.parent_path().c_str(), 0755);
    // An OCI layout whose blobs nobody else may search: the manifest is there, but unreadable.
    const auto layout = dir / "layout";
    fs::copy(fixtures() / "layout", layout, fs::copy_options::recursive);
    ::chmod(layout.c_str(), 0755);
    ::chmod((layout / "index.json").c_str(), 0644);
    ::chmod((layout / "oci-layout").c_str(), 0644);
    ::chmod((layout / "blobs").c_str(), 0755);
    ::chmod((layout / "blobs" / "sha256").c_str(), 0700);
    const std::string out = "/tmp/sifkit-never-written.sif";
    const auto layout_run = run_as_nobody({"convert", "oci:" + layout.string(), out});
    INFO(layout_run.describe());
    CHECK(layout_run.exit_code == 3);
    CHECK(layout_run.err.find("Permission denied") != std::string::npos);
    CHECK(layout_run.err.find("missing") == std::string::npos);
    CHECK(layout_run.err.rfind("sifkit: " + (layout / "blobs" / "sha256").string(), 0) == 0);

    const auto closed = dir / "closed";
    fs::create_directories(closed);
    ::chmod(closed.c_str(), 0700);
    check_error(run_as_nobody({"convert", "dir:" + closed.string(), out}), 3,
                closed.string() + ": cannot open: Permission denied");
    check_error(run_as_nobody({"convert", "oci:" + closed.string(), out}), 3,
                closed.string() + ": cannot open: Permission denied");
    const auto secret = dir / "secret.sif";
    fs::copy_file(fixture_sif(), secret);
    ::chmod(secret.c_str(), 0600);
    for (const std::string transport : {"tar:", "oci-archive:", "docker-archive:"}) {
        check_error(run_as_nobody({"convert", transport + secret.string(), out}), 3,
                    secret.string() + ": cannot open: Permission denied");
    }
    check_error(run_as_nobody({"list", secret.string()}), 3,
                secret.string() + ": cannot open: Permission denied");
    check_error(run_as_nobody({"verify", fixture_sif().string(), "--key", secret.string()}), 3,
                secret.string() + ": cannot open key file: Permission denied");
    CHECK_FALSE(fs::exists(out));
}

TEST_CASE("--help of every command lists the exit codes it can return", "[cli-consistency]") {
    // The whole table: sifkit --help, and docs/cli.md has a row for every code.
    const auto root = run_sifkit({"--help"});
    REQUIRE(root.exit_code == 0);
    const std::string docs = sifkit::test::read_file(sifkit::test::repo_root() / "docs/cli.md");
    for (int code = 0; code <= 15; ++code) {
        const std::string row = (code < 10 ? "   " : "  ") + std::to_string(code) + "  ";
        CHECK(root.out.find("\n" + row) != std::string::npos);
        CHECK(docs.find("\n| " + std::to_string(code) + " | ") != std::string::npos);
    }
    const std::vector<std::vector<std::string>> commands = {{"new"},
                                                            {"add"},
                                                            {"del"},
                                                            {"setprim"},
                                                            {"list"},
                                                            {"info"},
                                                            {"header"},
                                                            {"dump"},
                                                            {"convert"},
                                                            {"build"},
                                                            {"inspect"},
                                                            {"ls"},
                                                            {"cat"},
                                                            {"extract"},
                                                            {"export"},
                                                            {"bundle"},
                                                            {"pull"},
                                                            {"push"},
                                                            {"login"},
                                                            {"logout"},
                                                            {"cache", "list"},
                                                            {"cache", "clean"},
                                                            {"key", "generate"},
                                                            {"key", "fingerprint"},
                                                            {"key", "list"},
                                                            {"key", "import"},
                                                            {"key", "export"},
                                                            {"key", "remove"},
                                                            {"sign"},
                                                            {"verify"},
                                                            {"stage"},
                                                            {"help"},
                                                            {"version"}};
    for (auto args : commands) {
        args.push_back("--help");
        const auto r = run_sifkit(args);
        INFO(r.describe());
        REQUIRE(r.exit_code == 0);
        CHECK(r.out.find("\nExit codes:\n   0  success\n   1  internal error") !=
              std::string::npos);
        CHECK(r.out.find("\n   2  usage error") != std::string::npos);
    }
    // Only the codes the command can return.
    const auto convert = run_sifkit({"convert", "--help"}).out;
    CHECK(convert.find("\n   5  not found") != std::string::npos);
    CHECK(convert.find("\n  12  ") == std::string::npos);
    const auto verify = run_sifkit({"verify", "--help"}).out;
    CHECK(verify.find("\n  12  signed, but by no trusted key") != std::string::npos);
    CHECK(verify.find("\n  15  ") == std::string::npos);
    CHECK(run_sifkit({"list", "--help"}).out.find("\n   5  ") == std::string::npos);
    CHECK(run_sifkit({"stage", "--help"}).out.find("\n   9  not enough space") !=
          std::string::npos);
}

TEST_CASE("GNU ls and Apptainer inspect flags; inspect sections", "[cli-consistency]") {
    const std::string sif = fixture_sif().string();
    // ls -la is ls -l (nothing is hidden); -d lists the directory itself.
    CHECK(run_sifkit({"ls", "-la", sif, "/etc"}).out == run_sifkit({"ls", "-l", sif, "/etc"}).out);
    const auto ld = run_sifkit({"ls", "-ld", sif, "/etc"});
    INFO(ld.describe());
    CHECK(ld.exit_code == 0);
    CHECK(ld.out.rfind("drwx", 0) == 0);
    CHECK(count_of(ld.out, "\n") == 1);
    CHECK(ld.out.ends_with(" /etc\n"));

    // -j and -H are --json and --helpfile, as in apptainer inspect.
    CHECK(run_sifkit({"inspect", "-j", sif}).out == run_sifkit({"inspect", "--json", sif}).out);
    CHECK(run_sifkit({"inspect", "-H", sif}).exit_code == 0);

    // Several sections: each under its own "=== NAME ===" line.
    const auto labels = run_sifkit({"inspect", "-l", sif}).out;
    const auto runscript = run_sifkit({"inspect", "-r", sif}).out;
    REQUIRE(!labels.empty());
    REQUIRE(!runscript.empty());
    CHECK(run_sifkit({"inspect", "-l", "-r", sif}).out ==
          "=== labels ===\n" + labels + "=== runscript ===\n" + runscript);
    CHECK(run_sifkit({"inspect", "-lr", sif}).out == run_sifkit({"inspect", "-l", "-r", sif}).out);

    // A section the image lacks prints nothing (as apptainer inspect), and is null in JSON.
    const auto test = run_sifkit({"inspect", "-t", sif});
    CHECK(test.exit_code == 0);
    CHECK(test.out.empty());
    CHECK(json::parse(run_sifkit({"inspect", "--json", "-t", sif}).out)["test"].is_null());

    // Apptainer's JSON layout, for scripts written against apptainer inspect --json.
    const auto apptainer =
        json::parse(run_sifkit({"inspect", "--json-format", "apptainer", sif}).out);
    CHECK(apptainer["type"] == "container");
    const auto& attributes = apptainer["data"]["attributes"];
    CHECK(attributes["labels"]["org.example.title"] == "fixture");
    std::string trimmed = runscript;
    while (!trimmed.empty() && trimmed.back() == '\n') {
        trimmed.pop_back();
    }
    CHECK(attributes["runscript"] == trimmed);
    CHECK_FALSE(attributes.contains("test"));
    const auto only_labels =
        json::parse(run_sifkit({"inspect", "-j", "--json-format", "apptainer", "-l", sif}).out);
    CHECK(only_labels["data"]["attributes"].size() == 1);
}

TEST_CASE("convert: one meaning per option and output name, clear wording", "[cli-consistency]") {
    const auto dir = area("convert");
    const std::string source = "oci:" + (fixtures() / "layout").string();
    const auto lz4 = run_sifkit(
        {"convert", "--compression", "lz4", "--level", "3", source, (dir / "a.sif").string()});
    check_error(lz4, 2, "lz4 has no compression levels; leave out --level");

    // "-" is standard output for add, extract and export; a SIF cannot stream there.
    sifkit::test::RunOptions in_dir;
    in_dir.cwd = dir;
    const auto dash =
        sifkit::test::run({sifkit::test::sifkit_bin().string(), "convert", source, "-"}, in_dir);
    INFO(dash.describe());
    CHECK(dash.exit_code == 2);
    CHECK(dash.err.find("cannot be written to standard output") != std::string::npos);
    CHECK_FALSE(fs::exists(dir / "-"));

    // --compress-threads is the long name everywhere; convert keeps -j/--jobs for it.
    const auto threads = dir / "threads.sif";
    const auto old_name = dir / "jobs.sif";
    CHECK(run_sifkit({"convert", "-q", "--compress-threads", "1", source, threads.string()})
              .exit_code == 0);
    CHECK(run_sifkit({"convert", "-q", "-j", "1", source, old_name.string()}).exit_code == 0);
    CHECK(sifkit::test::sha256_file(threads) == sifkit::test::sha256_file(old_name));
    CHECK(run_sifkit({"pull", "--help"}).out.find("--downloads") != std::string::npos);

    // A root file system is not "0 layer(s)".
    const auto root = dir / "root";
    fs::create_directories(root / "etc");
    sifkit::test::write_file(root / "etc" / "hostname", "box\n");
    const auto rootfs =
        run_sifkit({"convert", "dir:" + root.string(), (dir / "root.sif").string()});
    INFO(rootfs.describe());
    CHECK(rootfs.exit_code == 0);
    CHECK(rootfs.out.find(": root file system, ") != std::string::npos);
    CHECK(rootfs.out.find("layer(s)") == std::string::npos);
}

TEST_CASE("verify says what to do about a second signer and about sign --object",
          "[cli-consistency]") {
    const auto dir = area("verify");
    for (const std::string name : {"first", "second"}) {
        CHECK(run_sifkit({"key", "generate", (dir / name).string()}).exit_code == 0);
    }
    const auto twice = dir / "twice.sif";
    fs::copy_file(fixture_sif(), twice);
    sifkit_ok({"sign", twice.string(), "--key", (dir / "first.key").string()});
    sifkit_ok({"sign", twice.string(), "--key", (dir / "second.key").string()});
    const auto first_only =
        run_sifkit({"verify", twice.string(), "--key", (dir / "first.pub").string()});
    INFO(first_only.describe());
    CHECK(first_only.exit_code == 12);
    CHECK(first_only.out.find("  hint: group 1: signature 4 verified, but signature 5 is by a key "
                              "not given, and every signature of a group must verify") !=
          std::string::npos);
    CHECK(first_only.out.find("also trust that signer's key (--key, --keys-dir)") !=
          std::string::npos);
    // Doing what it says verifies the image.
    CHECK(run_sifkit({"verify", twice.string(), "--key", (dir / "first.pub").string(), "--key",
                      (dir / "second.pub").string()})
              .exit_code == 0);

    const auto partial = dir / "partial.sif";
    fs::copy_file(fixture_sif(), partial);
    sifkit_ok({"sign", partial.string(), "--key", (dir / "first.key").string(), "--object", "3"});
    const auto whole =
        run_sifkit({"verify", partial.string(), "--key", (dir / "first.pub").string()});
    INFO(whole.describe());
    CHECK(whole.exit_code != 0);
    CHECK(whole.out.find("  hint: group 1: signature 4 signs objects 3 only (sign --object), not "
                         "the whole group") != std::string::npos);
    CHECK(whole.out.find("verify what it signs with --object 3\n") != std::string::npos);
    const auto hinted = json::parse(
        run_sifkit({"verify", "--json", partial.string(), "--key", (dir / "first.pub").string()})
            .out);
    CHECK(hinted["hints"].size() == 1);
    CHECK(run_sifkit(
              {"verify", partial.string(), "--key", (dir / "first.pub").string(), "--object", "3"})
              .exit_code == 0);
}

TEST_CASE("progress: silent off a terminal; on one, drawn and cleared, also by Ctrl-C",
          "[cli-consistency]") {
    const std::string sif = fixture_sif().string();
    const std::string bin = sifkit::test::sifkit_bin().string();
    // stderr is a pipe here: nothing but the summary.
    const auto dir = area("progress");
    const auto quiet = run_sifkit({"export", sif, (dir / "tree").string()});
    CHECK(quiet.exit_code == 0);
    CHECK(quiet.err.find("\r") == std::string::npos);

    // Under a terminal (script's pty), with a reader that takes its time: the export is held up
    // long enough for the status line to be drawn, then it is cleared.
    const auto slow = sifkit::test::run(
        {"script", "-qec", bin + " export --format tar " + sif + " - | (sleep 2; cat > /dev/null)",
         "/dev/null"});
    INFO(slow.describe());
    CHECK(slow.exit_code == 0);
    const auto drawn = slow.out.find("\r\033[K[");
    REQUIRE(drawn != std::string::npos);
    CHECK(slow.out.find("export " + sif, drawn) != std::string::npos);
    CHECK(slow.out.ends_with("\r\033[K"));

    // extract shows the object's bytes against its size the same way.
    const auto extract = sifkit::test::run(
        {"script", "-qec", bin + " extract --partition " + sif + " - | (sleep 2; cat > /dev/null)",
         "/dev/null"});
    INFO(extract.describe());
    CHECK(extract.exit_code == 0);
    CHECK(extract.out.find("\r\033[K[") != std::string::npos);
    CHECK(extract.out.find("extract " + sif) != std::string::npos);
    CHECK(extract.out.ends_with("\r\033[K"));

    // Ctrl-C (SIGINT) while the line is up: the line is cleared before sifkit dies.
    const auto interrupted =
        sifkit::test::run({"script", "-qec",
                           "timeout -s INT 1.5 " + bin + " export --format tar " + sif +
                               " - | (sleep 3; cat > /dev/null)",
                           "/dev/null"});
    INFO(interrupted.describe());
    const auto last_draw = interrupted.out.rfind("\r\033[K[");
    REQUIRE(last_draw != std::string::npos);
    CHECK(interrupted.out.find("\r\033[K", last_draw + 1) != std::string::npos);
    CHECK(interrupted.out.find("Error") == std::string::npos);
}

TEST_CASE("progress: sign, verify and stage draw their line on a terminal", "[cli-consistency]") {
    // The fixture is too small to last the half second before a line is drawn;
    // SIFKIT_PROGRESS_DELAY_MS=0 draws it at once (and at least once).
    const auto dir = area("progress-commands");
    const std::string bin = sifkit::test::sifkit_bin().string();
    const fs::path sif = dir / "image.sif";
    fs::copy_file(fixture_sif(), sif);
    sifkit_ok({"key", "generate", (dir / "site").string()});
    const auto on_terminal = [&](const std::string& command, const std::string& label) {
        const auto r = sifkit::test::run(
            {"script", "-qec", "SIFKIT_PROGRESS_DELAY_MS=0 " + bin + " " + command, "/dev/null"});
        INFO(r.describe());
        CHECK(r.exit_code == 0);
        const auto drawn = r.out.find("\r\033[K[");
        REQUIRE(drawn != std::string::npos);
        CHECK(r.out.find(label + " " + sif.string(), drawn) != std::string::npos);
        CHECK(r.out.find("\r\033[K", drawn + 1) != std::string::npos);  // cleared
    };
    on_terminal("sign " + sif.string() + " --key " + (dir / "site.key").string(), "sign");
    on_terminal("verify " + sif.string() + " --key " + (dir / "site.pub").string(), "verify");
    on_terminal("stage " + sif.string() + " " + (dir / "staged.sif").string() + " --key " +
                    (dir / "site.pub").string(),
                "stage");
    // Off a terminal the same delay draws nothing.
    const auto piped = sifkit::test::run({"env", "SIFKIT_PROGRESS_DELAY_MS=0", bin, "verify",
                                          sif.string(), "--key", (dir / "site.pub").string()});
    CHECK(piped.exit_code == 0);
    CHECK(piped.err.find('\r') == std::string::npos);
}
