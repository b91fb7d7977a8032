// sifkit verify / stage through the command line: exit codes, key options, JSON fields, and
// stage's all-or-nothing destination.
#include <catch2/catch.hpp>

#include "common.hpp"

using namespace interop;

namespace {

const fs::path kKeys = sifkit::test::shared_dir() / "fixtures" / "upstream-sif" / "keys";

std::string key(const char* name) {
    return (kKeys / name).string();
}

fs::path writable_copy(const fs::path& from, const fs::path& to) {
    sifkit::test::copy_file(from, to);
    fs::permissions(to, fs::perms::owner_read | fs::perms::owner_write);
    return to;
}

void flip_byte(const fs::path& image, std::uint64_t offset) {
    auto storage = sif::FileStorage::open(image, sif::OpenMode::read_write);
    std::byte b{};
    storage->read_exact(offset, std::span(&b, 1));
    b ^= std::byte{0x20};
    storage->write_at(offset, std::span(&b, 1));
}

}  // namespace

TEST_CASE("verify exit codes: verified, not signed, tampered, untrusted, corrupt, usage",
          "[sign]") {
    sifkit::test::TempDir dir;
    const auto dsse = (upstream_images() / "one-group-signed-dsse.sif").string();
    CHECK(run_sifkit({"verify", dsse, "--key", key("ed25519-public.pem")}).exit_code == 0);
    CHECK(run_sifkit({"verify", dsse, "--key", key("ecdsa-public.pem")}).exit_code == 12);
    CHECK(run_sifkit({"verify", (upstream_images() / "one-group.sif").string(), "--key",
                      key("ed25519-public.pem")})
              .exit_code == 10);
    const auto tampered = writable_copy(dsse, dir / "tampered.sif");
    flip_byte(tampered, 36864);
    const auto bad = run_sifkit({"verify", tampered.string(), "--key", key("rsa-public.pem")});
    CHECK(bad.exit_code == 11);
    CHECK(bad.out.find("data object integrity compromised: 2") != std::string::npos);
    sifkit::test::write_file(dir / "junk.sif", "not an image");
    CHECK(run_sifkit({"verify", (dir / "junk.sif").string(), "--key", key("rsa-public.pem")})
              .exit_code == 4);
    CHECK(run_sifkit({"verify", dsse}).exit_code == 2);  // no key
    CHECK(run_sifkit({"verify", dsse, "--key", key("rsa-public.pem"), "--all", "--group", "1"})
              .exit_code == 2);
    CHECK(run_sifkit({"verify", dsse, "--key", key("rsa-public.pem"), "--group", "7"}).exit_code ==
          5);
}

TEST_CASE("verify --keys-dir trusts every *.pub and *.pem, --json has the documented fields",
          "[sign]") {
    sifkit::test::TempDir dir;
    const auto keys = dir / "keys";
    fs::create_directories(keys);
    sifkit::test::copy_file(kKeys / "ecdsa-public.pem", keys / "a.pem");
    sifkit::test::copy_file(kKeys / "rsa-public.pem", keys / "b.pub");
    sifkit::test::write_file(keys / "notes.txt", "ignored");
    const auto image = (upstream_images() / "two-groups-signed-dsse.sif").string();
    const auto result = run_sifkit({"verify", image, "--keys-dir", keys.string(), "--json"});
    INFO(result.describe());
    CHECK(result.exit_code == 0);
    const auto report = json::parse(result.out);
    CHECK(report.at("status") == "verified");
    REQUIRE(report.at("findings").size() == 2);
    for (const auto& f : report.at("findings")) {
        for (const char* field : {"signature_id", "group", "objects", "format", "status", "keyids",
                                  "reason", "task", "task_id", "insecure", "legacy_signatures"}) {
            CHECK(f.contains(field));
        }
        CHECK(f.at("format") == "dsse");
        CHECK(f.at("keyids") ==
              json::array({"SHA256:BhCwr7qZulYcOMSl2Jt2DuYHxHNnN6th4NdMqR/PGa4"}));
    }
    CHECK(report.at("findings")[1].at("objects") == json::array({3}));
    // --object: one task for object 3 of group 2.
    const auto object = json::parse(
        run_sifkit({"verify", image, "--keys-dir", keys.string(), "--json", "--object", "3"}).out);
    REQUIRE(object.at("findings").size() == 1);
    CHECK(object.at("findings")[0].at("task") == "object");
    CHECK(object.at("findings")[0].at("task_id") == 3);
    CHECK(object.at("findings")[0].at("group") == 2);
    // Legacy signatures are labelled insecure.
    const auto legacy =
        run_sifkit({"verify", (upstream_images() / "one-group-signed-legacy.sif").string(),
                    "--keys-dir", keys.string()});
    CHECK(legacy.exit_code == 10);
    CHECK(legacy.out.find("--legacy-insecure") != std::string::npos);
    fs::create_directories(dir / "empty");
    CHECK(run_sifkit({"verify", image, "--keys-dir", (dir / "empty").string()}).exit_code == 5);
}

TEST_CASE("sign --object and several --key options", "[sign]") {
    sifkit::test::TempDir dir;
    const auto image = writable_copy(upstream_images() / "two-groups.sif", dir / "image.sif");
    const auto signed_ = run_sifkit({"sign", image.string(), "--key", key("ed25519-private.pem"),
                                     "--key", key("ecdsa-private.pem"), "--object", "2"});
    INFO(signed_.describe());
    REQUIRE(signed_.exit_code == 0);
    const auto check = [&](std::vector<std::string> extra, const char* pub) {
        std::vector<std::string> args{"verify", image.string(), "--key", key(pub)};
        args.insert(args.end(), extra.begin(), extra.end());
        return run_sifkit(args).exit_code;
    };
    CHECK(check({"--object", "2"}, "ed25519-public.pem") == 0);
    CHECK(check({"--object", "2"}, "ecdsa-public.pem") == 0);   // second signature, same envelope
    CHECK(check({"--object", "1"}, "ecdsa-public.pem") == 11);  // object 1 is not in it
    CHECK(check({"--group", "1"}, "ecdsa-public.pem") == 11);   // the group is not whole
    CHECK(check({}, "ecdsa-public.pem") == 11);
    CHECK(check({"--group", "2"}, "ecdsa-public.pem") == 10);
    CHECK(run_sifkit({"sign", image.string(), "--key", key("ed25519-private.pem"), "--all",
                      "--object", "1"})
              .exit_code == 2);
    CHECK(run_sifkit({"sign", image.string(), "--key", key("ed25519-private.pem"), "--object", "9"})
              .exit_code == 5);
}

TEST_CASE("stage writes the destination only when the copy verifies", "[sign]") {
    sifkit::test::TempDir dir;
    const auto source = upstream_images() / "two-groups-signed-dsse.sif";
    const auto dest = dir / "out" / "staged.sif";
    fs::create_directories(dest.parent_path());
    auto result =
        run_sifkit({"stage", source.string(), dest.string(), "--key", key("ed25519-public.pem")});
    INFO(result.describe());
    CHECK(result.exit_code == 0);
    CHECK(sifkit::test::sha256_file(dest) == sifkit::test::sha256_file(source));
    CHECK(run_sifkit({"stage", source.string(), dest.string(), "--key", key("ed25519-public.pem")})
              .exit_code == 6);
    CHECK(run_sifkit({"stage", source.string(), dest.string(), "--key", key("ed25519-public.pem"),
                      "--force"})
              .exit_code == 0);

    const auto tampered = writable_copy(source, dir / "tampered.sif");
    flip_byte(tampered, 40960 + 1000);  // inside the ext3 object of group 2
    const auto rejected = dir / "out" / "rejected.sif";
    result = run_sifkit(
        {"stage", tampered.string(), rejected.string(), "--key", key("ed25519-public.pem")});
    CHECK(result.exit_code == 11);
    CHECK(result.out.find("data object integrity compromised: 3") != std::string::npos);
    CHECK_FALSE(fs::exists(rejected));
    // Signed by no trusted key: refused from the signatures alone, before a byte is copied
    // (docs/slurm.md), so the verdict is "untrusted" (12) whatever the data holds.
    CHECK(run_sifkit(
              {"stage", tampered.string(), rejected.string(), "--key", key("ecdsa-public.pem")})
              .exit_code == 12);
    CHECK(run_sifkit({"stage", (upstream_images() / "two-groups.sif").string(), rejected.string(),
                      "--key", key("ecdsa-public.pem")})
              .exit_code == 10);
    CHECK(
        run_sifkit({"stage", source.string(), rejected.string(), "--key", key("ecdsa-public.pem")})
            .exit_code == 12);
    CHECK_FALSE(fs::exists(rejected));
    // Nothing left behind next to the destination.
    std::size_t entries = 0;
    for (const auto& e : fs::directory_iterator(dest.parent_path())) {
        (void)e;
        ++entries;
    }
    CHECK(entries == 1);
}

TEST_CASE("verify --key takes armored OpenPGP keys; --legacy-insecure labels what it verifies",
          "[sign]") {
    const auto armored =
        (fs::path(SIFKIT_TEST_FIXTURES) / "sign" / "unit-test-public.asc").string();
    const auto image = (upstream_images() / "two-groups-signed-pgp.sif").string();
    auto result = run_sifkit({"verify", image, "--key", armored});
    INFO(result.describe());
    CHECK(result.exit_code == 0);
    CHECK(result.out.find(
              "(pgp) objects 1,2: verified by 12045C8C0B1004D058DE4BEDA20C27EE7FF7BA84") !=
          std::string::npos);
    CHECK(run_sifkit({"verify", image, "--key", key("rsa-public.pem")}).exit_code == 12);
    const auto legacy = (upstream_images() / "one-group-signed-legacy-group.sif").string();
    result = run_sifkit({"verify", legacy, "--key", armored, "--legacy-insecure"});
    CHECK(result.exit_code == 0);
    CHECK(result.out.find("INSECURE") != std::string::npos);
    const auto json_report = json::parse(
        run_sifkit({"verify", legacy, "--key", armored, "--legacy-insecure", "--json"}).out);
    CHECK(json_report.at("findings").at(0).at("insecure") == true);
    CHECK(json_report.at("findings").at(0).at("format") == "legacy");
    CHECK(run_sifkit({"verify", legacy, "--key", armored}).exit_code == 10);
}
