// Where the external things the tests compare against live.
#include <cstdlib>
#include <mutex>
#include <system_error>

#include "sifkit/test/support.hpp"

namespace sifkit::test {
namespace {

std::filesystem::path from_env(const char* name, const std::filesystem::path& fallback) {
    const char* value = std::getenv(name);
    if (value != nullptr && *value != '\0') {
        return value;
    }
    return fallback;
}

}  // namespace

std::filesystem::path repo_root() {
    return std::filesystem::path(SIFKIT_TEST_REPO_ROOT);
}

std::filesystem::path shared_dir() {
    return from_env("SIFKIT_SHARED_DIR",
                    std::filesystem::path(SIFKIT_TEST_REPO_ROOT).parent_path() / "shared")
        .lexically_normal();
}

std::filesystem::path oracle_dir() {
    return from_env("SIFKIT_ORACLE_DIR", std::filesystem::path(SIFKIT_TEST_BUILD_DIR) / "oracle");
}

std::optional<std::filesystem::path> sifcheck() {
    static std::once_flag once;
    static std::optional<std::filesystem::path> found;
    std::call_once(once, [] {
        const auto dir = oracle_dir();
        const auto tool = dir / "sifcheck";
        std::error_code ec;
        if (!std::filesystem::exists(tool, ec)) {
            const auto script = shared_dir() / "tools" / "oracle" / "build.sh";
            if (std::filesystem::exists(script, ec)) {
                const auto built = run({script.string(), dir.string()});
                if (built.exit_code != 0) {
                    return;
                }
            }
        }
        if (std::filesystem::exists(tool, ec)) {
            found = tool;
        }
    });
    return found;
}

std::filesystem::path reference_src() {
    return from_env("SIFKIT_REFERENCE_SRC", "/usr/share/gocode/src/github.com/sylabs/sif");
}

std::filesystem::path sifkit_bin() {
    return from_env("SIFKIT_BIN", SIFKIT_TEST_DEFAULT_BIN);
}

std::optional<std::filesystem::path> siftool() {
    return find_in_path("siftool");
}

}  // namespace sifkit::test
