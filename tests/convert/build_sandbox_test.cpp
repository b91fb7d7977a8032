// sifkit build of definition files whose sections run commands (%setup, %post, %appinstall,
// %test): the tree %post leaves (owners, setuid bits, links) read back with unsquashfs, the
// metadata the commands add ($APPTAINER_ENVIRONMENT, $APPTAINER_LABELS), the image running under
// runc through `sifkit bundle`, failures (exit 15, nothing written), the work directory removed,
// the same bytes twice, and a rootless build (user namespace with /etc/subuid) giving the tree a
// root build gives.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>

#include "convert_support.hpp"

using namespace convert_test;
namespace t = sifkit::test;

namespace {

// A work area (TMPDIR of the build) whose emptiness shows the sandbox was removed.
fs::path work_area(const std::string& name) {
    const fs::path dir = scratch() / ("sandbox-" + name);
    fs::create_directories(dir / "tmp");
    ::chmod(dir.c_str(), 0777);
    ::chmod((dir / "tmp").c_str(), 01777);
    return dir;
}

// `sifkit build ARGS...` in the fixture directory, with a fixed SOURCE_DATE_EPOCH and TMPDIR.
RunResult build(const fs::path& area, const std::vector<std::string>& args,
                const std::vector<std::string>& prefix = {}) {
    std::vector<std::string> argv = prefix;
    argv.push_back(t::sifkit_bin().string());
    argv.push_back("build");
    argv.push_back("--build-arg");
    argv.push_back("LAYOUT=" + (fixtures() / "layout").string());
    argv.insert(argv.end(), args.begin(), args.end());
    t::RunOptions options;
    options.cwd = definitions();
    options.env = {"SOURCE_DATE_EPOCH=1700000000", "TMPDIR=" + (area / "tmp").string()};
    return t::run(argv, options);
}

// `unsquashfs -lln` of the image: "PATH -> MODE OWNER SIZE-OR-TARGET" for the paths asked.
std::map<std::string, std::string> entries(const fs::path& sif) {
    const fs::path squashfs = sif.string() + ".sqfs";
    dump_partition(sif, squashfs);
    const auto listed = t::run({"unsquashfs", "-lln", squashfs.string()});
    REQUIRE(listed.exit_code == 0);
    std::map<std::string, std::string> out;
    std::istringstream lines(listed.out);
    for (std::string line; std::getline(lines, line);) {
        const auto at = line.find(" squashfs-root");
        if (at == std::string::npos) {
            continue;
        }
        std::istringstream fields(line.substr(0, at));
        std::string mode;
        std::string owner;
        std::string size;
        fields >> mode >> owner >> size;
        std::string path = line.substr(at + 14);
        path = path.empty() ? "/" : path;
        std::string target;
        if (const auto arrow = path.find(" -> "); arrow != std::string::npos) {
            target = path.substr(arrow + 4);
            path.resize(arrow);
        }
        out[path] = mode + " " + owner + (target.empty() ? "" : " -> " + target);
    }
    return out;
}

bool has_subordinate_ids(const std::string& user) {
    for (const char* file : {"/etc/subuid", "/etc/subgid"}) {
        std::ifstream in(file);
        bool found = false;
        for (std::string line; std::getline(in, line);) {
            found = found || line.rfind(user + ":", 0) == 0;
        }
        if (!found) {
            return false;
        }
    }
    return true;
}

}  // namespace

TEST_CASE("post.def: %setup, %post, %appinstall and %test run, and the image has their results",
          "[build-sandbox]") {
    const fs::path area = work_area("post");
    const fs::path sif = area / "post.sif";
    const auto built = build(area, {sif.string(), "post.def"});
    INFO(built.describe());
    REQUIRE(built.exit_code == 0);
    // The commands' trace (sh -x) and the sandbox report reach the user.
    CHECK(built.err.find("+ chown -R 1234:1234 /home/alice") != std::string::npos);
    CHECK(built.err.find(" used, removed\n") != std::string::npos);
    CHECK(fs::is_empty(area / "tmp"));

    const auto tree = entries(sif);
    CHECK(tree.at("/home/alice").rfind("drwxr-xr-x 1234/1234", 0) == 0);
    CHECK(tree.at("/home/alice/notes.txt") == "-rw-r--r-- 1234/1234");
    CHECK(tree.at("/usr/bin/suidtool") == "-rwsr-xr-x 0/0");
    CHECK(tree.at("/opt/notes-link") == "lrwxrwxrwx 0/0 -> /home/alice/notes.txt");
    CHECK(tree.count("/from-setup") == 1);
    CHECK(tree.at("/opt/hello.txt") == "-rw-r--r-- 0/0");
    // The build's own files do not stay in the image.
    CHECK(tree.count("/.post.script") == 0);
    CHECK(tree.count("/.build.labels") == 0);
    CHECK(cat(sif, "/home/alice/notes.txt") == "data of alice\n");
    CHECK(cat(sif, "/etc/passwd").find("alice:x:1234:1234:") != std::string::npos);
    CHECK(cat(sif, "/scif/apps/tool/installed.txt") == "installed by %appinstall\n");
    CHECK(cat(sif, "/.singularity.d/env/91-environment.sh") == "export FROM_POST=yes\n");

    const auto labels = run_sifkit({"inspect", "--labels", "--json", sif.string()});
    REQUIRE(labels.exit_code == 0);
    CHECK(labels.out.find("\"post.label\": \"set-in-post\"") != std::string::npos);
    CHECK(labels.out.find("\"Version\": \"2\"") != std::string::npos);
    const auto deffile = run_sifkit({"inspect", "--deffile", sif.string()});
    CHECK(deffile.out.find("%post") != std::string::npos);
    CHECK(deffile.out.find(fixtures().string()) != std::string::npos);  // {{ LAYOUT }} filled in

    // The image runs its runscript with the environment %environment and %post gave it.
    const fs::path bundle = area / "bundle";
    const auto bundled = run_sifkit({"bundle", sif.string(), bundle.string()});
    REQUIRE(bundled.exit_code == 0);
    const fs::path state = area / "runc-state";
    fs::create_directories(state);
    const auto ran = t::run({"runc", "--root", state.string(), "run", "--bundle", bundle.string(),
                             "sifkit-post-" + std::to_string(::getpid())});
    INFO(ran.describe());
    CHECK(ran.out == "hello world, from post: yes\n");

    // Same inputs, same bytes: times of what %post made are clamped to SOURCE_DATE_EPOCH.
    const fs::path again = area / "again.sif";
    REQUIRE(build(area, {"-q", again.string(), "post.def"}).exit_code == 0);
    CHECK(t::read_file(sif) == t::read_file(again));
    CHECK(tree.at("/home/alice/notes.txt").size() > 0);
}

TEST_CASE("a failing %post or %test: exit 15, one line naming it, nothing written",
          "[build-sandbox]") {
    const fs::path area = work_area("fails");
    const fs::path out = area / "out.sif";
    const auto post = build(area, {out.string(), "post-fails.def"});
    CHECK(post.exit_code == 15);
    CHECK(post.err.find("sifkit: post-fails.def:5: %post failed (exit status 1); nothing was "
                        "written\n") != std::string::npos);
    CHECK(post.err.find("never reached") == std::string::npos);
    CHECK_FALSE(fs::exists(out));
    CHECK(fs::is_empty(area / "tmp"));

    const auto test = build(area, {out.string(), "test-fails.def"});
    CHECK(test.exit_code == 15);
    CHECK(test.err.find("sifkit: test-fails.def:8: %test failed (exit status 1) (--notest skips "
                        "it); nothing was written\n") != std::string::npos);
    CHECK_FALSE(fs::exists(out));
    CHECK(fs::is_empty(area / "tmp"));

    const auto notest = build(area, {"--notest", out.string(), "test-fails.def"});
    INFO(notest.describe());
    CHECK(notest.exit_code == 0);
    CHECK(entries(out).count("/made-by-post") == 1);
    CHECK(fs::is_empty(area / "tmp"));
}

TEST_CASE("a rootless build (user namespace, /etc/subuid) gives the root build's tree",
          "[build-rootless]") {
    // nobody needs a subordinate ID range (.ci/run gives it one) and newuidmap (uidmap).
    if (!has_subordinate_ids("nobody") || !t::find_in_path("newuidmap")) {
        const std::string why = "no /etc/subuid and /etc/subgid range for nobody, or no newuidmap";
        if (const char* ci = std::getenv("CI"); ci != nullptr && std::string(ci) == "true") {
            FAIL(why);
        }
        WARN(why + ": the rootless build is not tested");
        return;
    }
    const fs::path area = work_area("rootless");
    const fs::path as_root = area / "root.sif";
    REQUIRE(build(area, {"-q", as_root.string(), "post.def"}).exit_code == 0);
    const fs::path rootless = area / "rootless.sif";
    const auto built = build(area, {rootless.string(), "post.def"},
                             {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "env",
                              "USER=nobody", "HOME=/nonexistent"});
    INFO(built.describe());
    REQUIRE(built.exit_code == 0);
    CHECK(fs::is_empty(area / "tmp"));
    struct stat st {};
    REQUIRE(::stat(rootless.c_str(), &st) == 0);
    CHECK(st.st_uid == 65534);  // the output belongs to the user who built it

    // What %post made has the owners and modes it gave, as in the root build. The fixture's
    // own device nodes and IDs above the 65536 mapped ones cannot be made in a user namespace
    // (as with Apptainer's --fakeroot); the build says so.
    auto root_tree = entries(as_root);
    auto user_tree = entries(rootless);
    for (const char* path :
         {"/home/alice", "/home/alice/notes.txt", "/usr/bin/suidtool", "/opt/notes-link",
          "/from-setup", "/etc/passwd", "/scif/apps/tool/installed.txt"}) {
        INFO(path);
        CHECK(user_tree.at(path) == root_tree.at(path));
    }
    CHECK(built.err.find("device node(s) not created") != std::string::npos);
    std::size_t differing = 0;
    for (const auto& [path, line] : root_tree) {
        const auto other = user_tree.find(path);
        if (other == user_tree.end() || other->second != line) {
            ++differing;
            UNSCOPED_INFO("differs: " << path << " root: " << line << " rootless: "
                                      << (other == user_tree.end() ? "-" : other->second));
        }
    }
    // /dev/null, /dev/loop0 (devices), /ids/big and /l2/big-ids.txt (IDs of 3000000) and /dev
    // (its size) only.
    CHECK(differing <= 5);
}

TEST_CASE("a rootless build without subordinate IDs is refused in one line", "[build-rootless]") {
    const fs::path area = work_area("no-subuid");
    // uid 65533 has no name and no range.
    const auto refused =
        build(area, {(area / "out.sif").string(), "post.def"},
              {"setpriv", "--reuid=65533", "--regid=65533", "--clear-groups", "env", "USER="});
    CHECK(refused.exit_code == 7);
    CHECK(refused.err.find("needs subordinate IDs for 65533 in /etc/subuid and /etc/subgid") !=
          std::string::npos);
    CHECK_FALSE(fs::exists(area / "out.sif"));
}

TEST_CASE("%test of a definition without other commands runs on the streamed image",
          "[build-sandbox]") {
    const fs::path area = work_area("streamed-test");
    const fs::path def = area / "streamed.def";
    t::write_file(def,
                  "Bootstrap: oci\nFrom: {{ LAYOUT }}:latest\n\n%files\n"
                  "    data/hello.txt /opt/hello.txt\n\n%test\n"
                  "    grep -q 'hello from %files' /opt/hello.txt\n    test -n \"$OPTION\"\n");
    const fs::path out = area / "out.sif";
    // $OPTION is unset in the image: the test fails, and the finished image is not kept.
    const auto failed = build(area, {out.string(), def.string()});
    CHECK(failed.exit_code == 15);
    CHECK(failed.err.find(def.string() + ":7: %test failed (exit status 1) (--notest skips it); "
                                         "nothing was written\n") != std::string::npos);
    CHECK(failed.err.find("+ grep") == std::string::npos);  // %test is not traced
    check_only(area, {"streamed.def", "tmp"});
    CHECK(fs::is_empty(area / "tmp"));

    // With an %environment that sets it, the same image passes and is written as it was tested.
    t::write_file(def, t::read_file(def) + "\n%environment\n    export OPTION=on\n");
    const auto passed = build(area, {out.string(), def.string()});
    INFO(passed.describe());
    CHECK(passed.exit_code == 0);
    CHECK(passed.err.find(" used, removed\n") != std::string::npos);
    const auto notest = build(area, {"--notest", (area / "notest.sif").string(), def.string()});
    CHECK(notest.exit_code == 0);
    CHECK(notest.err.find("build sandbox") == std::string::npos);  // nothing unpacked
    CHECK(t::read_file(out) == t::read_file(area / "notest.sif"));
}

TEST_CASE("a SIF rebuilt with other squashfs options keeps its tree and objects",
          "[build-sandbox]") {
    const fs::path area = work_area("rebuild");
    const fs::path original = area / "post.sif";
    REQUIRE(build(area, {"-q", original.string(), "post.def"}).exit_code == 0);
    const fs::path rebuilt = area / "rebuilt.sif";
    t::RunOptions options;
    options.env = {"TMPDIR=" + (area / "tmp").string()};
    const auto result = t::run({t::sifkit_bin().string(), "build", "-q", "--compression", "zstd",
                                rebuilt.string(), original.string()},
                               options);
    INFO(result.describe());
    REQUIRE(result.exit_code == 0);
    CHECK(fs::is_empty(area / "tmp"));
    CHECK(entries(rebuilt) == entries(original));  // owners, modes, link targets
    const auto squashfs = t::run({"unsquashfs", "-s", rebuilt.string() + ".sqfs"});
    CHECK(squashfs.out.find("Compression zstd") != std::string::npos);
    for (const char* flag : {"--deffile", "--labels", "--runscript"}) {
        CHECK(run_sifkit({"inspect", flag, rebuilt.string()}).out ==
              run_sifkit({"inspect", flag, original.string()}).out);
    }
    CHECK(cat(rebuilt, "/home/alice/notes.txt") == "data of alice\n");
}

TEST_CASE("multistage.def: the final image has what %files from STAGE copies, and nothing else",
          "[build-sandbox]") {
    const fs::path area = work_area("multistage");
    const fs::path sif = area / "multi.sif";
    const auto built = build(area, {sif.string(), "multistage.def"});
    INFO(built.describe());
    REQUIRE(built.exit_code == 0);
    CHECK(fs::is_empty(area / "tmp"));
    const auto tree = entries(sif);
    CHECK(tree.at("/usr/local/bin/tool") == "-rwxr-xr-x 0/0");
    CHECK(cat(sif, "/usr/share/tool/a.txt") == "one\n");
    CHECK(cat(sif, "/usr/share/tool/b.txt") == "two\n");
    CHECK(tree.count("/build-only") == 0);
    CHECK(tree.count("/out") == 0);
    CHECK(run_sifkit({"inspect", "--deffile", sif.string()}).out.find("Stage: build") !=
          std::string::npos);  // the whole file is recorded

    // A link in the stage's tree resolves inside that tree, never on the host: a link to a
    // host file the stage lacks copies nothing (exit 15), and the host file stays out.
    const fs::path def = area / "escape.def";
    t::write_file(def,
                  "Bootstrap: oci\nFrom: {{ LAYOUT }}:latest\nStage: one\n\n%post\n"
                  "    ln -s /etc/debian_version /leak\n\n"
                  "Bootstrap: oci\nFrom: {{ LAYOUT }}:latest\n\n%files from one\n"
                  "    /leak /leak\n");
    const auto escape = build(area, {(area / "escape.sif").string(), def.string()});
    CHECK(escape.exit_code == 15);
    CHECK(escape.err.find(def.string() + ":11: %files from one failed") != std::string::npos);
    CHECK_FALSE(fs::exists(area / "escape.sif"));
    CHECK(fs::is_empty(area / "tmp"));

    // A stage that is not an earlier one: one line naming the line, exit 4.
    t::write_file(def,
                  "Bootstrap: oci\nFrom: {{ LAYOUT }}:latest\n\n%files from nowhere\n"
                  "    /x /x\n");
    const auto unknown = build(area, {(area / "unknown.sif").string(), def.string()});
    CHECK(unknown.exit_code == 4);
    CHECK(unknown.err == "sifkit: " + def.string() +
                             ":4: %files from nowhere: no earlier stage is called nowhere "
                             "(\"Stage: nowhere\" in its header)\n");
}

TEST_CASE("a work directory on a noexec mount is refused in one line", "[build-sandbox]") {
    const fs::path area = work_area("noexec");
    fs::create_directories(area / "noexec");
    // A private mount namespace: the tmpfs goes away with the command.
    const std::string script =
        "mount -t tmpfs -o noexec tmpfs '" + (area / "noexec").string() + "' && exec \"$@\"";
    const auto refused = build(
        area, {"--tmpdir", (area / "noexec").string(), (area / "out.sif").string(), "post.def"},
        {"unshare", "-m", "sh", "-c", script, "sh"});
    CHECK(refused.exit_code == 7);
    CHECK(refused.err.find("mounted noexec, where nothing can run; put it on another one "
                           "(sifkit build --tmpdir DIR)") != std::string::npos);
    CHECK_FALSE(fs::exists(area / "out.sif"));
}
