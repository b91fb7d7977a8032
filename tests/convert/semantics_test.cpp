// Layer semantics on the fixture images, checked against the assertions their recipe writes
// (tests/fixtures/oci/README.md): whiteouts, opaque directories, type changes, hardlinks that
// outlive their target, xattrs, devices, odd names; the rootfs sources; hostile images.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "convert_support.hpp"

using namespace convert_test;

namespace {

// Runs the recipe's checker on a tree; every assertion must hold (no feature skipped).
void check_assertions(const fs::path& tree, const fs::path& expected) {
    const auto checker =
        sifkit::test::repo_root() / "tests" / "fixtures" / "oci" / "check_expected.py";
    const auto result =
        sifkit::test::run({"python3", checker.string(), tree.string(), expected.string()});
    INFO(result.describe() << "\n" << result.out);
    CHECK(result.exit_code == 0);
    CHECK(result.out.find(" 0 failed, 0 skipped") != std::string::npos);
}

std::string lower(std::string text) {
    for (auto& c : text) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return text;
}

}  // namespace

TEST_CASE("every layer feature of the fixture image comes out as the layers say", "[semantics]") {
    const auto sif = scratch() / "semantics.sif";
    convert("oci:" + (fixtures() / "layout").string() + ":latest", sif);
    check_assertions(unpack_with_unsquashfs(sif, "semantics"), fixtures() / "layout.expected.json");
}

TEST_CASE("root file systems from a directory and from a tarball", "[semantics]") {
    SECTION("dir:") {
        const auto sif = scratch() / "dir.sif";
        const auto result = run_sifkit(
            {"convert", "--force", "dir:" + (fixtures() / "rootfs").string(), sif.string()});
        INFO(result.describe());
        REQUIRE(result.exit_code == 0);
        CHECK(result.err.find("socket") != std::string::npos);  // warned about, not stored
        check_assertions(unpack_with_unsquashfs(sif, "dir"), fixtures() / "rootfs.expected.json");
        const auto deffile = run_sifkit({"dump", "1", sif.string()});
        CHECK(deffile.out ==
              "bootstrap: localimage\nfrom: " + (fixtures() / "rootfs").string() + "\n");
    }
    SECTION("tar:") {
        const auto sif = scratch() / "tar.sif";
        convert("tar:" + (fixtures() / "rootfs.tar.gz").string(), sif, {"--arch", "arm64"});
        check_assertions(unpack_with_unsquashfs(sif, "tar"),
                         fixtures() / "rootfs.tar.gz.expected.json");
        const auto listed = sifkit::test::run({"siftool", "list", sif.string()});
        CHECK(listed.out.find("FS (Squashfs/*System/arm64)") != std::string::npos);
    }
}

TEST_CASE("hostile images fail with a clear error or convert safely, never half-written",
          "[errors]") {
    const auto expected =
        nlohmann::json::parse(read_text(fixtures() / "hostile" / "expected.json"));
    for (const auto& [name, want] : expected.items()) {
        DYNAMIC_SECTION(name) {
            const auto out_dir = scratch() / ("hostile-" + name);
            fs::create_directories(out_dir);
            const auto sif = out_dir / "out.sif";
            const auto result = run_sifkit(
                {"convert", "oci:" + (fixtures() / "hostile" / name).string(), sif.string()});
            INFO(result.describe());
            CHECK(result.exit_code < 128);  // never a crash
            const std::string message = want.at("message_contains").get<std::string>();
            if (want.at("fails").get<bool>()) {
                CHECK((result.exit_code == 4 || result.exit_code == 7));
                // One line, naming the file and the problem.
                CHECK(std::count(result.err.begin(), result.err.end(), '\n') == 1);
                CHECK(result.err.find((fixtures() / "hostile" / name).string()) !=
                      std::string::npos);
                CHECK(lower(result.err).find(lower(message)) != std::string::npos);
                check_only(out_dir, {});
            } else {
                REQUIRE(result.exit_code == 0);
                CHECK(lower(result.err).find(lower(message)) != std::string::npos);
                const auto asserts = out_dir / "asserts.json";
                sifkit::test::write_file(asserts, want.at("asserts").dump());
                check_assertions(unpack_with_unsquashfs(sif, "hostile-" + name), asserts);
            }
        }
    }
}

TEST_CASE("an existing output is refused without --force and survives a failed conversion",
          "[errors]") {
    const auto dir = scratch() / "refuse";
    fs::create_directories(dir);
    const auto sif = dir / "image.sif";
    sifkit::test::write_file(sif, "precious");
    const auto layout = "oci:" + (fixtures() / "layout").string();
    const auto refused = run_sifkit({"convert", "-q", layout, sif.string()});
    CHECK(refused.exit_code == 6);
    CHECK(refused.err.find("already exists") != std::string::npos);
    const auto failed =
        run_sifkit({"convert", "-q", "--force",
                    "oci:" + (fixtures() / "hostile" / "truncated-gzip").string(), sif.string()});
    CHECK(failed.exit_code == 4);
    CHECK(read_text(sif) == "precious");
    check_only(dir, {"image.sif"});
    const auto replaced = run_sifkit({"convert", "-q", "--force", layout, sif.string()});
    CHECK(replaced.exit_code == 0);
    CHECK(read_text(sif).substr(0, 31) == "#!/usr/bin/env run-singularity\n");
    check_only(dir, {"image.sif"});
}

TEST_CASE("bad arguments are usage errors", "[errors]") {
    const auto out = (scratch() / "usage.sif").string();
    const auto layout = "oci:" + (fixtures() / "layout").string();
    for (const std::vector<std::string>& args : {
             std::vector<std::string>{"convert", "nope:thing", out},
             {"convert", "--compression", "brotli", layout, out},
             {"convert", "--block-size", "3000", layout, out},
             {"convert", "--block-size", "2M", layout, out},
             {"convert", "--level", "99", layout, out},
             {"convert", "--platform", "amd64", layout, out},
             {"convert", "--env", "=x", layout, out},
             {"convert", "--entrypoint", "[1,2]", layout, out},
             {"convert", "--uuid", "not-a-uuid", layout, out},
         }) {
        const auto result = run_sifkit(args);
        INFO(result.describe());
        CHECK(result.exit_code == 2);
        CHECK_FALSE(fs::exists(out));
    }
    // A missing source is an I/O error naming the path and the reason, as for every transport.
    const auto missing = run_sifkit({"convert", "oci:/nonexistent/layout", out});
    CHECK(missing.exit_code == 3);
    CHECK(missing.err == "sifkit: /nonexistent/layout: cannot open: No such file or directory\n");
}

TEST_CASE("an interrupted conversion leaves nothing behind", "[errors]") {
    // A slow conversion (64 MiB of random data through xz on one thread), interrupted as soon as
    // its temporary output exists.
    const auto rootfs = scratch() / "slow-rootfs";
    fs::create_directories(rootfs);
    REQUIRE(sifkit::test::run(
                {"sh", "-c", "head -c 64M /dev/urandom > \"$0\"/random.bin", rootfs.string()})
                .exit_code == 0);
    const auto out_dir = scratch() / "interrupted";
    fs::create_directories(out_dir);
    for (const char* signal : {"INT", "TERM"}) {
        const auto script =
            "\"$0\" convert -q --compression xz -j 1 dir:\"$1\" \"$2\"/out.sif & pid=$!\n"
            "for i in $(seq 1 200); do ls -A \"$2\" | grep -q . && break; sleep 0.05; done\n"
            "kill -" +
            std::string(signal) + " $pid; wait $pid; echo \"exit $?\"";
        const auto result =
            sifkit::test::run({"sh", "-c", script, sifkit::test::sifkit_bin().string(),
                               rootfs.string(), out_dir.string()});
        INFO(signal << ": " << result.describe() << "\n" << result.out);
        CHECK(result.out == (std::string(signal) == "INT" ? "exit 130\n" : "exit 143\n"));
        check_only(out_dir, {});
    }
}
