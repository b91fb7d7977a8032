// Attacks on `sifkit stage` by the user who chooses the image (issue 13): a huge sparse image
// that is not signed, or not by a trusted key; stages killed in the middle of their copy; a
// cache directory another user planted under the old default name in /tmp. Each test asserts
// what is left on disk (files, bytes allocated) and the exit code; a stage is killed at an
// exact point (its first write into its temporary copy, held there by ptrace), never after a
// delay.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <cstdio>
#include <memory>

#include "helpers.hpp"
#include "sifkit/sif/image.hpp"
#include "sifkit/sign/stage_cache.hpp"
#include "tracer.hpp"

using namespace slurm_test;
namespace t = sifkit::test;

namespace {

constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;

struct Fixture {
    t::TempDir tmp{"sifkit-stage-adversarial"};
    fs::path cache = tmp / "cache";
    fs::path out = tmp / "out";  // DEST directory of stages without a cache
    fs::path signed_image = tmp / "signed.sif";

    Fixture() {
        make_layout(tmp.path());
        for (const char* name : {"site", "other"}) {
            REQUIRE(run_sifkit({"key", "generate", (tmp / name).string()}).exit_code == 0);
        }
        make_image(tmp / "demo", signed_image, tmp / "site.key");
        fs::create_directory(out);
    }
    // A signed image with its own cache key (a fresh image ID).
    fs::path another_signed(const std::string& name, int n) const {
        const fs::path path = tmp / name;
        char uuid[40];
        std::snprintf(uuid, sizeof uuid, "5e1f0000-0000-4000-a000-%012d", n);
        make_image(tmp / "demo", path, tmp / "site.key", uuid);
        return path;
    }
    std::vector<std::string> key_args() const { return {"--key", (tmp / "site.pub").string()}; }
};

// sifkit with RLIMIT_FSIZE: a stage that wrote more than `limit` bytes into any file would die
// of SIGXFSZ (exit 153), so a pass proves that nothing of the image was copied. (fallocate with
// FALLOC_FL_KEEP_SIZE is not limited: the tests look at the blocks of what is left as well.)
t::RunResult run_limited(std::uint64_t limit, const std::vector<std::string>& args,
                         const std::vector<std::string>& env = {}) {
    std::vector<std::string> argv = {"prlimit", "--fsize=" + std::to_string(limit), "--",
                                     t::sifkit_bin().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    t::RunOptions options;
    options.env = env;
    return t::run(argv, options);
}

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
    args.insert(args.end(), more.begin(), more.end());
    return args;
}

// A descriptor the child inherits, as the plugin hands the image to its helper.
struct InheritedFd {
    int fd;
    explicit InheritedFd(const fs::path& path) : fd(::open(path.c_str(), O_RDONLY)) {
        REQUIRE(fd >= 0);
    }
    ~InheritedFd() { ::close(fd); }
    std::string number() const { return std::to_string(fd); }
};

bool ended_by(int status, int signal) {
    return WIFSIGNALED(status) && WTERMSIG(status) == signal;
}

}  // namespace

TEST_CASE("an unsigned 20 GiB sparse image is refused before a byte is reserved or copied",
          "[adversarial]") {
    Fixture f;
    const fs::path sparse = f.tmp / "sparse.sif";
    make_sparse_image(sparse, 20 * kGiB);
    REQUIRE(fs::file_size(sparse) >= 20 * kGiB - 65536);
    REQUIRE(allocated_bytes(sparse) < 1 << 20);

    // As the plugin's helper runs it: the image on an inherited descriptor, into a cache.
    const InheritedFd source(sparse);
    const auto cached =
        run_limited(64 << 20, with({"stage", "--source-fd", source.number(), "--cache-dir",
                                    f.cache.string(), "/shared/sparse.sif"},
                                   f.key_args()));
    INFO(cached.describe() << cached.out);
    CHECK(cached.exit_code == 10);
    CHECK(cached.out.find("/shared/sparse.sif: not-signed") != std::string::npos);
    CHECK(cached.out.find("refused before copying") != std::string::npos);
    CHECK(entries_of(f.cache).empty());  // no copy, no temporary, not even a lock file

    const auto plain = run_limited(
        64 << 20, with({"stage", sparse.string(), (f.out / "copy.sif").string()}, f.key_args()));
    INFO(plain.describe() << plain.out);
    CHECK(plain.exit_code == 10);
    CHECK(plain.out.find("not written (refused before copying") != std::string::npos);
    CHECK(entries_of(f.out).empty());
}

TEST_CASE("images signed by no trusted key, or missing a required key, are refused unread",
          "[adversarial]") {
    Fixture f;
    const fs::path untrusted = f.tmp / "untrusted.sif";
    make_image(f.tmp / "demo", untrusted, f.tmp / "other.key");
    REQUIRE(fs::file_size(untrusted) > 256 << 10);
    const struct {
        fs::path image;
        std::vector<std::string> keys;
        const char* reason;
    } cases[] = {
        {untrusted, f.key_args(), "no trusted key verified the signature"},
        {f.signed_image,
         {"--key", (f.tmp / "site.pub").string(), "--key", (f.tmp / "other.pub").string(),
          "--require", "all"},
         "not signed by every trusted key (required: all)"},
    };
    for (const auto& c : cases) {
        for (const bool cached : {true, false}) {
            std::vector<std::string> args = {"stage", c.image.string(), "--json"};
            if (cached) {
                args.insert(args.end(), {"--cache-dir", f.cache.string()});
            } else {
                args.push_back((f.out / "copy.sif").string());
            }
            // 64 KiB: a fraction of the image; copying any of it past that would kill sifkit.
            const auto r = run_limited(64 << 10, with(args, c.keys));
            INFO(c.image << (cached ? " cached: " : ": ") << r.describe() << r.out);
            CHECK(r.exit_code == 12);
            CHECK(r.out.find(c.reason) != std::string::npos);
            CHECK(r.out.find("\"refused_before_copy\": true") != std::string::npos);
            CHECK(entries_of(f.cache).empty());
            CHECK(entries_of(f.out).empty());
        }
    }
    // A tampered image claims its signatures: only reading it can tell, so it is copied, and
    // refused (11) after the copy, which is removed.
    const fs::path tampered = f.tmp / "tampered.sif";
    fs::copy_file(f.signed_image, tampered);
    tamper(tampered);
    const auto r = run_sifkit(
        with({"stage", tampered.string(), "--cache-dir", f.cache.string()}, f.key_args()));
    CHECK(r.exit_code == 11);
    CHECK(temporaries_in(f.cache).empty());
}

TEST_CASE("stage --max-size refuses larger images before anything else", "[adversarial]") {
    Fixture f;
    const fs::path sparse = f.tmp / "sparse.sif";
    make_sparse_image(sparse, 20 * kGiB);
    for (const bool cached : {true, false}) {
        for (const fs::path& image : {sparse, f.signed_image}) {
            std::vector<std::string> args = {"stage", image.string(), "--max-size", "256K"};
            if (cached) {
                args.insert(args.end(), {"--cache-dir", f.cache.string()});
            } else {
                args.push_back((f.out / "copy.sif").string());
            }
            const auto r = run_sifkit(with(args, f.key_args()));
            INFO(r.describe());
            CHECK(r.exit_code == 9);
            const std::string prefix = "sifkit: " + image.string() + ": too large to stage: ";
            CHECK(r.err.starts_with(prefix + (image == sparse ? "20.0 GiB" : "")));
            CHECK(lines_with(r.err, "sifkit: ").size() == 1);
            CHECK(r.err.find("the maximum is 256.0 KiB") != std::string::npos);
            CHECK(entries_of(f.cache).empty());
            CHECK(entries_of(f.out).empty());
        }
    }
    // At or above the image's size, the limit lets it through.
    const auto fits = run_sifkit(
        with({"stage", f.signed_image.string(), "--max-size",
              std::to_string(fs::file_size(f.signed_image)), "--cache-dir", f.cache.string()},
             f.key_args()));
    CHECK(fits.exit_code == 0);
    CHECK(run_sifkit(with({"stage", f.signed_image.string(), "--max-size", "lots", "--cache-dir",
                           f.cache.string()},
                          f.key_args()))
              .exit_code == 2);
}

TEST_CASE("a stage killed with SIGKILL in its copy leaves a temporary the next stage removes",
          "[adversarial]") {
    Fixture f;
    for (const bool cached : {true, false}) {
        const fs::path dir = cached ? f.cache : f.out;
        INFO((cached ? "into the cache" : "to a DEST"));
        // Three stages, each of an image with its own cache key (as a user who changes one byte
        // of a signed image's header and signs it again gets), all held in their copies at
        // once, then killed.
        std::vector<std::unique_ptr<TracedProcess>> stages;
        for (int n = 0; n < 3; ++n) {
            const std::string tag = (cached ? "cached-" : "plain-") + std::to_string(n);
            const fs::path image = f.another_signed(tag + ".sif", n + (cached ? 0 : 10));
            std::vector<std::string> argv = {t::sifkit_bin().string(), "stage", image.string()};
            if (cached) {
                argv.insert(argv.end(), {"--cache-dir", dir.string()});
            } else {
                argv.push_back((dir / (tag + ".sif")).string());
            }
            stages.push_back(
                std::make_unique<TracedProcess>(with(argv, f.key_args()), f.tmp / tag));
            REQUIRE(stages.back()->stop_at_write_to(".sifkit-"));
        }
        for (const auto& stage : stages) {
            CHECK(ended_by(stage->kill_hard(), SIGKILL));
        }
        const auto left = temporaries_in(dir);
        REQUIRE(left.size() == 3);  // what SIGKILL leaves: nothing can clean up after it
        for (const std::string& name : left) {
            CHECK(allocated_bytes(dir / name) >= fs::file_size(f.signed_image) / 2);
        }
        // The next stage into the directory, of any image, removes them first.
        const auto next =
            run_sifkit(with(cached ? std::vector<std::string>{"stage", f.signed_image.string(),
                                                              "--cache-dir", dir.string()}
                                   : std::vector<std::string>{"stage", f.signed_image.string(),
                                                              (dir / "next.sif").string()},
                            f.key_args()));
        INFO(next.describe());
        CHECK(next.exit_code == 0);
        CHECK(temporaries_in(dir).empty());
    }
}

TEST_CASE("a running stage's temporary is never removed by another stage", "[adversarial]") {
    Fixture f;
    const fs::path first = f.another_signed("first.sif", 1);
    TracedProcess held({t::sifkit_bin().string(), "stage", first.string(), "--cache-dir",
                        f.cache.string(), "--key", (f.tmp / "site.pub").string()},
                       f.tmp / "held");
    REQUIRE(held.stop_at_write_to(".sifkit-"));
    const auto temporary = temporaries_in(f.cache);
    REQUIRE(temporary.size() == 1);
    struct stat before {};
    REQUIRE(::stat((f.cache / temporary[0]).c_str(), &before) == 0);

    const auto other = run_sifkit(
        with({"stage", f.signed_image.string(), "--cache-dir", f.cache.string()}, f.key_args()));
    CHECK(other.exit_code == 0);
    struct stat after {};
    REQUIRE(::stat((f.cache / temporary[0]).c_str(), &after) == 0);
    CHECK(after.st_ino == before.st_ino);

    const int status = held.finish();
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    const std::string key = sifkit::sign::StageCache::key_of(sifkit::sif::Image::open(first));
    CHECK(t::read_file(f.cache / (key + ".sif")) == t::read_file(first));
    CHECK(temporaries_in(f.cache).empty());
}

TEST_CASE("a stage stopped with SIGTERM in its copy removes its temporary", "[adversarial]") {
    Fixture f;
    for (const bool cached : {true, false}) {
        const fs::path dir = cached ? f.cache : f.out;
        std::vector<std::string> argv = {t::sifkit_bin().string(), "stage",
                                         f.signed_image.string()};
        if (cached) {
            argv.insert(argv.end(), {"--cache-dir", dir.string()});
        } else {
            argv.push_back((dir / "copy.sif").string());
        }
        TracedProcess stage(with(argv, f.key_args()), f.tmp / "terminated");
        REQUIRE(stage.stop_at_write_to(".sifkit-"));
        REQUIRE(temporaries_in(dir).size() == 1);
        CHECK(ended_by(stage.terminate(), SIGTERM));
        CHECK(temporaries_in(dir).empty());
        CHECK_FALSE(fs::exists(dir / "copy.sif"));
    }
}

// ---- the default cache directory ----------------------------------------------------------

namespace {

constexpr int kVictim = 40001;
constexpr int kAttacker = 40002;

// A machine with a shared sticky directory (as /tmp) and a victim's home, both under a fresh
// test directory that every user may traverse.
struct SharedMachine {
    Fixture f;
    fs::path shared = f.tmp / "tmp";
    fs::path home = f.tmp / "home";
    fs::path secret = home / "secret";  // a directory of the victim's the cache must never use
    fs::path image = f.tmp / "image.sif";

    SharedMachine() {
        fs::permissions(f.tmp.path(), fs::perms::owner_all | fs::perms::group_read |
                                          fs::perms::group_exec | fs::perms::others_read |
                                          fs::perms::others_exec);
        fs::create_directory(shared);
        fs::permissions(shared, fs::perms::all | fs::perms::sticky_bit);
        for (const fs::path& dir : {home, secret}) {
            fs::create_directory(dir);
            fs::permissions(dir, fs::perms::owner_all);
            REQUIRE(::chown(dir.c_str(), kVictim, kVictim) == 0);
        }
        fs::copy_file(f.signed_image, image);
        fs::permissions(image,
                        fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
    }
    // The planted name: where sifkit's default cache used to be for the victim.
    fs::path old_default() const { return shared / ("sifkit-cache-" + std::to_string(kVictim)); }

    // sifkit stage run as the victim, with TMPDIR pointing at the shared directory.
    t::RunResult stage_as_victim(const std::vector<std::string>& cache_args) const {
        std::vector<std::string> argv = {"setpriv",
                                         "--reuid=" + std::to_string(kVictim),
                                         "--regid=" + std::to_string(kVictim),
                                         "--clear-groups",
                                         t::sifkit_bin().string(),
                                         "stage",
                                         image.string(),
                                         "--key",
                                         (f.tmp / "site.pub").string()};
        argv.insert(argv.end(), cache_args.begin(), cache_args.end());
        t::RunOptions options;
        options.env = {"TMPDIR=" + shared.string(), "HOME=" + home.string(), "XDG_CACHE_HOME"};
        options.cwd = f.tmp.path();
        return t::run(argv, options);
    }
};

// Acting as two users needs root and setpriv; without them the tests say so and pass, except
// under CI=true, where everything must run.
bool can_switch_users() {
    if (::geteuid() == 0 && t::find_in_path("setpriv").has_value()) {
        return true;
    }
    if (t::running_in_ci()) {
        FAIL("CI=true: these tests need root and setpriv (util-linux) to act as two users");
    }
    WARN("skipped: needs root and setpriv (util-linux) to act as two users");
    return false;
}

}  // namespace

TEST_CASE("a symbolic link another user plants at the old default never redirects the cache",
          "[adversarial]") {
    if (!can_switch_users()) {
        return;
    }
    SharedMachine m;
    REQUIRE(::symlink(m.secret.c_str(), m.old_default().c_str()) == 0);
    REQUIRE(::lchown(m.old_default().c_str(), kAttacker, kAttacker) == 0);

    // The default is the victim's own ~/.cache/sifkit/stage now, whatever TMPDIR says.
    const auto by_default = m.stage_as_victim({"--cache"});
    INFO(by_default.describe() << by_default.out);
    CHECK(by_default.exit_code == 0);
    const fs::path expected = m.home / ".cache" / "sifkit" / "stage";
    CHECK(by_default.out.find("staged to " + expected.string() + "/") != std::string::npos);
    struct stat info {};
    REQUIRE(::stat(expected.c_str(), &info) == 0);
    CHECK(info.st_uid == static_cast<uid_t>(kVictim));
    CHECK((info.st_mode & 0777) == 0700);

    // Named explicitly, the planted link is refused, not followed.
    const auto named = m.stage_as_victim({"--cache-dir", m.old_default().string()});
    INFO(named.describe());
    CHECK(named.exit_code == 2);
    CHECK(named.err == "sifkit: " + m.old_default().string() +
                           ": unsafe cache directory: a symbolic link owned by uid " +
                           std::to_string(kAttacker) + "\n");
    CHECK(entries_of(m.secret).empty());
}

TEST_CASE("another user's directory at the old default no longer denies the cache",
          "[adversarial]") {
    if (!can_switch_users()) {
        return;
    }
    SharedMachine m;
    fs::create_directory(m.old_default());
    fs::permissions(m.old_default(), fs::perms::owner_all);
    REQUIRE(::chown(m.old_default().c_str(), kAttacker, kAttacker) == 0);
    const auto r = m.stage_as_victim({"--cache"});
    INFO(r.describe() << r.out);
    CHECK(r.exit_code == 0);
    CHECK(entries_of(m.old_default()).empty());

    // The victim's own links are followed: ~/.cache may live on another disk.
    const fs::path elsewhere = m.f.tmp / "scratch";
    fs::create_directory(elsewhere);
    REQUIRE(::chown(elsewhere.c_str(), kVictim, kVictim) == 0);
    const fs::path link = m.home / "link-to-scratch";
    REQUIRE(::symlink(elsewhere.c_str(), link.c_str()) == 0);
    REQUIRE(::lchown(link.c_str(), kVictim, kVictim) == 0);
    const auto linked = m.stage_as_victim({"--cache-dir", (link / "cache").string()});
    INFO(linked.describe() << linked.out);
    CHECK(linked.exit_code == 0);
    CHECK(linked.out.find("staged to " + (elsewhere / "cache").string() + "/") !=
          std::string::npos);
}
