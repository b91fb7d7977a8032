// Catch main of the ECL suite. The [upstream] tests need the reference's golden images from the
// shared directory ($SIFKIT_SHARED_DIR, default ../shared): without it they are skipped with a
// line saying so, and fail under CI=true (sifkit::test::apply_skip_policy).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <string_view>

#include "sifkit/test/support.hpp"

int main(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        if (std::string_view(argv[i]) != "[upstream]") {
            continue;
        }
        const auto images = sifkit::test::shared_dir() / "fixtures/upstream-sif/images";
        if (!std::filesystem::is_directory(images)) {
            if (auto code = sifkit::test::apply_skip_policy(
                    "ecl.upstream", {images.string() + " (the reference's golden images)"})) {
                return *code;
            }
        }
    }
    return Catch::Session().run(argc, argv);
}
