// SquashfsImage on a squashfs made by mksquashfs and stored as the primary partition of a SIF:
// lookups, symlink resolution inside the image, listings, reads, xattrs, hardlinks, and refused
// paths; squashfs partitions with corrupt inodes, refused as corrupt images.
#include <sys/stat.h>
#include <sys/xattr.h>

#include <catch2/catch.hpp>

#include "sifkit/rootfs/image_root.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/image.hpp"
#include "sifkit/test/support.hpp"

namespace fs = std::filesystem;
using namespace sifkit;

namespace {

// A new SIF at `path` whose primary system partition holds the bytes of `squashfs`.
sif::Image sif_with_partition(const fs::path& path, const fs::path& squashfs) {
    sifkit::test::write_file(path, "");
    sif::Image image = sif::Image::create(sif::FileStorage::open(path, sif::OpenMode::read_write),
                                          sif::CreateOptions::deterministic());
    sif::ObjectSpec spec;
    spec.type = sif::DataType::partition;
    spec.extra = sif::PartitionInfo{sif::FsType::squashfs, sif::PartType::primary_system,
                                    *sif::Arch::from_go_name("amd64")};
    sif::FileSource source(squashfs);
    image.add(spec, source);
    return image;
}

struct Fixture {
    sifkit::test::TempDir dir{"sifkit-rootfs-test"};
    fs::path sif;
    std::string big;

    Fixture() {
        const fs::path tree = dir / "tree";
        fs::create_directories(tree / "etc");
        fs::create_directories(tree / "usr" / "lib");
        fs::create_directories(tree / "deep" / "a" / "b");
        sifkit::test::write_file(tree / "usr" / "lib" / "os-release", "NAME=test\n");
        fs::create_symlink("../usr/lib/os-release", tree / "etc" / "os-release");
        fs::create_symlink("/usr/lib", tree / "abs-lib");
        fs::create_symlink("../../../../../usr/lib/os-release", tree / "climb");
        fs::create_symlink("loop-b", tree / "loop-a");
        fs::create_symlink("loop-a", tree / "loop-b");
        fs::create_symlink("deep/a", tree / "to-a");
        big.resize(3 * 131072 + 17);
        for (std::size_t i = 0; i < big.size(); ++i) {
            big[i] = static_cast<char>('a' + (i * 7) % 26);
        }
        sifkit::test::write_file(tree / "deep" / "a" / "b" / "big", big);
        fs::create_hard_link(tree / "deep" / "a" / "b" / "big", tree / "deep" / "hard");
        ::setxattr((tree / "etc").c_str(), "user.note", "hi", 2, 0);
        const fs::path squashfs = dir / "root.sqfs";
        const auto made = sifkit::test::run({"mksquashfs", tree.string(), squashfs.string(),
                                             "-all-root", "-noappend", "-quiet", "-no-progress"});
        REQUIRE(made.exit_code == 0);
        sif = dir / "image.sif";
        sif_with_partition(sif, squashfs);
    }
};

ErrorKind kind_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const Error& e) {
        return e.kind();
    }
    FAIL("no error");
    return ErrorKind::internal;
}

}  // namespace

TEST_CASE("lookups resolve symlinks inside the image") {
    Fixture f;
    const sif::Image image = sif::Image::open(f.sif);
    const rootfs::SquashfsImage fs = rootfs::open_root(image);
    CHECK(fs.stat("/").type == rootfs::FileType::directory);
    CHECK(fs.stat("etc/os-release").type == rootfs::FileType::symlink);
    const auto resolved = fs.stat("/etc/os-release", true);
    CHECK(resolved.path == "/usr/lib/os-release");
    CHECK(fs.read_all(resolved, 1024) == "NAME=test\n");
    CHECK(fs.stat("/abs-lib/os-release").path == "/usr/lib/os-release");
    CHECK(fs.stat("/to-a/b/big").path == "/deep/a/b/big");
    // ".." in a link target stops at the root, as in a container.
    CHECK(fs.stat("/climb", true).path == "/usr/lib/os-release");
    CHECK(fs.stat("/deep/a/../a/./b//big").path == "/deep/a/b/big");
    // ".." written by the caller may not leave the root.
    CHECK(kind_of([&] { fs.stat("/../etc"); }) == ErrorKind::usage);
    CHECK(kind_of([&] { fs.stat("/deep/../../etc"); }) == ErrorKind::usage);
    CHECK(kind_of([&] { fs.stat("/loop-a", true); }) == ErrorKind::invalid_input);
    CHECK(fs.stat("/loop-a").type == rootfs::FileType::symlink);  // not followed: fine
    CHECK(kind_of([&] { fs.stat("/missing"); }) == ErrorKind::not_found);
    CHECK(kind_of([&] { fs.stat("/usr/lib/os-release/x"); }) == ErrorKind::not_found);
    CHECK(kind_of([&] { fs.list("/usr/lib/os-release"); }) == ErrorKind::usage);
}

TEST_CASE("listings, walks, reads, hardlinks and xattrs") {
    Fixture f;
    const sif::Image image = sif::Image::open(f.sif);
    const rootfs::SquashfsImage fs = rootfs::open_root(image);
    std::vector<std::string> names;
    for (const auto& info : fs.list("/")) {
        names.push_back(info.name);
    }
    CHECK(names == std::vector<std::string>{"abs-lib", "climb", "deep", "etc", "loop-a", "loop-b",
                                            "to-a", "usr"});
    std::vector<std::string> walked;
    fs.walk("/deep", [&](const rootfs::FileInfo& info) { walked.push_back(info.path); });
    CHECK(walked ==
          std::vector<std::string>{"/deep", "/deep/a", "/deep/a/b", "/deep/a/b/big", "/deep/hard"});
    const auto big = fs.stat("/deep/a/b/big");
    const auto hard = fs.stat("/deep/hard");
    CHECK(big.nlink == 2);
    CHECK(big.inode_number == hard.inode_number);
    std::string data;
    std::size_t largest_chunk = 0;
    fs.read(big, [&](std::span<const std::byte> chunk) {
        largest_chunk = std::max(largest_chunk, chunk.size());
        data.append(reinterpret_cast<const char*>(chunk.data()), chunk.size());
    });
    CHECK(data == f.big);
    CHECK(largest_chunk <= fs.block_size());  // streamed a block at a time
    CHECK(kind_of([&] { fs.read_all(big, 100); }) == ErrorKind::invalid_input);
    const auto xattrs = fs.xattrs(fs.stat("/etc"));
    REQUIRE(xattrs.size() == 1);
    CHECK(xattrs[0] == std::pair<std::string, std::string>{"user.note", "hi"});
}

TEST_CASE("an image without a partition, or not squashfs, is refused clearly") {
    sifkit::test::TempDir dir{"sifkit-rootfs-test"};
    const auto path = dir / "empty.sif";
    sifkit::test::write_file(path, "");
    sif::Image::create(sif::FileStorage::open(path, sif::OpenMode::read_write),
                       sif::CreateOptions::deterministic());
    {
        const sif::Image image = sif::Image::open(path);
        CHECK(kind_of([&] { rootfs::open_root(image); }) == ErrorKind::not_found);
    }
    sif::Image writable = sif::Image::open(path, sif::OpenMode::read_write);
    sif::ObjectSpec spec;
    spec.type = sif::DataType::partition;
    spec.extra = sif::PartitionInfo{sif::FsType::squashfs, sif::PartType::primary_system,
                                    *sif::Arch::from_go_name("amd64")};
    const std::string junk(8192, 'x');
    sif::MemorySource source(junk);
    writable.add(spec, source);
    CHECK(kind_of([&] { rootfs::open_root(writable); }) == ErrorKind::invalid_image);
}

// Inputs found by fuzz_rootfs_read: an extended file inode whose size makes libsquashfs allocate
// a block list of 1.7 GiB (which succeeds, and the read then fails at the end of the inode table)
// or of 222 TiB (which fails). Both are corrupt images (exit 4 from the CLI), never an internal
// error, and never more memory touched than the image holds.
TEST_CASE("an inode claiming an impossible file size is a corrupt image") {
    const auto seeds = sifkit::test::repo_root() / "tests" / "fixtures" / "fuzz" / "rootfs-read";
    for (const char* name : {"large-block-list-inode", "huge-block-list-inode"}) {
        INFO(name);
        sifkit::test::TempDir dir{"sifkit-rootfs-test"};
        const auto path = dir / "corrupt.sif";
        const sif::Image image = sif_with_partition(path, seeds / name);
        std::string message;
        try {
            const rootfs::SquashfsImage fs = rootfs::open_root(image);
            fs.walk("/", [](const rootfs::FileInfo&) {});
            FAIL("walking the corrupt partition succeeded");
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::invalid_image);
            message = e.what();
        }
        CHECK(message.find("squashfs in object 1") != std::string::npos);
        CHECK(message.find(path.string()) != std::string::npos);
    }
}
