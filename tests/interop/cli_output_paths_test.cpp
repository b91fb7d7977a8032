// Where outputs go: an existing directory as OUTPUT/DEST receives the file under the source's
// name, as cp puts copies (convert, stage); an output directory sifkit may not write names
// itself in the error.
#include <catch2/catch.hpp>

#include "common.hpp"

using namespace interop;
using sifkit::test::read_file;
using sifkit::test::write_file;

TEST_CASE("stage and convert into an existing directory use the source's name", "[cli][paths]") {
    sifkit::test::TempDir dir;
    const fs::path into = dir / "node-local";
    fs::create_directories(into);
    const auto signed_image = upstream_images() / "one-group-signed-dsse.sif";
    const auto key =
        (sifkit::test::shared_dir() / "fixtures" / "upstream-sif" / "keys" / "ed25519-public.pem")
            .string();
    const auto ok = [](const RunResult& r) {
        INFO(r.describe());
        CHECK(r.exit_code == 0);
    };

    ok(run_sifkit({"stage", signed_image.string(), into.string() + "/", "--key", key}));
    const auto staged = into / "one-group-signed-dsse.sif";
    REQUIRE(fs::exists(staged));
    CHECK((read_file(staged) == read_file(signed_image)));
    // Again, without the slash: the copy in the directory exists now (exit 6), unless --force.
    const auto again = run_sifkit({"stage", signed_image.string(), into.string(), "--key", key});
    INFO(again.describe());
    CHECK(again.exit_code == 6);
    CHECK(again.err.find(staged.string()) != std::string::npos);
    ok(run_sifkit({"stage", "-f", signed_image.string(), into.string(), "--key", key}));

    const auto root = dir / "rootfs";
    fs::create_directories(root / "etc");
    write_file(root / "etc" / "hostname", "node\n");
    ok(run_sifkit({"convert", "dir:" + root.string() + "/", into.string()}));
    CHECK(fs::is_regular_file(into / "rootfs.sif"));
    const auto tarball = dir / "app.tar";
    const auto tar = sifkit::test::run({"tar", "-cf", tarball.string(), "-C", root.string(), "."});
    REQUIRE(tar.exit_code == 0);
    ok(run_sifkit({"convert", "tar:" + tarball.string(), into.string()}));
    CHECK(fs::is_regular_file(into / "app.sif"));
    ok(run_sifkit({"list", (into / "app.sif").string()}));
    // A file OUTPUT is still the file.
    ok(run_sifkit({"convert", "dir:" + root.string(), (dir / "named.sif").string()}));
    CHECK(fs::is_regular_file(dir / "named.sif"));
}

TEST_CASE("an output directory that cannot be written is named in the error", "[cli][paths]") {
    sifkit::test::TempDir dir;
    const auto user = as_ordinary_user();
    if (!user) {
        WARN("skipped: running as root, and no user sifkitbuild (or setpriv) to drop to");
        return;
    }
    const fs::path locked = dir / "read-only";
    fs::create_directories(locked);
    open_to_ordinary_user(dir.path());
    fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::others_read |
                                fs::perms::others_exec);
    const auto output = (locked / "image.sif").string();
    const auto r = run_sifkit_as(*user, {"new", output});
    INFO(r.describe());
    CHECK(r.exit_code == 3);
    CHECK(r.err == "sifkit: " + output + ": cannot create a temporary file in " + locked.string() +
                       ": Permission denied\n");
    fs::permissions(locked, fs::perms::owner_all);
}
