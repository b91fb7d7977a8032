// Directory outputs (staging.hpp): the old destination stays until the new tree takes its place,
// a destination that appears meanwhile is not replaced without overwrite, and trees are removed
// whatever their depth and modes, with a few descriptors, never through a symbolic link, also
// by the signal handler's allocation-free path.
#include <sys/resource.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "sifkit/rootfs/unpack.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/test/support.hpp"
#include "staging.hpp"

namespace fs = std::filesystem;
using namespace sifkit;

namespace {

// `levels` nested directories below `top`, a file in each; every third directory (from the
// bottom up, once filled) left without permissions or read-only.
void deep_tree(const fs::path& top, std::size_t levels) {
    fs::path dir = top;
    for (std::size_t i = 0; i < levels; ++i) {
        dir /= "d";
    }
    fs::create_directories(dir);
    for (std::size_t i = levels; i > 0; --i) {
        sifkit::test::write_file(dir / "f", "x");
        if (i % 3 == 0) {
            ::chmod(dir.c_str(), i % 2 == 0 ? 0 : 0500);
        }
        dir = dir.parent_path();
    }
}

// At most `limit` open descriptors while it lives (the soft limit; restored after).
class DescriptorLimit {
  public:
    explicit DescriptorLimit(rlim_t limit) {
        ::getrlimit(RLIMIT_NOFILE, &saved_);
        struct rlimit lowered = saved_;
        lowered.rlim_cur = limit;
        ::setrlimit(RLIMIT_NOFILE, &lowered);
    }
    ~DescriptorLimit() { ::setrlimit(RLIMIT_NOFILE, &saved_); }
    DescriptorLimit(const DescriptorLimit&) = delete;
    DescriptorLimit& operator=(const DescriptorLimit&) = delete;

  private:
    struct rlimit saved_ {};
};

std::vector<std::string> temporaries(const fs::path& dir) {
    std::vector<std::string> found;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.path().filename().string().find(".sifkit-") != std::string::npos) {
            found.push_back(entry.path().string());
        }
    }
    return found;
}

}  // namespace

TEST_CASE("remove_tree: 600 levels, directories without permissions, 32 descriptors", "[staging]") {
    sifkit::test::TempDir dir("sifkit-staging-test");
    deep_tree(dir / "tree", 600);
    {
        const DescriptorLimit limit(32);
        CHECK(rootfs::remove_tree(dir / "tree"));
    }
    CHECK(!fs::exists(fs::symlink_status(dir / "tree")));
    // A file, and nothing at all, are removed too.
    sifkit::test::write_file(dir / "file", "x");
    CHECK(rootfs::remove_tree(dir / "file"));
    CHECK(!fs::exists(dir / "file"));
    CHECK(rootfs::remove_tree(dir / "missing"));
}

TEST_CASE("remove_tree never follows a symbolic link", "[staging]") {
    sifkit::test::TempDir dir("sifkit-staging-test");
    fs::create_directories(dir / "outside" / "sub");
    sifkit::test::write_file(dir / "outside" / "keep", "kept");
    ::chmod((dir / "outside" / "sub").c_str(), 0500);
    fs::create_directories(dir / "tree" / "a");
    fs::create_directory_symlink(dir / "outside", dir / "tree" / "a" / "to-dir");
    fs::create_directory_symlink(dir / "outside" / "sub", dir / "tree" / "to-sub");
    fs::create_symlink(dir / "outside" / "keep", dir / "tree" / "to-file");
    CHECK(rootfs::remove_tree(dir / "tree"));
    CHECK(!fs::exists(fs::symlink_status(dir / "tree")));
    CHECK(sifkit::test::read_file(dir / "outside" / "keep") == "kept");
    struct ::stat st {};
    REQUIRE(::stat((dir / "outside" / "sub").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0500);  // not made writable through the link
    ::chmod((dir / "outside" / "sub").c_str(), 0700);
}

TEST_CASE("the signal handler's removal empties a live staging directory", "[staging]") {
    sifkit::test::TempDir dir("sifkit-staging-test");
    {
        rootfs::StagingDirectory staging(dir / "out", false);
        deep_tree(staging.path() / "tree", 300);
        {
            const DescriptorLimit limit(32);
            rootfs::remove_pending_output_directories();
        }
        CHECK(!fs::exists(staging.path()));
    }  // and the destructor finds nothing left to do
    CHECK(!fs::exists(dir / "out"));
    CHECK(temporaries(dir.path()).empty());
}

TEST_CASE("commit: the destination stays until the new tree takes its place", "[staging]") {
    sifkit::test::TempDir dir("sifkit-staging-test");
    const auto dest = dir / "dest";
    fs::create_directories(dest / "old");
    sifkit::test::write_file(dest / "keep", "old");

    SECTION("replaced whole, in one rename; the old tree removed after") {
        rootfs::StagingDirectory staging(dest, true);
        sifkit::test::write_file(staging.path() / "new", "new");
        CHECK(sifkit::test::read_file(dest / "keep") == "old");
        CHECK(!staging.commit());
        CHECK(sifkit::test::read_file(dest / "new") == "new");
        CHECK(!fs::exists(dest / "keep"));
        CHECK(temporaries(dir.path()).empty());
    }

    SECTION("a staging directory never committed leaves the destination as it was") {
        {
            rootfs::StagingDirectory staging(dest, true);
            sifkit::test::write_file(staging.path() / "new", "new");
        }
        CHECK(sifkit::test::read_file(dest / "keep") == "old");
        CHECK(!fs::exists(dest / "new"));
        CHECK(temporaries(dir.path()).empty());
    }

    SECTION("without overwrite, a destination that appeared meanwhile is refused and kept") {
        const auto late = dir / "late";
        rootfs::StagingDirectory staging(late, false);
        fs::create_directories(late);  // empty: rename(2) alone would replace it
        try {
            staging.commit();
            FAIL("commit replaced a destination that appeared meanwhile");
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::conflict);
        }
        CHECK(fs::is_directory(late));
    }
}
