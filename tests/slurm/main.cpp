// Custom Catch main of the Slurm suite. `--setup` starts the cluster and prepares it (ctest's
// slurm.setup fixture), `--teardown` stops it (slurm.teardown); anything else runs the tests.
// Without slurm-local (the shared tree), root or the plugin the suite is skipped visibly
// (exit 77) on a developer machine, and fails under CI=true; a cluster that does not start is
// always a failure.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>
#include <exception>

#include "cluster.hpp"

int main(int argc, char** argv) {
    if (argc == 2 && std::strcmp(argv[1], "--teardown") == 0) {
        return slurm_test::Cluster::teardown();
    }
    if (const auto code = sifkit::test::apply_skip_policy(
            "slurm_tests", slurm_test::Cluster::missing_prerequisites())) {
        return *code;
    }
    try {
        slurm_test::Cluster::get();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "FAILED: %s\n", e.what());
        return 1;
    }
    if (argc == 2 && std::strcmp(argv[1], "--setup") == 0) {
        return 0;
    }
    return Catch::Session().run(argc, argv);
}
