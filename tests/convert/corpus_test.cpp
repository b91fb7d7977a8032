// The shared benchmark corpus's small image (../shared/bench/make-corpus.sh) against the
// reference flattened listing that comes with it: the squashfs streamed by sqfs2tar lists
// exactly as the reference flattening of the OCI layout, but for the runtime additions.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "convert_support.hpp"

using namespace convert_test;

TEST_CASE("the shared corpus image lists as the reference flattening", "[corpus]") {
    const auto shared = sifkit::test::shared_dir();
    const auto script = shared / "bench" / "make-corpus.sh";
    if (!fs::exists(script)) {
        if (sifkit::test::running_in_ci()) {
            FAIL("the shared corpus script is missing under CI: " << script);
        }
        WARN("SKIPPED: " << script << " not found (set SIFKIT_SHARED_DIR)");
        return;
    }
    const auto corpus = scratch() / "corpus";
    const auto built = sifkit::test::run({"bash", script.string(), corpus.string(), "small"});
    INFO(built.describe());
    REQUIRE(built.exit_code == 0);
    const auto sif = scratch() / "corpus-small.sif";
    convert("oci:" + (corpus / "oci" / "small").string() + ":latest", sif);
    const auto squashfs = scratch() / "corpus-small.sqfs";
    dump_partition(sif, squashfs);
    const auto listing = scratch() / "corpus-small.tsv";
    const auto tool = shared / "bench" / "oci_corpus.py";
    const auto listed = sifkit::test::run(
        {"sh", "-c", "sqfs2tar \"$0\" 2>/dev/null | python3 \"$1\" listing - > \"$2\"",
         squashfs.string(), tool.string(), listing.string()});
    REQUIRE(listed.exit_code == 0);
    // sqfs2tar does not emit the root directory itself: --ignore-root.
    const auto compared =
        sifkit::test::run({"python3", tool.string(), "compare", "--ignore-root",
                           (corpus / "small.expected.tsv").string(), listing.string(), "-v", "2"});
    INFO(compared.out);
    const auto summary = nlohmann::json::parse(compared.out.substr(0, compared.out.find('\n')));
    CHECK(summary["only_in_a"] == 0);
    CHECK(summary["whiteouts_leaked_in_b"] == 0);
    CHECK(summary["field_diffs"].empty());
    // Everything only in our listing is a runtime addition.
    std::istringstream lines(compared.out);
    std::string line;
    while (std::getline(lines, line)) {
        const auto at = line.find("only in B: ");
        if (at != std::string::npos) {
            const auto path = line.substr(at + 11);
            INFO(path);
            CHECK((path.rfind("/.singularity.d", 0) == 0 || path == "/.exec" || path == "/.run" ||
                   path == "/.shell" || path == "/.test" || path == "/singularity" ||
                   path == "/environment" || path == "/proc" || path == "/sys" ||
                   path == "/var/tmp" || path == "/etc/resolv.conf" || path == "/etc/hosts"));
        }
    }
}
