// Custom Catch main of the conversion suite: it needs the reference readers (unsquashfs,
// rdsquashfs), umoci, siftool, python3 for the fixture recipes and busybox inside them. Without
// them the suite is skipped visibly (exit 77) on a developer machine and fails under CI=true.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>
#include <vector>

#include "convert_support.hpp"

int main(int argc, char** argv) {
    namespace t = sifkit::test;
    std::vector<std::string> missing;
    for (const char* tool : {"python3", "unsquashfs", "rdsquashfs", "sqfs2tar", "umoci", "skopeo",
                             "siftool", "zstd", "chroot", "runc", "setpriv"}) {
        if (!t::find_in_path(tool)) {
            missing.push_back(std::string(tool) + " not found in PATH (scripts/install-deps)");
        }
    }
    if (!std::filesystem::exists(
            "/usr/share/gocode/src/github.com/opencontainers/image-spec/schema")) {
        missing.push_back(
            "the OCI image-spec schemas (golang-github-opencontainers-image-spec-dev)");
    }
    if (std::system("/usr/bin/python3 -c 'import jsonschema' 2>/dev/null") != 0) {
        missing.push_back("/usr/bin/python3 with jsonschema (python3-jsonschema)");
    }
    if (!std::filesystem::exists("/bin/busybox")) {
        missing.push_back("/bin/busybox (busybox-static) for the fixture images");
    }
    if (!convert_test::running_as_root()) {
        // unsquashfs and umoci only restore owners, devices and trusted xattrs as root.
        missing.push_back("root (to unpack trees with their owners for comparison)");
    }
    if (const auto code = t::apply_skip_policy("convert_tests", missing)) {
        return *code;
    }
    return Catch::Session().run(argc, argv);
}
