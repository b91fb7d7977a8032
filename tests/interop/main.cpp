// Custom Catch main of the interoperability suite: without the reference tools and files the
// suite is skipped visibly (exit 77) on a developer machine, and fails under CI=true.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "sifkit/test/support.hpp"

int main(int argc, char** argv) {
    namespace fs = std::filesystem;
    namespace t = sifkit::test;
    std::vector<std::string> missing;
    std::error_code ec;
    const auto need = [&](const fs::path& path, const std::string& what) {
        if (!fs::exists(path, ec)) {
            missing.push_back(what + " (" + path.string() + ")");
        }
    };
    need(t::sifkit_bin(), "sifkit binary (SIFKIT_BIN)");
    need(t::reference_src() / "test" / "images", "reference test images (SIFKIT_REFERENCE_SRC)");
    need(t::reference_src() / "pkg" / "sif" / "testdata",
         "reference goldens (SIFKIT_REFERENCE_SRC)");
    need(t::shared_dir() / "fixtures" / "upstream-sif" / "images",
         "upstream images (SIFKIT_SHARED_DIR)");
    if (!t::siftool()) {
        missing.push_back("siftool not found in PATH (apt install siftool)");
    }
    if (!t::find_in_path("gpg")) {
        missing.push_back("gpg not found in PATH (apt install gnupg)");
    }
    if (!t::sifcheck()) {
        missing.push_back("sifcheck oracle not found or not buildable in " +
                          t::oracle_dir().string() + " (SIFKIT_ORACLE_DIR)");
    }
    if (const auto code = t::apply_skip_policy("interop_tests", missing)) {
        return *code;
    }
    return Catch::Session().run(argc, argv);
}
