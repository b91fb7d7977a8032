// Catch main of the stage and docs suite; its tests need the sifkit binary and python3 (the
// demo image recipe), which scripts/install-deps installs.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

int main(int argc, char** argv) {
    return Catch::Session().run(argc, argv);
}
