#include "export_support.hpp"

#include <catch2/catch.hpp>

namespace convert_test {
namespace {

const char* const kSchemaDir = "/usr/share/gocode/src/github.com/opencontainers/image-spec/schema";

}  // namespace

fs::path export_script(const char* name) {
    return sifkit::test::repo_root() / "tests" / "export" / name;
}

RunResult sifkit_ok(const std::vector<std::string>& args) {
    auto result = run_sifkit(args);
    INFO(result.describe());
    REQUIRE(result.exit_code == 0);
    return result;
}

// The fixture image converted once for the whole suite.
const fs::path& fixture_sif() {
    static const fs::path path = [] {
        const auto sif = scratch() / "export-source.sif";
        convert("oci:" + (fixtures() / "layout").string(), sif);
        return sif;
    }();
    return path;
}

TreeListing squashfs_tree(const fs::path& sif, const std::string& name) {
    return sifkit::test::list_tree(unpack_with_unsquashfs(sif, name));
}

void check_no_diffs(const std::vector<std::string>& diffs, const std::string& what) {
    INFO(what);
    for (const auto& d : diffs) {
        UNSCOPED_INFO(d);
    }
    CHECK(diffs.empty());
}

void validate_layout(const fs::path& layout) {
    const auto result =
        sifkit::test::run({"/usr/bin/python3", export_script("validate-oci-layout.py").string(),
                           layout.string(), kSchemaDir});
    INFO(result.describe());
    CHECK(result.exit_code == 0);
    CHECK(result.out.find("0 problem(s)") != std::string::npos);
}

std::string tar_listing(const fs::path& tar) {
    const auto result = sifkit::test::run(
        {"/usr/bin/python3", export_script("tar-listing.py").string(), tar.string()});
    INFO(result.describe());
    REQUIRE(result.exit_code == 0);
    return result.out;
}

nlohmann::json read_json(const fs::path& path) {
    return nlohmann::json::parse(sifkit::test::read_file(path));
}

std::string object_text(const fs::path& sif, int id) {
    return sifkit_ok({"dump", std::to_string(id), sif.string()}).out;
}

// Object table of a SIF as JSON.
nlohmann::json objects_of(const fs::path& sif) {
    return nlohmann::json::parse(sifkit_ok({"list", "--json", sif.string()}).out)["objects"];
}

}  // namespace convert_test
