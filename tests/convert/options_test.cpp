// Conversion options: reproducible output, the content-derived ID, compressors and block sizes,
// platform and tag selection, the JSON summary.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "convert_support.hpp"

using namespace convert_test;

namespace {

std::string layout() {
    return "oci:" + (fixtures() / "layout").string();
}

nlohmann::json header_of(const fs::path& sif) {
    const auto result = run_sifkit({"header", "--json", sif.string()});
    REQUIRE(result.exit_code == 0);
    return nlohmann::json::parse(result.out);
}

}  // namespace

TEST_CASE("the same input and options give the same bytes, whatever the thread count",
          "[options]") {
    const auto a = scratch() / "repro-a.sif";
    const auto b = scratch() / "repro-b.sif";
    convert(layout(), a, {"--jobs", "1"});
    convert(layout(), b, {"--jobs", "2"});
    CHECK(sifkit::test::sha256_file(a) == sifkit::test::sha256_file(b));
    // Times come from the image ("created"), the ID from the content.
    const auto header = header_of(a);
    CHECK(header.dump().find("1704164645") != std::string::npos);

    // SOURCE_DATE_EPOCH replaces the image's time, reproducibly.
    const auto c = scratch() / "repro-c.sif";
    const auto d = scratch() / "repro-d.sif";
    for (const auto& out : {c, d}) {
        const auto result = run_sifkit({"convert", "-q", "--force", layout(), out.string()},
                                       {"SOURCE_DATE_EPOCH=1800000000"});
        REQUIRE(result.exit_code == 0);
    }
    CHECK(sifkit::test::sha256_file(c) == sifkit::test::sha256_file(d));
    CHECK(sifkit::test::sha256_file(c) != sifkit::test::sha256_file(a));
    CHECK(header_of(c).dump().find("1800000000") != std::string::npos);
}

TEST_CASE("the image ID follows the content unless --uuid gives one", "[options]") {
    const auto a = scratch() / "id-a.sif";
    const auto b = scratch() / "id-b.sif";
    const auto c = scratch() / "id-c.sif";
    convert(layout(), a);
    convert(layout(), b, {"--env", "X=1"});
    convert(layout(), c, {"--uuid", "0f8b2f0e-6a57-4c2b-9c1d-3b0a5e6f7a81"});
    const auto id = [](const fs::path& sif) { return header_of(sif).dump(); };
    CHECK(id(a) != id(b));
    CHECK(id(c).find("0f8b2f0e-6a57-4c2b-9c1d-3b0a5e6f7a81") != std::string::npos);
    CHECK(id(a).find("00000000-0000-0000-0000-000000000000") == std::string::npos);
}

TEST_CASE("every squashfs compressor gives an image the reference reader unpacks", "[options]") {
    const auto reference = sifkit::test::list_tree(unpack_with_unsquashfs(
        [&] {
            const auto sif = scratch() / "comp-gzip.sif";
            convert(layout(), sif);
            return sif;
        }(),
        "comp-gzip"));
    for (const std::vector<std::string>& args : {
             std::vector<std::string>{"--compression", "zstd", "--level", "3"},
             {"--compression", "xz"},
             {"--compression", "lz4"},
             {"--compression", "lzo", "--level", "3"},
             {"--compression", "gzip", "--level", "1", "--block-size", "1M"},
             {"--block-size", "4K"},
         }) {
        std::string name = "comp";
        for (const auto& a : args) {
            name += "-" + a;
        }
        DYNAMIC_SECTION(name) {
            const auto sif = scratch() / (name + ".sif");
            const auto result = run_sifkit([&] {
                std::vector<std::string> argv{"convert", "-q", "--force"};
                argv.insert(argv.end(), args.begin(), args.end());
                argv.push_back(layout());
                argv.push_back(sif.string());
                return argv;
            }());
            INFO(result.describe());
            if (args[1] == "lz4" && result.exit_code == 7) {
                SUCCEED("libsquashfs built without lz4: refused as unsupported");
                return;
            }
            REQUIRE(result.exit_code == 0);
            const auto squashfs = scratch() / (name + ".sqfs");
            dump_partition(sif, squashfs);
            const auto info = sifkit::test::run({"unsquashfs", "-s", squashfs.string()});
            CHECK(info.out.find("Compression " +
                                (args[0] == "--compression" ? args[1] : std::string("gzip"))) !=
                  std::string::npos);
            const auto tree = sifkit::test::list_tree(unpack_with_unsquashfs(sif, name));
            const sifkit::test::TreeCompare options;
            const auto diffs = sifkit::test::compare_trees(reference, tree, options);
            for (const auto& d : diffs) {
                UNSCOPED_INFO(d);
            }
            CHECK(diffs.empty());
        }
    }
}

TEST_CASE("a multi-platform index is resolved by platform, nested indexes included", "[options]") {
    const auto multi = (fixtures() / "multi").string();
    for (const auto& [platform, arch] :
         std::vector<std::pair<std::string, std::string>>{{"", "amd64"},
                                                          {"linux/amd64", "amd64"},
                                                          {"linux/arm64", "arm64"},
                                                          {"linux/arm64/v8", "arm64"}}) {
        for (const std::string tag : {"latest", "flat"}) {
            DYNAMIC_SECTION(tag << " " << (platform.empty() ? "default" : platform)) {
                const auto sif = scratch() / ("multi-" + tag + "-" + arch + ".sif");
                std::vector<std::string> args;
                if (!platform.empty()) {
                    args = {"--platform", platform};
                }
                convert("oci:" + multi + ":" + tag, sif, args);
                const auto root = unpack_with_unsquashfs(sif, "multi-" + tag + "-" + arch);
                CHECK(read_text(root / "arch.txt") == arch + "\n");
                const auto listed = sifkit::test::run({"siftool", "list", sif.string()});
                CHECK(listed.out.find("FS (Squashfs/*System/" + arch + ")") != std::string::npos);
            }
        }
    }
}

TEST_CASE("without a tag, the entry for the platform wins; no match is not found", "[options]") {
    const auto multi = (fixtures() / "multi").string();
    // The entries that state a matching platform win over the nested index, which states none.
    for (const auto& [platform, arch] : std::vector<std::pair<std::string, std::string>>{
             {"linux/amd64", "amd64"}, {"linux/arm64", "arm64"}}) {
        const auto sif = scratch() / ("untagged-" + arch + ".sif");
        convert("oci:" + multi, sif, {"--platform", platform});
        CHECK(read_text(unpack_with_unsquashfs(sif, "untagged-" + arch) / "arch.txt") ==
              arch + "\n");
    }
    const auto none = run_sifkit({"convert", "--platform", "linux/s390x",
                                  "oci:" + multi + ":latest", (scratch() / "none.sif").string()});
    CHECK(none.exit_code == 5);
    CHECK(none.err.find("no manifest for platform linux/s390x") != std::string::npos);
    CHECK_FALSE(fs::exists(scratch() / "none.sif"));
}

TEST_CASE("--json prints a summary, and nothing goes to stderr when all is well", "[options]") {
    const auto sif = scratch() / "summary.sif";
    const auto result = run_sifkit({"convert", "--json", "--force", layout(), sif.string()});
    INFO(result.describe());
    REQUIRE(result.exit_code == 0);
    const auto summary = nlohmann::json::parse(result.out);
    CHECK(summary["layers"] == 4);
    CHECK(summary["layers_read_twice"] == 1);  // L1: data/link outlives data/orig
    CHECK(summary["files"].get<int>() > 40);
    CHECK(summary["sif_bytes"] == fs::file_size(sif));
    CHECK(summary["warnings"].empty());
    CHECK(result.err.empty());
}

TEST_CASE("--max-entries refuses an image past the limit in one line and writes nothing",
          "[options]") {
    const auto dir = scratch() / "max-entries";
    fs::create_directories(dir);
    const auto sif = dir / "capped.sif";
    const auto full = run_sifkit({"convert", "--json", "--force", layout(), sif.string()});
    REQUIRE(full.exit_code == 0);
    const auto entries = nlohmann::json::parse(full.out)["entries"].get<std::uint64_t>();
    fs::remove(sif);

    // The limit counts entries read from every layer: exactly that many is fine, one less not.
    const auto fits = run_sifkit(
        {"convert", "-q", "--max-entries", std::to_string(entries), layout(), sif.string()});
    CHECK(fits.exit_code == 0);
    fs::remove(sif);
    const auto over = run_sifkit(
        {"convert", "-q", "--max-entries", std::to_string(entries - 1), layout(), sif.string()});
    INFO(over.describe());
    CHECK(over.exit_code == 4);
    CHECK(over.err.find("more than " + std::to_string(entries - 1) + " entries") !=
          std::string::npos);
    CHECK(over.err.find("--max-entries") != std::string::npos);
    CHECK(std::count(over.err.begin(), over.err.end(), '\n') == 1);
    check_only(dir, {});

    // Paths count too: one entry 300 levels deep makes 300 nodes of the tree.
    const auto deep =
        run_sifkit({"convert", "-q", "--max-entries", "100",
                    "oci:" + (fixtures() / "hostile" / "deep-path").string(), sif.string()});
    CHECK(deep.exit_code == 4);
    CHECK(deep.err.find("more than 100 paths") != std::string::npos);
    check_only(dir, {});
    CHECK(run_sifkit({"convert", "-q", "--max-entries", "0",
                      "oci:" + (fixtures() / "hostile" / "deep-path").string(), sif.string()})
              .exit_code == 0);
}
