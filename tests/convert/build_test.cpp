// sifkit build from the definition files of tests/fixtures/definitions over the fixture images:
// the files the sections put into the image (read back with `sifkit cat` and unsquashfs), the
// Def.FILE object, inspect, every local bootstrap, the build arguments, and the one-line errors
// (exit codes, no output left) for refused, malformed and swapped input.
#include <algorithm>
#include <cctype>
#include <fstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "convert_support.hpp"

using namespace convert_test;
namespace t = sifkit::test;

namespace {

// sifkit ARGS... run in the fixture directory (the %files sources are relative to it), with a
// fixed SOURCE_DATE_EPOCH.
RunResult build_here(const std::vector<std::string>& args,
                     const std::vector<std::string>& env = {}) {
    std::vector<std::string> argv{t::sifkit_bin().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    t::RunOptions options;
    options.cwd = definitions();
    options.env = {"SOURCE_DATE_EPOCH=1700000000"};
    options.env.insert(options.env.end(), env.begin(), env.end());
    return t::run(argv, options);
}

// A throwaway OpenPGP signing key made by gpg in `home`: its fingerprint; the secret key is
// written to DIR/NAME.sec.asc and the certificate to DIR/NAME.asc.
std::string make_gpg_key(const fs::path& home, const std::string& name) {
    t::RunOptions options;
    options.env = {"GNUPGHOME=" + home.string()};
    const std::string uid = name + " <" + name + "@test>";
    const auto made = t::run(
        {"gpg", "--batch", "--passphrase", "", "--quick-gen-key", uid, "ed25519", "sign", "never"},
        options);
    INFO(made.describe());
    REQUIRE(made.exit_code == 0);
    const auto listed = t::run({"gpg", "--with-colons", "--list-keys", name + "@test"}, options);
    const auto at = listed.out.find("\nfpr:");
    REQUIRE(at != std::string::npos);
    const auto line_end = listed.out.find('\n', at + 1);
    const std::string line = listed.out.substr(at + 1, line_end - at - 1);
    const std::string fingerprint = line.substr(line.size() - 41, 40);
    const auto secret =
        t::run({"gpg", "--batch", "--armor", "--export-secret-keys", name + "@test"}, options);
    t::write_file(home.parent_path() / (name + ".sec.asc"), secret.out);
    const auto pub = t::run({"gpg", "--armor", "--export", name + "@test"}, options);
    t::write_file(home.parent_path() / (name + ".asc"), pub.out);
    return fingerprint;
}

void build_ok(const std::vector<std::string>& args) {
    const auto result = build_here(args);
    INFO(result.describe());
    REQUIRE(result.exit_code == 0);
}

std::string layout_arg() {
    return "LAYOUT=" + (fixtures() / "layout").string();
}

// full.def built once for the tests that read it.
const fs::path& full_image() {
    static const fs::path sif = [] {
        const fs::path out = scratch() / "full.sif";
        build_ok({"build", "-q", "--build-arg", layout_arg(), out.string(), "full.def"});
        return out;
    }();
    return sif;
}

// `unsquashfs -lln` of the image's partition: "MODE OWNER SIZE ... PATH" per entry.
std::string listing(const fs::path& sif) {
    const fs::path squashfs = scratch() / (sif.stem().string() + ".sqfs");
    dump_partition(sif, squashfs);
    const auto listed = t::run({"unsquashfs", "-lln", squashfs.string()});
    INFO(listed.describe());
    REQUIRE(listed.exit_code == 0);
    return listed.out;
}

// The line of `listing` for `path` (squashfs-root/PATH), empty when there is none.
std::string entry_line(const std::string& listing, const std::string& path) {
    const std::string suffix = " squashfs-root" + path;
    std::size_t start = 0;
    while (start < listing.size()) {
        const auto end = listing.find('\n', start);
        const std::string line = listing.substr(start, end - start);
        if (line.size() >= suffix.size() &&
            line.compare(line.size() - suffix.size(), suffix.size(), suffix) == 0) {
            return line;
        }
        start = end == std::string::npos ? listing.size() : end + 1;
    }
    return {};
}

}  // namespace

TEST_CASE("full.def: the /.singularity.d files are what Apptainer writes", "[build]") {
    const fs::path& sif = full_image();
    CHECK(cat(sif, "/.singularity.d/runscript") ==
          "#!/bin/sh\n\n    echo \"$GREETING from the runscript:\" \"$@\"\n");
    CHECK(cat(sif, "/.singularity.d/startscript") == "#!/bin/sh\n\n    echo started\n");
    CHECK(cat(sif, "/.singularity.d/test") == "#!/bin/sh\n\n    test -f /opt/app/hello.txt\n");
    CHECK(cat(sif, "/.singularity.d/runscript.help") ==
          "    Prints a greeting.\n    Run it with arguments to have them echoed.\n");
    const std::string env = cat(sif, "/.singularity.d/env/90-environment.sh");
    CHECK(env.ends_with("\n\n    export GREETING=\"hello\"\n    export APP_HOME=/opt/app\n"));

    const auto labels = nlohmann::json::parse(cat(sif, "/.singularity.d/labels.json"));
    CHECK(labels["Author"] == "Jo Doe <jo@example.org>");
    CHECK(labels["Version"] == "1.0");
    CHECK(labels["org.example.title"] == "overridden by the definition");  // the image's, replaced
    CHECK(labels["org.label-schema.usage.singularity.deffile.bootstrap"] == "oci");
    CHECK(labels["org.label-schema.usage.singularity.deffile.from"] ==
          (fixtures() / "layout").string() + ":latest");
    // Go's escaping of < and >, as Apptainer writes labels.json.
    CHECK(cat(sif, "/.singularity.d/labels.json").find("Jo Doe \\u003cjo@example.org\\u003e") !=
          std::string::npos);

    // The definition file as built (arguments substituted), in the image and as Def.FILE.
    std::string expected = t::read_file(definitions() / "full.def");
    const std::string placeholder = "{{ LAYOUT }}";
    expected.replace(expected.find(placeholder), placeholder.size(),
                     (fixtures() / "layout").string());
    expected.replace(expected.find("{{ GREETING }}"), 14, "hello");
    CHECK(cat(sif, "/.singularity.d/Singularity") == expected);
    const auto deffile = run_sifkit({"dump", "1", sif.string()});
    CHECK(deffile.out == expected);
    const auto listed = run_sifkit({"list", sif.string()});
    CHECK(listed.out.find("Def.FILE") != std::string::npos);
}

TEST_CASE("full.def: %files and %appfiles are copied with their modes, owned by root", "[build]") {
    const fs::path& sif = full_image();
    CHECK(cat(sif, "/opt/app/hello.txt") == "hello from %files\n");
    CHECK(cat(sif, "/opt/app/tree/one.txt") == "one\n");
    CHECK(cat(sif, "/opt/app/tree/sub/deep.txt") == "deep\n");
    CHECK(cat(sif, "/etc/app/glob-a.conf") == "first\n");
    CHECK(cat(sif, "/etc/app/glob-b.conf") == "second\n");
    CHECK(cat(sif, "/usr/local/bin/tool") == "#!/bin/sh\necho tool \"$@\"\n");
    CHECK(cat(sif, "/scif/apps/tool/share/hello.txt") == "hello from %files\n");
    // The image's own files are still there.
    CHECK(cat(sif, "/etc/hostname").size() > 0);

    const std::string tree = listing(sif);
    INFO(tree);
    CHECK(entry_line(tree, "/usr/local/bin/tool").starts_with("-rwxr-xr-x 0/0 "));
    CHECK(entry_line(tree, "/opt/app/hello.txt").starts_with("-rw-r--r-- 0/0 "));
    CHECK(entry_line(tree, "/opt/app/tree/sub").starts_with("drwxr-xr-x 0/0 "));
    // Times are the recorded build time, not the host files'.
    CHECK(entry_line(tree, "/opt/app/hello.txt").find("2023-11-14 22:13") != std::string::npos);
}

TEST_CASE("full.def: SCIF apps are laid out under /scif as Apptainer lays them out", "[build]") {
    const fs::path& sif = full_image();
    CHECK(cat(sif, "/scif/apps/tool/scif/runscript") ==
          "#!/bin/sh\n\n    exec /usr/local/bin/tool \"$@\"\n");
    CHECK(cat(sif, "/scif/apps/tool/scif/test") ==
          "#!/bin/sh\n\n    /usr/local/bin/tool --version\n");
    CHECK(cat(sif, "/scif/apps/tool/scif/env/90-environment.sh") == "    export TOOL_MODE=fast");
    CHECK(cat(sif, "/scif/apps/tool/scif/runscript.help") == "    The tool app.");
    CHECK(cat(sif, "/scif/apps/tool/scif/labels.json") ==
          "{\n\t\"Kind\": \"command-line\",\n\t\"SCIF_APP_NAME\": \"tool\"\n}");
    CHECK(cat(sif, "/scif/apps/tool/scif/env/01-base.sh").find("SCIF_APPNAME=tool\n") !=
          std::string::npos);
    const std::string apps = cat(sif, "/.singularity.d/env/94-appsbase.sh");
    CHECK(apps.find("SCIF_APPROOT_tool=/scif/apps/tool\n") != std::string::npos);
    CHECK(apps.find("export SCIF_APPRUN_tool=\"/scif/apps/tool/scif/runscript\"\n") !=
          std::string::npos);
    const std::string tree = listing(sif);
    for (const char* dir : {"/scif/apps/tool/bin", "/scif/apps/tool/lib", "/scif/data/tool/input",
                            "/scif/data/tool/output"}) {
        CHECK(entry_line(tree, dir).starts_with("drwxr-xr-x 0/0 "));
    }
}

TEST_CASE("full.def: inspect shows what the sections set", "[build]") {
    const std::string sif = full_image().string();
    const auto inspect = [&](const std::string& flag) {
        const auto result = run_sifkit({"inspect", flag, sif});
        INFO(result.describe());
        REQUIRE(result.exit_code == 0);
        return result.out;
    };
    CHECK(inspect("--runscript") ==
          "#!/bin/sh\n\n    echo \"$GREETING from the runscript:\" \"$@\"\n");
    CHECK(inspect("--test") == "#!/bin/sh\n\n    test -f /opt/app/hello.txt\n");
    CHECK(inspect("--helpfile") ==
          "    Prints a greeting.\n    Run it with arguments to have them echoed.\n");
    CHECK(inspect("--deffile").starts_with("# Every section"));
    CHECK(inspect("--labels").find("Author: Jo Doe <jo@example.org>\n") != std::string::npos);
    CHECK(inspect("--environment").find("export APP_HOME=/opt/app") != std::string::npos);
}

TEST_CASE("full.def: the image runs the definition's runscript and environment", "[build]") {
    if (!running_as_root()) {
        WARN("not root: the chroot run is skipped");
        return;
    }
    const fs::path root = unpack_with_unsquashfs(full_image(), "full-run");
    const auto run = t::run({"env", "-i", "HOME=/root", "/usr/sbin/chroot", root.string(),
                             "/.singularity.d/actions/run", "one", "two"});
    INFO(run.describe());
    CHECK(run.exit_code == 0);
    CHECK(run.out == "hello from the runscript: one two\n");
    const auto app_env = t::run({"env", "-i", "HOME=/root", "SINGULARITY_APPNAME=tool",
                                 "/usr/sbin/chroot", root.string(), "/.singularity.d/actions/exec",
                                 "/bin/sh", "-c", "echo $TOOL_MODE $SCIF_APPROOT"});
    CHECK(app_env.out == "fast /scif/apps/tool\n");
}

TEST_CASE("build arguments from a file and the command line; the same input, the same bytes",
          "[build]") {
    const fs::path a = scratch() / "args-a.sif";
    const fs::path b = scratch() / "args-b.sif";
    build_ok({"build", "-q", "--build-arg-file", "args.txt", "--build-arg", layout_arg(),
              a.string(), "full.def"});
    CHECK(cat(a, "/.singularity.d/env/90-environment.sh").find("GREETING=\"hi from a file\"") !=
          std::string::npos);
    build_ok({"build", "-q", "--build-arg-file", "args.txt", "--build-arg", layout_arg(),
              "--build-arg", "GREETING=from the command line", b.string(), "full.def"});
    CHECK(cat(b, "/.singularity.d/env/90-environment.sh")
              .find("GREETING=\"from the command line\"") != std::string::npos);

    const fs::path again = scratch() / "full-again.sif";
    build_ok({"build", "-q", "--build-arg", layout_arg(), again.string(), "full.def"});
    CHECK(t::sha256_file(again) == t::sha256_file(full_image()));

    // An argument the file does not use: a warning, and the build goes on.
    const fs::path extra = scratch() / "extra-arg.sif";
    const auto warned = build_here({"build", "-q", "--build-arg", layout_arg(), "--build-arg",
                                    "UNUSED=1", extra.string(), "full.def"});
    CHECK(warned.exit_code == 0);
    CHECK(warned.err == "sifkit: warning: build argument UNUSED is not used by full.def\n");
}

TEST_CASE("every local bootstrap builds", "[build]") {
    struct Case {
        std::string def;
        std::string argument;
        std::string runscript;
    };
    const Case cases[] = {
        {"oci-archive.def", "ARCHIVE=" + (fixtures() / "image.oci.tar").string(),
         "#!/bin/sh\n\n    echo from an oci-archive\n"},
        {"docker-archive.def", "ARCHIVE=" + (fixtures() / "image.docker.tar").string(),
         "#!/bin/sh\n\n    echo from a docker-archive\n"},
        {"localimage.def", "ROOTFS=" + (fixtures() / "rootfs").string(),
         "#!/bin/sh\n\n    echo from a sandbox directory\n"},
        {"scratch.def", "", "#!/bin/cat\n\n\n"},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.def) {
            const fs::path sif = scratch() / (c.def + ".sif");
            std::vector<std::string> args{"build", "-q"};
            if (!c.argument.empty()) {
                args.insert(args.end(), {"--build-arg", c.argument});
            }
            args.insert(args.end(), {sif.string(), c.def});
            build_ok(args);
            CHECK(cat(sif, "/.singularity.d/runscript") == c.runscript);
            const auto deffile = run_sifkit({"inspect", "--deffile", sif.string()});
            CHECK(deffile.out.find("Bootstrap: ") != std::string::npos);
            if (c.def == "scratch.def") {
                // Nothing but the copied file and the runtime's own entries.
                CHECK(cat(sif, "/hello.txt") == "hello from %files\n");
                CHECK(run_sifkit({"ls", sif.string(), "/bin"}).exit_code != 0);
            }
        }
    }
}

TEST_CASE("localimage-sif.def: a SIF base keeps its /.singularity.d, the sections add to it",
          "[build]") {
    const fs::path& base = full_image();
    const fs::path sif = scratch() / "on-sif.sif";
    build_ok({"build", "-q", "--build-arg", "BASE=" + base.string(), sif.string(),
              "localimage-sif.def"});
    // What the definition does not set is the base's, byte for byte.
    for (const char* kept :
         {"/.singularity.d/runscript", "/.singularity.d/startscript", "/.singularity.d/test",
          "/.singularity.d/runscript.help", "/.singularity.d/env/10-docker2singularity.sh",
          "/scif/apps/tool/scif/runscript", "/opt/app/hello.txt"}) {
        INFO(kept);
        CHECK(cat(sif, kept) == cat(base, kept));
    }
    CHECK(cat(sif, "/.singularity.d/env/90-environment.sh") ==
          cat(base, "/.singularity.d/env/90-environment.sh") + "\n    export LAYER=second\n");
    CHECK(cat(sif, "/.singularity.d/bootstrap_history/Apptainer0") ==
          cat(base, "/.singularity.d/Singularity"));
    const std::string deffile = cat(sif, "/.singularity.d/Singularity");
    CHECK(deffile.find("Bootstrap: localimage\nFrom: " + base.string() + "\n") !=
          std::string::npos);
    const auto labels = nlohmann::json::parse(cat(sif, "/.singularity.d/labels.json"));
    const auto base_labels = nlohmann::json::parse(cat(base, "/.singularity.d/labels.json"));
    CHECK(labels["Author"] == base_labels["Author"]);
    CHECK(labels["Layer"] == "second");
    CHECK(labels["org.label-schema.usage.singularity.deffile.bootstrap"] == "localimage");
    // The partition keeps the base's architecture; the image runs the base's runscript.
    const auto run = run_sifkit({"inspect", "--runscript", sif.string()});
    CHECK(run.out.find("from the runscript") != std::string::npos);

    // A second build on this one: the history grows.
    const fs::path again = scratch() / "on-sif-again.sif";
    build_ok({"build", "-q", "--build-arg", "BASE=" + sif.string(), again.string(),
              "localimage-sif.def"});
    CHECK(cat(again, "/.singularity.d/bootstrap_history/Apptainer0") ==
          cat(base, "/.singularity.d/Singularity"));
    CHECK(cat(again, "/.singularity.d/bootstrap_history/Apptainer1") == deffile);
    CHECK(cat(again, "/.singularity.d/env/90-environment.sh") ==
          cat(sif, "/.singularity.d/env/90-environment.sh") + "\n    export LAYER=second\n");

    // What is not a SIF with a root file system: one line naming it, nothing written.
    const fs::path dir = scratch() / "not-sif";
    fs::create_directories(dir);

    // A hostile base whose bootstrap_history is a link to the host's /etc: the history goes
    // into a directory of the image, never through the link.
    const fs::path hostile = dir / "hostile-root";
    fs::create_directories(hostile / ".singularity.d");
    fs::create_symlink("/etc", hostile / ".singularity.d" / "bootstrap_history");
    const fs::path hostile_sif = dir / "hostile.sif";
    REQUIRE(
        run_sifkit({"convert", "-q", "dir:" + hostile.string(), hostile_sif.string()}).exit_code ==
        0);
    const fs::path on_hostile = dir / "on-hostile.sif";
    build_ok({"build", "-q", "--build-arg", "BASE=" + hostile_sif.string(), on_hostile.string(),
              "localimage-sif.def"});
    CHECK(cat(on_hostile, "/.singularity.d/bootstrap_history/Apptainer0") ==
          cat(hostile_sif, "/.singularity.d/Singularity"));
    const std::string listed = run_sifkit({"ls", "-l", on_hostile.string(), "/.singularity.d"}).out;
    const auto history = listed.find(" bootstrap_history\n");
    REQUIRE(history != std::string::npos);
    CHECK(listed[listed.rfind('\n', history) + 1] == 'd');  // a directory, not the link
    CHECK(!fs::exists("/etc/Apptainer0"));
    fs::remove(hostile_sif);
    fs::remove(on_hostile);
    fs::remove_all(hostile);

    t::write_file(dir / "fake.sif", "not a SIF at all");
    const auto refused = build_here({"build", "--build-arg", "BASE=" + (dir / "fake.sif").string(),
                                     (dir / "out.sif").string(), "localimage-sif.def"});
    CHECK(refused.exit_code != 0);
    CHECK(refused.err.find((dir / "fake.sif").string()) != std::string::npos);
    CHECK(std::count(refused.err.begin(), refused.err.end(), '\n') == 1);
    CHECK(!fs::exists(dir / "out.sif"));
}

TEST_CASE("Fingerprints: the SIF base must be signed by every key it lists", "[build]") {
    const fs::path dir = scratch() / "fingerprints";
    fs::create_directories(dir / "gnupg");
    fs::permissions(dir / "gnupg", fs::perms::owner_all, fs::perm_options::replace);
    const std::string signer = make_gpg_key(dir / "gnupg", "signer");
    const std::string other = make_gpg_key(dir / "gnupg", "other");
    const fs::path signed_sif = dir / "signed.sif";
    fs::copy_file(full_image(), signed_sif);
    const auto sign =
        run_sifkit({"sign", "--pgp-key", (dir / "signer.sec.asc").string(), signed_sif.string()});
    INFO(sign.describe());
    REQUIRE(sign.exit_code == 0);
    const std::string keyring = "SIFKIT_KEYRING=" + (dir / "keyring").string();
    for (const char* name : {"signer.asc", "other.asc"}) {
        const auto imported =
            t::run({t::sifkit_bin().string(), "key", "import", (dir / name).string()},
                   t::RunOptions{std::nullopt, {keyring}, std::nullopt});
        REQUIRE(imported.exit_code == 0);
    }
    const auto build_on = [&](const fs::path& base, const std::string& fingerprints,
                              const std::string& ring = {}) {
        const fs::path def = dir / "on.def";
        t::write_file(def,
                      "Bootstrap: localimage\nFrom: " + base.string() + "\n" +
                          (fingerprints.empty() ? "" : "Fingerprints: " + fingerprints + "\n"));
        fs::remove(dir / "out.sif");
        return build_here({"build", "-q", (dir / "out.sif").string(), def.string()},
                          {ring.empty() ? keyring : ring});
    };
    const auto lower = [](std::string text) {
        for (char& c : text) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        return text;
    };

    // Signed by the listed key (any case, as Apptainer accepts it): built.
    CHECK(build_on(signed_sif, lower(signer)).exit_code == 0);
    CHECK(fs::exists(dir / "out.sif"));
    // Also listing a key that did not sign: exit 12, one line naming the line, nothing written.
    const auto both = build_on(signed_sif, signer + ", " + other);
    CHECK(both.exit_code == 12);
    CHECK(both.err.starts_with("sifkit: " + (dir / "on.def").string() + ":3: the base image "));
    CHECK(std::count(both.err.begin(), both.err.end(), '\n') == 1);
    CHECK(!fs::exists(dir / "out.sif"));
    // An unsigned base: exit 10.
    CHECK(build_on(full_image(), signer).exit_code == 10);
    // A key the keyring does not hold: exit 5, naming the keyring.
    const auto unknown = build_on(signed_sif, signer, "SIFKIT_KEYRING=" + (dir / "empty").string());
    CHECK(unknown.exit_code == 5);
    CHECK(unknown.err.find("is not in the keyring") != std::string::npos);
    // A tampered base (one byte of the partition): exit 11.
    const fs::path tampered = dir / "tampered.sif";
    fs::copy_file(signed_sif, tampered);
    {
        std::fstream file(tampered, std::ios::in | std::ios::out | std::ios::binary);
        file.seekp(static_cast<std::streamoff>(fs::file_size(tampered) / 2));
        file.put('\x5a');
    }
    CHECK(build_on(tampered, signer).exit_code == 11);
    // Without the header, signatures that do not verify warn and the build goes on.
    const auto warned = build_on(signed_sif, "", "SIFKIT_KEYRING=" + (dir / "empty").string());
    CHECK(warned.exit_code == 0);
    CHECK(warned.err.find("warning: " + signed_sif.string() + ": the base image's signatures") !=
          std::string::npos);
    // A malformed fingerprint names its line (exit 4); other bootstraps refuse the header (7).
    CHECK(build_on(signed_sif, "1234").exit_code == 4);
    t::write_file(dir / "oci.def", "Bootstrap: oci\nFrom: x\nFingerprints: " + signer + "\n");
    CHECK(build_here({"build", (dir / "out.sif").string(), (dir / "oci.def").string()}).exit_code ==
          7);
}

TEST_CASE("refused and malformed definition files: one line, the exit code, no output", "[build]") {
    struct Case {
        std::string def;
        int exit_code;
        std::string message;
    };
    const Case cases[] = {
        {"malformed.def", 4,
         "malformed.def:3: header line is not \"Keyword: value\": This line is no header"},
        {"unset-argument.def", 2,
         "unset-argument.def:2: build argument VERSION is not set (give --build-arg "
         "VERSION=VALUE, or a default in %arguments)"},
    };
    const fs::path dir = scratch() / "refused";
    fs::create_directories(dir);
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.def) {
            const auto result = build_here({"build", (dir / "out.sif").string(), c.def});
            CHECK(result.exit_code == c.exit_code);
            CHECK(result.err == "sifkit: " + c.message + "\n");
            check_only(dir, {});
        }
    }
    // The sections have nowhere to go in an OCI-SIF.
    const auto oci_sif = build_here({"build", "--format", "oci-sif", "--build-arg", layout_arg(),
                                     (dir / "out.sif").string(), "full.def"});
    CHECK(oci_sif.exit_code == 2);
    CHECK(oci_sif.err ==
          "sifkit: full.def: a definition file builds a native SIF; --format oci-sif is not "
          "supported with one\n");

    // A %files source that does not exist names its line, before anything is written.
    const fs::path def = dir / "missing.def";
    t::write_file(def, "Bootstrap: scratch\n%files\n  no-such-file /x\n");
    const auto missing = build_here({"build", (dir / "out.sif").string(), def.string()});
    CHECK(missing.exit_code == 5);
    CHECK(missing.err == "sifkit: " + def.string() + ":3: no host file matches \"no-such-file\"\n");
    fs::remove(def);
    check_only(dir, {});
}

TEST_CASE("arguments in the other command's order get a hint and the usage exit code", "[build]") {
    const fs::path dir = scratch() / "swapped";
    fs::create_directories(dir);
    const std::string out = (dir / "out.sif").string();
    const std::string layout = "oci:" + (fixtures() / "layout").string() + ":latest";
    struct Case {
        std::vector<std::string> args;
        std::string message;
    };
    const Case cases[] = {
        {{"build", layout, out},
         "\"" + layout + "\" is a source, not an output; did you mean: sifkit build " + out + " " +
             layout + "?"},
        {{"build", "full.def", out},
         "\"full.def\" is a source, not an output; did you mean: sifkit build " + out +
             " full.def?"},
        {{"convert", out, "docker://127.0.0.1:9/app:1"},
         "\"docker://127.0.0.1:9/app:1\" is a source, not an output; did you mean: sifkit "
         "convert docker://127.0.0.1:9/app:1 " +
             out + "?"},
        {{"convert", "full.def", out},
         "\"full.def\" is a definition file; build it with: sifkit build " + out + " full.def"},
        {{"build", out, "no-such-source"},
         "source \"no-such-source\" is neither a definition file nor a known transport "
         "(docker://, oras://, oci:, oci-archive:, docker-archive:, dir:, tar:)"},
    };
    for (const auto& c : cases) {
        const auto result = build_here(c.args);
        INFO(result.describe());
        CHECK(result.exit_code == 2);
        CHECK(result.err == "sifkit: " + c.message + "\n");
    }
    check_only(dir, {});
    // The right order builds, from any transport.
    build_ok({"build", "-q", out, layout});
    build_ok(
        {"build", "-q", (dir / "dir.sif").string(), "dir:" + (fixtures() / "rootfs").string()});
    // A SIF as the source: a rebuild (build_sandbox_test.cpp checks what it keeps).
    build_ok({"build", "-q", (dir / "re.sif").string(), out});
}
