// Helpers for sifkit's test suites: running processes, temporary directories, whole-file I/O,
// SHA-256, where the external reference tools live, and the skip policy of suites that need them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sifkit::test {

// ---- processes -------------------------------------------------------------------------

struct RunOptions {
    std::optional<std::string> stdin_data;  // nullopt: stdin is /dev/null
    std::vector<std::string> env;           // "NAME=VALUE" set (or "NAME" removed) for the child
    std::optional<std::filesystem::path> cwd;
};

struct RunResult {
    int exit_code = -1;  // the exit status; 128 + signal when killed by a signal; 127 exec failed
    std::string out;
    std::string err;
    // "argv[0] ... -> exit N\nstderr: ..." for failure messages.
    std::string describe() const;
    std::string command;
};

// Runs argv[0] (searched in PATH when it has no slash) with the arguments, capturing stdout and
// stderr, feeding stdin_data. Never throws for a failing child; throws std::runtime_error when the
// process cannot be started at all.
RunResult run(const std::vector<std::string>& argv, const RunOptions& options = {});

// Full path of an executable found in PATH; nullopt when not found.
std::optional<std::filesystem::path> find_in_path(std::string_view name);

// ---- files ---------------------------------------------------------------------------------

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir {
  public:
    explicit TempDir(std::string_view prefix = "sifkit-test");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const noexcept { return path_; }
    std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

  private:
    std::filesystem::path path_;
};

std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, std::string_view data);
void copy_file(const std::filesystem::path& from, const std::filesystem::path& to);

// Lower-case hex SHA-256.
std::string sha256_hex(std::string_view data);
std::string sha256_file(const std::filesystem::path& path);
std::string to_hex(const void* data, std::size_t size);

// A directory for the whole test process, <tmp>/PREFIX-PID, made afresh on the first call and
// removed (with everything in it) when the process exits. Later calls return the same path.
const std::filesystem::path& process_scratch(std::string_view prefix);

// Builds the OCI fixture images of tests/fixtures/oci (make-fixtures.py) into `dir`.
RunResult make_oci_fixtures(const std::filesystem::path& dir);

// ---- locations -----------------------------------------------------------------------------

// The source tree (where tests/fixtures lives).
std::filesystem::path repo_root();
// $SIFKIT_SHARED_DIR, default <repo>/../shared.
std::filesystem::path shared_dir();
// $SIFKIT_ORACLE_DIR, default <build>/oracle.
std::filesystem::path oracle_dir();
// <oracle>/sifcheck, building the oracle (once per process) with the shared build script when it
// is missing and the shared directory exists. nullopt when it cannot be had.
std::optional<std::filesystem::path> sifcheck();
// $SIFKIT_REFERENCE_SRC, default /usr/share/gocode/src/github.com/sylabs/sif.
std::filesystem::path reference_src();
// $SIFKIT_BIN, default the sifkit built with the tests.
std::filesystem::path sifkit_bin();
// `siftool` from PATH (nullopt when absent).
std::optional<std::filesystem::path> siftool();

// ---- skip policy ---------------------------------------------------------------------------

// Exit code that ctest treats as "skipped" (SKIP_RETURN_CODE).
inline constexpr int kSkipExitCode = 77;

// True when the environment variable CI is exactly "true".
bool running_in_ci();

// Given the descriptions of missing prerequisites: nullopt when there are none (run the tests);
// otherwise the exit code to return right away after printing why — kSkipExitCode with a
// "SKIPPED: ..." line outside CI, 1 with a "FAILED: ..." line under CI=true.
std::optional<int> apply_skip_policy(const std::string& suite,
                                     const std::vector<std::string>& missing);

}  // namespace sifkit::test
