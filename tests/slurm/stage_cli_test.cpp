// sifkit stage with the per-node cache, through the command line: verdict exit codes, reuse,
// a symlinked DEST, concurrent processes copying once, --source-fd, unsafe cache directories,
// and exit 9 when the destination is too small.
#include <fcntl.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <future>

#include "helpers.hpp"
#include "sifkit/sif/image.hpp"
#include "sifkit/sign/stage_cache.hpp"

using namespace slurm_test;
namespace t = sifkit::test;

namespace {

struct Images {
    t::TempDir tmp{"sifkit-stage-cli"};
    fs::path cache = tmp / "cache";
    fs::path signed_image = tmp / "signed.sif";

    Images() {
        make_layout(tmp.path());
        for (const char* name : {"site", "other"}) {
            REQUIRE(run_sifkit({"key", "generate", (tmp / name).string()}).exit_code == 0);
        }
        make_image(tmp / "demo", signed_image, tmp / "site.key");
    }
    fs::path image(const std::string& name, const fs::path& key) const {
        const fs::path out = tmp / name;
        make_image(tmp / "demo", out, key);
        return out;
    }
    t::RunResult stage(const std::vector<std::string>& args) const {
        std::vector<std::string> all = {"stage"};
        all.insert(all.end(), args.begin(), args.end());
        all.insert(all.end(),
                   {"--cache-dir", cache.string(), "--key", (tmp / "site.pub").string()});
        return run_sifkit(all);
    }
};

std::string key_of(const fs::path& image) {
    return sifkit::sign::StageCache::key_of(sifkit::sif::Image::open(image));
}

}  // namespace

TEST_CASE("stage --cache-dir: copy, reuse, and the verdict exit codes", "[cli]") {
    Images f;
    const auto first = f.stage({f.signed_image.string()});
    INFO(first.describe() << first.out);
    CHECK(first.exit_code == 0);
    const std::string entry = (fs::canonical(f.cache) / (key_of(f.signed_image) + ".sif")).string();
    CHECK(first.out.find("cache: copied ") != std::string::npos);
    CHECK(first.out.ends_with("staged to " + entry + "\n"));
    const auto second = f.stage({f.signed_image.string()});
    CHECK(second.exit_code == 0);
    CHECK(second.out.find("cache: reused " + entry + " (verified again, nothing copied)") !=
          std::string::npos);

    const fs::path link = f.tmp / "local.sif";
    CHECK(f.stage({f.signed_image.string(), link.string()}).exit_code == 0);
    CHECK(fs::read_symlink(link) == entry);
    CHECK(f.stage({f.signed_image.string(), link.string()}).exit_code == 6);  // exists
    CHECK(f.stage({f.signed_image.string(), link.string(), "--force"}).exit_code == 0);

    const fs::path tampered = f.tmp / "tampered.sif";
    fs::copy_file(f.signed_image, tampered);
    tamper(tampered);
    const auto invalid = f.stage({tampered.string()});
    CHECK(invalid.exit_code == 11);
    CHECK(invalid.out.find("not staged") != std::string::npos);
    CHECK(f.stage({f.image("unsigned.sif", {}).string()}).exit_code == 10);
    CHECK(f.stage({f.image("untrusted.sif", f.tmp / "other.key").string()}).exit_code == 12);
    const auto all_keys = f.stage(
        {f.signed_image.string(), "--key", (f.tmp / "other.pub").string(), "--require", "all"});
    CHECK(all_keys.exit_code == 12);
    CHECK(all_keys.out.find("not signed by every trusted key (required: all)") !=
          std::string::npos);

    const auto json = f.stage({f.signed_image.string(), "--json"});
    CHECK(json.exit_code == 0);
    CHECK(json.out.find("\"reused\": true") != std::string::npos);
    CHECK(json.out.find("\"staged_to\": \"" + entry + "\"") != std::string::npos);

    // Usage: no DEST and no cache; --rehash without a cache; --group with the cache.
    CHECK(run_sifkit({"stage", f.signed_image.string(), "--key", (f.tmp / "site.pub").string()})
              .exit_code == 2);
    CHECK(f.stage({f.signed_image.string(), "--group", "1"}).exit_code == 2);
}

TEST_CASE("stage --source-fd reads an inherited descriptor and reports the given name", "[cli]") {
    Images f;
    const int fd = ::open(f.signed_image.c_str(), O_RDONLY);  // inherited by the child
    REQUIRE(fd >= 0);
    const auto staged = f.stage({"--source-fd", std::to_string(fd), "/shared/named.sif"});
    ::close(fd);
    INFO(staged.describe());
    CHECK(staged.exit_code == 0);
    CHECK(staged.out.find("/shared/named.sif: verified") != std::string::npos);
}

TEST_CASE("stage processes meeting on one image copy it once", "[cli]") {
    Images f;
    fs::create_directory(f.cache);
    fs::permissions(f.cache, fs::perms::owner_all);
    const fs::path lock = f.cache / (key_of(f.signed_image) + ".lock");
    HeldLock held(lock);
    std::vector<std::future<t::RunResult>> stagers;
    for (int i = 0; i < 4; ++i) {
        stagers.push_back(
            std::async(std::launch::async, [&f] { return f.stage({f.signed_image.string()}); }));
    }
    const bool waiting = wait_for_waiters(lock, 4, [&] {
        for (const auto& s : stagers) {
            if (ready(s)) {
                return true;
            }
        }
        return false;
    });
    held.release();
    int copied = 0;
    int reused = 0;
    for (auto& s : stagers) {
        const auto r = s.get();
        INFO(r.describe());
        CHECK(r.exit_code == 0);
        CHECK(r.err.find("another sifkit stage is staging this image; waiting for it") !=
              std::string::npos);
        copied += r.out.find("cache: copied ") != std::string::npos ? 1 : 0;
        reused += r.out.find("cache: reused ") != std::string::npos ? 1 : 0;
    }
    CHECK(waiting);
    CHECK(copied == 1);
    CHECK(reused == 3);
}

TEST_CASE("stage refuses unsafe cache directories and too small destinations", "[cli]") {
    Images f;
    const fs::path open_dir = f.tmp / "open";
    fs::create_directory(open_dir);
    fs::permissions(open_dir, fs::perms::all);
    const auto unsafe = run_sifkit({"stage", f.signed_image.string(), "--cache-dir",
                                    open_dir.string(), "--key", (f.tmp / "site.pub").string()});
    CHECK(unsafe.exit_code == 2);
    CHECK(unsafe.err.find("unsafe cache directory: writable by group or others") !=
          std::string::npos);

    // A sparse 4 TiB image: no disk here has room for it, and nothing is copied to find out.
    const fs::path huge = f.tmp / "huge.sif";
    {
        t::write_file(huge, "");
        auto image = sifkit::sif::Image::create(
            sifkit::sif::FileStorage::open(huge, sifkit::sif::OpenMode::read_write), {});
        sifkit::sif::ObjectSpec spec;
        spec.group = 1;
        auto writer = image.begin_object(spec);
        const std::byte last{1};
        writer.write_at((std::uint64_t{4} << 40) - 1, std::span(&last, 1));
        writer.commit();
    }
    for (const bool cached : {false, true}) {
        std::vector<std::string> args = {"stage", huge.string()};
        if (cached) {
            args.insert(args.end(), {"--cache-dir", f.cache.string()});
        } else {
            args.push_back((f.tmp / "copy.sif").string());
        }
        args.insert(args.end(), {"--key", (f.tmp / "site.pub").string()});
        const auto full = run_sifkit(args);
        INFO(full.describe());
        CHECK(full.exit_code == 9);
        CHECK(full.err.find("not enough space for the staged copy of " + huge.string() +
                            ": it needs 4.0 TiB") != std::string::npos);
    }
    CHECK_FALSE(fs::exists(f.tmp / "copy.sif"));
}
