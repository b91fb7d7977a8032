// The sign tests need the reference test vectors; without them they skip visibly (exit 77),
// except under CI=true, where a missing fixture is a failure (tests/support's skip policy).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "shared_fixtures.hpp"

int main(int argc, char** argv) {
    std::vector<std::string> missing;
    if (!std::filesystem::exists(upstream_fixture("README.md"))) {
        missing.push_back("reference test vectors not found under " +
                          sifkit::test::shared_dir().string() + " (set SIFKIT_SHARED_DIR)");
    }
    if (const auto code = sifkit::test::apply_skip_policy("sign_tests", missing)) {
        return *code;
    }
    return Catch::Session().run(argc, argv);
}
