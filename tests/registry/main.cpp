// Custom Catch main of the registry suite: it needs Debian's docker-registry (the CNCF
// distribution registry) to serve on 127.0.0.1, skopeo to seed it, openssl for a throwaway CA and
// token signing, htpasswd for basic auth, python3 for the fixture recipes and the fault proxy,
// and the squashfs readers. Without them the suite is skipped visibly (exit 77) on a developer
// machine and fails under CI=true.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "registry_support.hpp"

int main(int argc, char** argv) {
    namespace t = sifkit::test;
    std::vector<std::string> missing;
    for (const char* tool : {"docker-registry", "skopeo", "openssl", "htpasswd", "python3",
                             "unsquashfs", "rdsquashfs", "zstd"}) {
        if (!t::find_in_path(tool)) {
            missing.push_back(std::string(tool) + " not found in PATH (scripts/install-deps)");
        }
    }
    if (!std::filesystem::exists("/bin/busybox")) {
        missing.push_back("/bin/busybox (busybox-static) for the fixture images");
    }
    if (const auto code = t::apply_skip_policy("registry_tests", missing)) {
        return *code;
    }
    registry_test::scratch();  // created before any test, removed at exit
    return Catch::Session().run(argc, argv);
}
