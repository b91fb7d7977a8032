#include "convert_support.hpp"

#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <mutex>

namespace convert_test {

const fs::path& scratch() {
    return sifkit::test::process_scratch("sifkit-convert-tests");
}

const fs::path& fixtures() {
    static std::once_flag once;
    static fs::path path;
    std::call_once(once, [] {
        path = scratch() / "fixtures";
        const auto result = sifkit::test::make_oci_fixtures(path);
        if (result.exit_code != 0) {
            FAIL("building the fixtures failed: " << result.describe());
        }
    });
    return path;
}

void check_only(const fs::path& dir, const std::vector<std::string>& keep) {
    for (const auto& entry : fs::directory_iterator(dir)) {
        const auto name = entry.path().filename().string();
        INFO("left behind: " << entry.path());
        CHECK(std::find(keep.begin(), keep.end(), name) != keep.end());
    }
}

RunResult run_sifkit(const std::vector<std::string>& args, const std::vector<std::string>& env) {
    std::vector<std::string> argv{sifkit::test::sifkit_bin().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    sifkit::test::RunOptions options;
    options.env = {"SOURCE_DATE_EPOCH"};  // unset unless the test sets it (changes apply in order)
    options.env.insert(options.env.end(), env.begin(), env.end());
    return sifkit::test::run(argv, options);
}

void convert(const std::string& source, const fs::path& output,
             const std::vector<std::string>& args) {
    std::vector<std::string> argv{"convert", "-q", "--force"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back(source);
    argv.push_back(output.string());
    const auto result = run_sifkit(argv);
    INFO(result.describe());
    REQUIRE(result.exit_code == 0);
}

void dump_partition(const fs::path& sif, const fs::path& path) {
    const auto result =
        sifkit::test::run({"sh", "-c", "\"$0\" dump 3 \"$1\" > \"$2\"",
                           sifkit::test::sifkit_bin().string(), sif.string(), path.string()});
    INFO(result.describe());
    REQUIRE(result.exit_code == 0);
}

fs::path unpack_with_unsquashfs(const fs::path& sif, const std::string& name) {
    const auto squashfs = scratch() / (name + ".sqfs");
    dump_partition(sif, squashfs);
    const auto dir = scratch() / (name + ".unsquashfs");
    fs::remove_all(dir);
    const auto result =
        sifkit::test::run({"unsquashfs", "-no-progress", "-d", dir.string(), squashfs.string()});
    INFO(result.describe());
    REQUIRE(result.exit_code == 0);
    return dir;
}

fs::path unpack_with_umoci(const std::string& layout_ref, const std::string& name) {
    const auto bundle = scratch() / (name + ".umoci");
    fs::remove_all(bundle);
    const auto result =
        sifkit::test::run({"umoci", "unpack", "--image", layout_ref, bundle.string()});
    INFO(result.describe());
    REQUIRE(result.exit_code == 0);
    return bundle / "rootfs";
}

bool is_runtime_addition(const std::string& path, const TreeListing& image_tree) {
    if (path == "/.singularity.d" || path.rfind("/.singularity.d/", 0) == 0) {
        return true;
    }
    static const char* const kLinks[] = {"/singularity", "/.exec", "/.run",
                                         "/.shell",      "/.test", "/environment"};
    for (const char* link : kLinks) {
        if (path == link) {
            return true;
        }
    }
    static const char* const kFillers[] = {
        "/dev", "/etc", "/home",    "/proc",      "/root",           "/sys",
        "/tmp", "/var", "/var/tmp", "/etc/hosts", "/etc/resolv.conf"};
    for (const char* filler : kFillers) {
        if (path == filler) {
            return image_tree.find(path) == image_tree.end();
        }
    }
    return false;
}

bool running_as_root() {
    return ::geteuid() == 0;
}

std::string read_text(const fs::path& path) {
    return sifkit::test::read_file(path);
}

const fs::path& definitions() {
    static const fs::path dir = sifkit::test::repo_root() / "tests" / "fixtures" / "definitions";
    return dir;
}

std::string cat(const fs::path& sif, const std::string& path) {
    const auto result = run_sifkit({"cat", sif.string(), path});
    INFO(result.describe());
    REQUIRE(result.exit_code == 0);
    return result.out;
}

}  // namespace convert_test
