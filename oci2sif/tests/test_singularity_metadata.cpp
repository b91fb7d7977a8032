// singularity_metadata(): the exact files for a small config, and what the generated scripts do
// when a real /bin/sh runs them (argv passed exactly, Env precedence, hostile strings).
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "labels_json.hpp"
#include "sifkit/sif/error.hpp"
#include "singularity_metadata.hpp"

using namespace sifkit::oci2sif;
namespace fs = std::filesystem;

namespace {

using Type = MetadataEntry::Type;
using Words = std::vector<std::string>;

// ---- running the scripts --------------------------------------------------------------------

struct Outcome {
    int status = -1;  // exit status, 128 + signal when killed
    std::string out;  // stdout; stderr goes to the test's own
};

// Runs argv (argv[0] an absolute path) with exactly `env` as its environment, as `env -i` would,
// so that nothing from the test's environment leaks into the scripts under test.
Outcome run_clean(const Words& argv, const Words& env = {"PATH=/usr/bin:/bin"}) {
    std::vector<std::string> args = argv;
    std::vector<std::string> vars = env;
    std::vector<char*> argp;
    std::vector<char*> envp;
    for (auto& a : args) {
        argp.push_back(a.data());
    }
    for (auto& v : vars) {
        envp.push_back(v.data());
    }
    argp.push_back(nullptr);
    envp.push_back(nullptr);

    int fds[2];
    if (::pipe(fds) != 0) {
        throw std::runtime_error("pipe failed");
    }
    const pid_t pid = ::fork();
    if (pid < 0) {
        throw std::runtime_error("fork failed");
    }
    if (pid == 0) {
        ::dup2(fds[1], 1);
        ::close(fds[0]);
        ::close(fds[1]);
        ::execve(argp[0], argp.data(), envp.data());
        ::_exit(127);
    }
    ::close(fds[1]);
    Outcome outcome;
    char buffer[4096];
    ssize_t n = 0;
    while ((n = ::read(fds[0], buffer, sizeof buffer)) > 0) {
        outcome.out.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    outcome.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return outcome;
}

// The words of output written as NUL-terminated strings.
Words split_nul(const std::string& out) {
    Words words;
    std::size_t start = 0;
    for (std::size_t end = out.find('\0'); end != std::string::npos; end = out.find('\0', start)) {
        words.push_back(out.substr(start, end - start));
        start = end + 1;
    }
    REQUIRE(start == out.size());  // every word was terminated
    return words;
}

// A fresh directory, removed with its contents at the end of the test.
class ScratchDir {
  public:
    ScratchDir() {
        std::string pattern = (fs::temp_directory_path() / "sifkit-meta-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed");
        }
        path_ = pattern;
    }
    ~ScratchDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    const fs::path& path() const { return path_; }

  private:
    fs::path path_;
};

void write_text(const fs::path& path, const std::string& text, std::uint32_t mode) {
    std::ofstream(path, std::ios::binary) << text;
    fs::permissions(path, static_cast<fs::perms>(mode));
}

// The text with every absolute /.singularity.d and /scif/apps path moved under `root`.
std::string relocated(std::string text, const std::string& root) {
    for (const std::string prefix : {"/.singularity.d", "/scif/apps"}) {
        for (auto at = text.find(prefix); at != std::string::npos;
             at = text.find(prefix, at + root.size() + prefix.size())) {
            text.insert(at, root);
        }
    }
    return text;
}

// Puts the entries under `root` as the converter would put them into the image, with the paths
// inside file contents relocated, so that the action scripts can be run without a container.
void materialize(const std::vector<MetadataEntry>& entries, const fs::path& root) {
    for (const auto& entry : entries) {
        const fs::path path = root / entry.path.substr(1);
        if (entry.type == Type::directory) {
            fs::create_directories(path);
        } else if (entry.type == Type::symlink) {
            fs::create_symlink(entry.data, path);
        } else {
            write_text(path, relocated(entry.data, root.string()), entry.mode);
        }
    }
}

// A copy, so that it may outlive a temporary list.
MetadataEntry entry_at(const std::vector<MetadataEntry>& entries, const std::string& path) {
    const auto it = std::find_if(entries.begin(), entries.end(),
                                 [&](const MetadataEntry& e) { return e.path == path; });
    REQUIRE(it != entries.end());
    return *it;
}

// A command that prints each of its arguments NUL-terminated: as ENTRYPOINT it shows the argv
// that reached the program, byte for byte.
const Words kDumpArgs = {"/bin/sh", "-c", "for a in \"$@\"; do printf '%s\\0' \"$a\"; done",
                         "dump-args"};

// Strings that break naive quoting: quotes, expansions, globs, options, newlines, empty words,
// bytes that are not UTF-8.
const Words kHostile = {"a b",         "it's",   "\"dq\"", "$HOME", "`id`", "$(id)",
                        "back\\slash", "*",      "-n",     "--",    "",     "line\nbreak",
                        "\xff\xfe",    "'\"'\"", "tab\t",  "!"};

Words concat(Words a, const Words& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

Words tail(const Words& words, std::size_t from) {
    return Words(words.begin() + static_cast<std::ptrdiff_t>(from), words.end());
}

// The shells the scripts must work with: /bin/sh (dash on Debian), bash (many images' /bin/sh),
// and any listed in SIFKIT_TEST_SHELLS (colon-separated; each must take `-n FILE`, `-c TEXT
// NAME ARGS...` and `FILE ARGS...` like sh), e.g. a driver for the mvdan.cc/sh interpreter that
// Apptainer embeds. Missing ones are skipped.
Words test_shells() {
    Words shells;
    std::string listed = "/bin/sh:/bin/bash";
    if (const char* extra = std::getenv("SIFKIT_TEST_SHELLS")) {
        listed += std::string(":") + extra;
    }
    for (std::size_t start = 0; start <= listed.size();) {
        const std::size_t end = std::min(listed.find(':', start), listed.size());
        const std::string shell = listed.substr(start, end - start);
        if (!shell.empty() && ::access(shell.c_str(), X_OK) == 0) {
            shells.push_back(shell);
        }
        start = end + 1;
    }
    return shells;
}

// Runs the rest of the test case once for each shell of test_shells(), naming it in failures.
#define FOR_EACH_SHELL(shell)                                      \
    const std::string shell = GENERATE(from_range(test_shells())); \
    INFO("shell: " << shell)

// Writes the runscript for entrypoint/cmd and runs it with `args` and `env`.
Outcome run_runscript(const Words& entrypoint, const Words& cmd, const Words& args,
                      const Words& env = {"PATH=/usr/bin:/bin"},
                      const std::string& shell = "/bin/sh") {
    MetadataInput input;
    input.entrypoint = entrypoint;
    input.cmd = cmd;
    ScratchDir dir;
    write_text(dir.path() / "runscript",
               entry_at(singularity_metadata(input), "/.singularity.d/runscript").data, 0755);
    return run_clean(concat({shell, (dir.path() / "runscript").string()}, args), env);
}

MetadataInput small_config() {
    MetadataInput input;
    input.env = {"PATH=/usr/local/bin:/usr/bin:/bin",
                 "LANG=C.UTF-8",
                 "EMPTY=",
                 "BARE",
                 "not.valid=1",
                 "QUOTE=it's \"$HOME\""};
    input.entrypoint = {"/bin/hello", "a b"};
    input.cmd = {"x"};
    input.labels = {{"maintainer", "Ann <ann@example.org>"},
                    {"org.label-schema.schema-version", "0.9"}};
    input.architecture = "amd64";
    input.deffile = "bootstrap: docker\nfrom: hello:1.0\n";
    return input;
}

}  // namespace

// ---- exact content -----------------------------------------------------------------------------

TEST_CASE("a small config gives exactly these files", "[metadata]") {
    const auto entries = singularity_metadata(small_config());

    CHECK(entry_at(entries, "/.singularity.d/runscript").data == R"sh(#!/bin/sh
# Generated by sifkit from the OCI image config. Runs ENTRYPOINT followed by the arguments
# given to `run`, or by CMD when there are none, as Apptainer does for OCI images.
OCI_ENTRYPOINT='"/bin/hello" "a b"'
OCI_CMD='"x"'

if [ $# -eq 0 ]; then
    # No arguments: CMD supplies them, literally.
    set -- 'x'
elif [ -z "${SINGULARITY_NO_EVAL:-}" ]; then
    # Like Apptainer, expand each argument once more as if it were written inside double
    # quotes (so '$HOME' given on the command line becomes the container's $HOME), unless
    # the runtime was asked not to (--no-eval sets SINGULARITY_NO_EVAL).
    sifkit_words=''
    for sifkit_arg in "$@"; do
        sifkit_words="$sifkit_words \"$sifkit_arg\""
    done
    eval "set -- $sifkit_words"
    unset sifkit_words sifkit_arg
fi
# ENTRYPOINT comes first, literally.
set -- '/bin/hello' 'a b' "$@"
exec "$@"
)sh");

    CHECK(entry_at(entries, "/.singularity.d/env/10-docker2singularity.sh").data ==
          R"sh(#!/bin/sh
# Generated by sifkit from the OCI image config's Env, with Apptainer's precedence: PATH is
# the image's; every other variable is a default, kept only while the variable is unset or
# empty. Values are single-quoted, so they are taken literally.
export PATH='/usr/local/bin:/usr/bin:/bin'
[ -n "${LANG:-}" ] || LANG='C.UTF-8'; export LANG
[ -n "${EMPTY:-}" ] || EMPTY=''; export EMPTY
[ -n "${BARE:-}" ] || BARE=''; export BARE
# Env entry 4 skipped: its name is not a shell variable name
[ -n "${QUOTE:-}" ] || QUOTE='it'"'"'s "$HOME"'; export QUOTE
)sh");

    // Go's json.MarshalIndent(labels, "", "\t"): sorted, tabs, HTML characters escaped, no final
    // newline; the build's schema-version replaces the image's.
    CHECK(entry_at(entries, "/.singularity.d/labels.json").data == R"json({
	"maintainer": "Ann \u003cann@example.org\u003e",
	"org.label-schema.build-arch": "amd64",
	"org.label-schema.schema-version": "1.0",
	"org.label-schema.usage.singularity.deffile.bootstrap": "docker",
	"org.label-schema.usage.singularity.deffile.from": "hello:1.0",
	"org.opencontainers.image.architecture": "amd64"
})json");

    CHECK(entry_at(entries, "/.singularity.d/Singularity").data ==
          "bootstrap: docker\nfrom: hello:1.0\n");
    CHECK(entry_at(entries, "/etc/hosts").data.empty());
    CHECK(entry_at(entries, "/etc/resolv.conf").data.empty());
}

TEST_CASE("every entry, its type, mode and whether the image's own wins", "[metadata]") {
    struct Expected {
        std::string path;
        Type type;
        std::uint32_t mode;
        bool only_if_missing;
    };
    const std::vector<Expected> expected = {
        {"/.exec", Type::symlink, 0777, true},
        {"/.run", Type::symlink, 0777, true},
        {"/.shell", Type::symlink, 0777, true},
        {"/.singularity.d", Type::directory, 0755, false},
        {"/.singularity.d/Singularity", Type::file, 0644, false},
        {"/.singularity.d/actions", Type::directory, 0755, false},
        {"/.singularity.d/actions/exec", Type::file, 0755, false},
        {"/.singularity.d/actions/run", Type::file, 0755, false},
        {"/.singularity.d/actions/shell", Type::file, 0755, false},
        {"/.singularity.d/actions/start", Type::file, 0755, false},
        {"/.singularity.d/actions/test", Type::file, 0755, false},
        {"/.singularity.d/env", Type::directory, 0755, false},
        {"/.singularity.d/env/01-base.sh", Type::file, 0755, false},
        {"/.singularity.d/env/10-docker2singularity.sh", Type::file, 0755, false},
        {"/.singularity.d/env/90-environment.sh", Type::file, 0755, false},
        {"/.singularity.d/env/95-apps.sh", Type::file, 0755, false},
        {"/.singularity.d/env/99-base.sh", Type::file, 0755, false},
        {"/.singularity.d/env/99-runtimevars.sh", Type::file, 0755, false},
        {"/.singularity.d/labels.json", Type::file, 0644, false},
        {"/.singularity.d/libs", Type::directory, 0755, false},
        {"/.singularity.d/runscript", Type::file, 0755, false},
        {"/.singularity.d/startscript", Type::file, 0755, false},
        {"/.test", Type::symlink, 0777, true},
        {"/dev", Type::directory, 0755, true},
        {"/environment", Type::symlink, 0777, true},
        {"/etc", Type::directory, 0755, true},
        {"/etc/hosts", Type::file, 0644, true},
        {"/etc/resolv.conf", Type::file, 0644, true},
        {"/home", Type::directory, 0755, true},
        {"/proc", Type::directory, 0755, true},
        {"/root", Type::directory, 0755, true},
        {"/singularity", Type::symlink, 0777, true},
        {"/sys", Type::directory, 0755, true},
        {"/tmp", Type::directory, 0755, true},
        {"/var", Type::directory, 0755, true},
        {"/var/tmp", Type::directory, 0755, true},
    };
    const auto entries = singularity_metadata(small_config());
    REQUIRE(entries.size() == expected.size());
    for (std::size_t i = 0; i < entries.size(); ++i) {
        INFO(expected[i].path);
        CHECK(entries[i].path == expected[i].path);
        CHECK(entries[i].type == expected[i].type);
        CHECK(entries[i].mode == expected[i].mode);
        CHECK(entries[i].only_if_missing == expected[i].only_if_missing);
    }
}

TEST_CASE("the links at / point into /.singularity.d, relative to /", "[metadata]") {
    const auto entries = singularity_metadata(small_config());
    CHECK(entry_at(entries, "/singularity").data == ".singularity.d/runscript");
    CHECK(entry_at(entries, "/.exec").data == ".singularity.d/actions/exec");
    CHECK(entry_at(entries, "/.run").data == ".singularity.d/actions/run");
    CHECK(entry_at(entries, "/.shell").data == ".singularity.d/actions/shell");
    CHECK(entry_at(entries, "/.test").data == ".singularity.d/actions/test");
    CHECK(entry_at(entries, "/environment").data == ".singularity.d/env/90-environment.sh");
    // Every target is generated too.
    for (const auto& entry : entries) {
        if (entry.type == Type::symlink) {
            CHECK(entry_at(entries, "/" + entry.data).type == Type::file);
        }
    }
}

TEST_CASE("parents come before children and paths are unique", "[metadata]") {
    const auto entries = singularity_metadata(small_config());
    std::set<std::string> seen{"/"};
    for (const auto& entry : entries) {
        INFO(entry.path);
        CHECK(seen.count(fs::path(entry.path).parent_path().string()) == 1);
        CHECK(seen.insert(entry.path).second);
    }
}

TEST_CASE("the same input gives the same entries, byte for byte", "[metadata]") {
    MetadataInput input = small_config();
    input.build_time = 920815509;
    input.variant = "v8";
    CHECK(singularity_metadata(input) == singularity_metadata(input));
    CHECK(singularity_metadata(MetadataInput{}) == singularity_metadata(MetadataInput{}));
}

// ---- the runscript, run by /bin/sh ------------------------------------------------------------

TEST_CASE("ENTRYPOINT [/bin/hello, 'a b'] + CMD [x]: CMD or the arguments follow", "[runscript]") {
    const Words entrypoint = concat(kDumpArgs, {"/bin/hello", "a b"});
    CHECK(split_nul(run_runscript(entrypoint, {"x"}, {}).out) == Words{"/bin/hello", "a b", "x"});
    CHECK(split_nul(run_runscript(entrypoint, {"x"}, {"y", "z w"}).out) ==
          Words{"/bin/hello", "a b", "y", "z w"});
}

TEST_CASE("ENTRYPOINT and CMD reach the program exactly, whatever they hold", "[runscript]") {
    FOR_EACH_SHELL(shell);
    const Words entrypoint = concat(kDumpArgs, tail(kHostile, 8));
    const Words cmd(kHostile.begin(), kHostile.begin() + 8);
    for (const Words& env :
         {Words{"PATH=/usr/bin:/bin"}, Words{"PATH=/usr/bin:/bin", "SINGULARITY_NO_EVAL=1"}}) {
        const Outcome outcome = run_runscript(entrypoint, cmd, {}, env, shell);
        CHECK(outcome.status == 0);
        CHECK(split_nul(outcome.out) == concat(tail(kHostile, 8), cmd));
    }
}

TEST_CASE("with SINGULARITY_NO_EVAL the arguments replace CMD untouched", "[runscript]") {
    FOR_EACH_SHELL(shell);
    const Outcome outcome = run_runscript(kDumpArgs, {"default"}, kHostile,
                                          {"PATH=/usr/bin:/bin", "SINGULARITY_NO_EVAL=1"}, shell);
    CHECK(outcome.status == 0);
    CHECK(split_nul(outcome.out) == kHostile);
}

TEST_CASE("by default the arguments are expanded once more, as Apptainer does", "[runscript]") {
    FOR_EACH_SHELL(shell);
    const Words env = {"PATH=/usr/bin:/bin", "PROBE=expanded"};
    // Words without ", $, ` or \ come through as they are, spaces, globs and all.
    const Words plain = {"two words", "it's", "*", "-n", "", "--", "line\nbreak", "\xff\xfe"};
    CHECK(split_nul(run_runscript(kDumpArgs, {"default"}, plain, env, shell).out) == plain);
    // The rest are read as inside double quotes: $PROBE expands, \$ keeps a dollar.
    CHECK(split_nul(
              run_runscript(kDumpArgs, {}, {"$PROBE", "\\$PROBE", "a${PROBE}b"}, env, shell).out) ==
          Words{"expanded", "$PROBE", "aexpandedb"});
}

TEST_CASE("CMD alone: the default command, replaced by the arguments", "[runscript]") {
    const Words cmd = concat(kDumpArgs, {"from CMD"});
    CHECK(split_nul(run_runscript({}, cmd, {}).out) == Words{"from CMD"});
    const Outcome replaced = run_runscript({}, cmd, {"/usr/bin/printf", "%s|", "a b", "c"});
    CHECK(replaced.status == 0);
    CHECK(replaced.out == "a b|c|");
}

TEST_CASE("ENTRYPOINT alone: the arguments follow it", "[runscript]") {
    CHECK(run_runscript(kDumpArgs, {}, {}).out.empty());
    CHECK(split_nul(run_runscript(kDumpArgs, {}, {"one", "two"}).out) == Words{"one", "two"});
}

TEST_CASE("neither ENTRYPOINT nor CMD: nothing to run, or the arguments", "[runscript]") {
    const Outcome nothing = run_runscript({}, {}, {});
    CHECK(nothing.status == 0);
    CHECK(nothing.out.empty());
    const Outcome given = run_runscript({}, {}, {"/usr/bin/printf", "%s", "ran"});
    CHECK(given.status == 0);
    CHECK(given.out == "ran");
}

TEST_CASE("the exit status of the program is the runscript's", "[runscript]") {
    CHECK(run_runscript({"/bin/sh", "-c", "exit 7"}, {}, {}).status == 7);
}

// ---- the environment scripts, sourced by /bin/sh ----------------------------------------------

namespace {

// Sources 10-docker2singularity.sh for `env_entries` in a shell whose environment is exactly
// `preset` (plus a PATH to find printf), then prints the named variables NUL-terminated, as a
// child process sees them (so unexported ones would be missing).
Words sourced_env(const Words& env_entries, const Words& preset, const Words& names,
                  const std::string& shell = "/bin/sh") {
    MetadataInput input;
    input.env = env_entries;
    ScratchDir dir;
    const fs::path script = dir.path() / "10-docker2singularity.sh";
    write_text(
        script,
        entry_at(singularity_metadata(input), "/.singularity.d/env/10-docker2singularity.sh").data,
        0755);
    const Outcome outcome =
        run_clean(concat({shell, "-c",
                          ". \"$1\" && shift && for n in \"$@\"; do "
                          "/bin/sh -c 'printf \"%s\\0\" \"${'\"$n\"'-<unset>}\"'; done",
                          "sh", script.string()},
                         names),
                  concat({"PATH=/usr/bin:/bin"}, preset));
    REQUIRE(outcome.status == 0);
    return split_nul(outcome.out);
}

}  // namespace

TEST_CASE("the image's PATH wins; other variables are defaults", "[env]") {
    FOR_EACH_SHELL(shell);
    const Words env = {"PATH=/opt/app/bin:/usr/bin:/bin", "LANG=C.UTF-8", "HOME=/root",
                       "EMPTY=", "BARE"};
    const Words names = {"PATH", "LANG", "HOME", "EMPTY", "BARE"};
    // Nothing preset: every variable gets the image's value, BARE and EMPTY exported empty.
    CHECK(sourced_env(env, {}, names, shell) ==
          Words{"/opt/app/bin:/usr/bin:/bin", "C.UTF-8", "/root", "", ""});
    // A preset value wins over a default, but not over PATH; an empty one does not count.
    CHECK(sourced_env(env, {"LANG=fr_FR.UTF-8", "HOME=", "BARE=kept"}, names, shell) ==
          Words{"/opt/app/bin:/usr/bin:/bin", "fr_FR.UTF-8", "/root", "", "kept"});
}

TEST_CASE("Env values are taken literally, whatever they hold", "[env]") {
    FOR_EACH_SHELL(shell);
    Words env;
    Words names;
    for (std::size_t i = 0; i < kHostile.size(); ++i) {
        names.push_back("V" + std::to_string(i));
        env.push_back(names.back() + "=" + kHostile[i]);
    }
    CHECK(sourced_env(env, {"HOME=/home/me"}, names, shell) == kHostile);
}

TEST_CASE("Env names no shell can set are skipped, the rest still apply", "[env]") {
    const Words env = {"a.b=1",      "x-y=2",  "9lives=3",           "=4",
                       "bad name=5", "GOOD=6", "evil;touch /tmp/x=7"};
    CHECK(sourced_env(env, {}, {"GOOD"}) == Words{"6"});
    MetadataInput input;
    input.env = env;
    const std::string script =
        entry_at(singularity_metadata(input), "/.singularity.d/env/10-docker2singularity.sh").data;
    CHECK(script.find("touch") == std::string::npos);
    CHECK(script.find("a.b") == std::string::npos);
}

TEST_CASE("the action scripts set up the environment and run what they are asked", "[actions]") {
    MetadataInput input = small_config();
    input.entrypoint = kDumpArgs;
    input.cmd = {"from CMD"};
    ScratchDir root;
    materialize(singularity_metadata(input), root.path());
    const std::string actions = (root.path() / ".singularity.d/actions/").string();
    const Words base_env = {"PATH=/usr/bin:/bin", "HOME=/home/me"};

    SECTION("exec: the environment scripts in order, then the command") {
        // (PS1 is not checked: dash gives itself a prompt, which 99-base.sh then keeps.)
        const Outcome outcome =
            run_clean({"/bin/sh", actions + "exec", "/bin/sh", "-c",
                       "printf '%s\\0' \"$PATH\" \"$LANG\" \"$LD_LIBRARY_PATH\" "
                       "\"${SING_USER_DEFINED_PREPEND_PATH-unset}\"",
                       "sh"},
                      concat(base_env, {"SING_USER_DEFINED_PREPEND_PATH=/pre"}));
        CHECK(outcome.status == 0);
        // 10-docker2singularity.sh set the image's PATH, 99-runtimevars.sh prepended the runtime's
        // part and unset its variable, 99-base.sh added the libs directory (relocated here).
        CHECK(split_nul(outcome.out) == Words{"/pre:/usr/local/bin:/usr/bin:/bin", "C.UTF-8",
                                              (root.path() / ".singularity.d/libs").string(),
                                              "unset"});
    }
    SECTION("run: the runscript, with the arguments") {
        CHECK(split_nul(run_clean({"/bin/sh", actions + "run"}, base_env).out) ==
              Words{"from CMD"});
        CHECK(split_nul(run_clean({"/bin/sh", actions + "run", "a b", "c"}, base_env).out) ==
              Words{"a b", "c"});
    }
    SECTION("test: no test script, so /bin/sh -c true") {
        CHECK(run_clean({"/bin/sh", actions + "test"}, base_env).status == 0);
    }
    SECTION("shell: SINGULARITY_SHELL when it is executable") {
        const Outcome outcome = run_clean({"/bin/sh", actions + "shell", "-c", "printf shell-ran"},
                                          concat(base_env, {"SINGULARITY_SHELL=/bin/sh"}));
        CHECK(outcome.out == "shell-ran");
    }
}

TEST_CASE("every generated script parses in every test shell", "[metadata]") {
    MetadataInput input = small_config();
    for (const auto& value : kHostile) {
        input.env.push_back("V=" + value);
    }
    input.entrypoint = kHostile;
    input.cmd = kHostile;
    for (const auto& entry : singularity_metadata(input)) {
        if (entry.type != Type::file || entry.mode != 0755) {
            continue;
        }
        INFO(entry.path);
        CHECK(entry.data.starts_with("#!/bin/sh\n"));
        ScratchDir dir;
        write_text(dir.path() / "script", entry.data, 0755);
        for (const auto& shell : test_shells()) {
            INFO("shell: " << shell);
            CHECK(run_clean({shell, "-n", (dir.path() / "script").string()}).status == 0);
        }
    }
}

// ---- labels.json ------------------------------------------------------------------------------

TEST_CASE("labels.json gets the build labels, dates only when a build time is given", "[labels]") {
    MetadataInput input;
    input.labels = {{"org.label-schema.build-arch", "from image"}, {"z", "last"}};
    input.architecture = "arm";
    input.variant = "v7";
    input.deffile =
        "# synthesized\nBootstrap: docker  # the source\nFROM:  arm32v7/alpine:3.19 \n\n"
        "%labels\n    ignored here\n";
    const auto without_time = nlohmann::json::parse(detail::labels_json(input));
    CHECK(without_time ==
          nlohmann::json{
              {"org.label-schema.build-arch", "arm"},
              {"org.label-schema.schema-version", "1.0"},
              {"org.label-schema.usage.singularity.deffile.bootstrap", "docker"},
              {"org.label-schema.usage.singularity.deffile.from", "arm32v7/alpine:3.19"},
              {"org.opencontainers.image.architecture", "arm"},
              {"org.opencontainers.image.variant", "v7"},
              {"z", "last"},
          });
    input.build_time = 1796108371;
    const auto with_time = nlohmann::json::parse(detail::labels_json(input));
    CHECK(with_time["org.label-schema.build-date"] == "Tuesday_1_December_2026_6:59:31_UTC");
    CHECK(with_time["org.opencontainers.image.created"] == "2026-12-01T06:59:31Z");
    CHECK(with_time.size() == without_time.size() + 2);
}

TEST_CASE("build dates are written as Apptainer's Go code writes them", "[labels]") {
    CHECK(detail::label_schema_build_date(920815509) == "Sunday_7_March_1999_14:5:9_UTC");
    CHECK(detail::rfc3339_utc(920815509) == "1999-03-07T14:05:09Z");
    CHECK(detail::label_schema_build_date(0) == "Thursday_1_January_1970_0:0:0_UTC");
    CHECK(detail::rfc3339_utc(-62135596800) == "0001-01-01T00:00:00Z");
    CHECK_THROWS_AS(detail::rfc3339_utc(400000000000), sifkit::Error);
}

TEST_CASE("labels.json escapes like Go and stays valid JSON for any bytes", "[labels]") {
    MetadataInput input;
    input.labels = {{"html", "<a href=\"x\">&</a>"},
                    {"js", "\xE2\x80\xA8|\xE2\x80\xA9"},
                    {"ctl", std::string("\x01\b\f\n\r\t", 6)},
                    {"latin1", "caf\xE9"}};
    const std::string text = detail::labels_json(input);
    CHECK(text.find(R"("html": "\u003ca href=\"x\"\u003e\u0026\u003c/a\u003e")") !=
          std::string::npos);
    CHECK(text.find(R"("js": "\u2028|\u2029")") != std::string::npos);
    CHECK(text.find(R"("ctl": "\u0001\b\f\n\r\t")") != std::string::npos);
    const auto parsed = nlohmann::json::parse(text);
    CHECK(parsed["latin1"] == "caf\xEF\xBF\xBD");  // the invalid byte became U+FFFD
    CHECK(parsed["html"] == "<a href=\"x\">&</a>");
    CHECK(detail::labels_json(MetadataInput{}) ==
          "{\n\t\"org.label-schema.schema-version\": \"1.0\"\n}");
}

// ---- refused input ----------------------------------------------------------------------------

TEST_CASE("input a shell script cannot carry is refused", "[metadata]") {
    const auto refused = [](const MetadataInput& input) {
        try {
            singularity_metadata(input);
        } catch (const sifkit::Error& error) {
            return error.kind() == sifkit::ErrorKind::invalid_input;
        }
        return false;
    };
    const std::string with_nul("a\0b", 3);
    MetadataInput input;
    input.entrypoint = {with_nul};
    CHECK(refused(input));
    input = {};
    input.cmd = {"ok", with_nul};
    CHECK(refused(input));
    input = {};
    input.env = {"NAME=" + with_nul};
    CHECK(refused(input));
    input = {};
    input.deffile = "bootstrap docker\n";
    CHECK(refused(input));
    input = {};
    input.build_time = -70000000000;
    CHECK(refused(input));
    // A NUL in a label is fine: JSON escapes it.
    input = {};
    input.labels = {{"k", with_nul}};
    CHECK_FALSE(refused(input));
}
