// Attacks on the directory outputs of export and bundle (issue 13): --force onto destinations a
// rename cannot replace, sparse files, what a root export of an image creates (device nodes,
// setuid files, file capabilities, xattrs) and the switches that leave it out, trees deeper
// than the descriptor limit, and failures mid-way, which must leave nothing behind. The suite
// runs as root (main.cpp): it mounts small tmpfs file systems in a private mount namespace
// (unshare -m), so that a full disk is real and a regression cannot fill the machine's disk.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "convert_support.hpp"
#include "export_support.hpp"

using namespace convert_test;

namespace {

bool one_line(const RunResult& r) {
    return !r.err.empty() && r.err.find('\n') == r.err.size() - 1 &&
           r.err.rfind("sifkit: ", 0) == 0;
}

// sifkit's temporaries (".NAME.sifkit-N") anywhere below `dir`.
std::vector<std::string> temporaries(const fs::path& dir) {
    std::vector<std::string> found;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
        if (it->path().filename().string().find(".sifkit-") != std::string::npos) {
            found.push_back(it->path().string());
        }
    }
    return found;
}

// A SIF whose primary partition is `squashfs` (made by another tool than sifkit convert).
fs::path sif_of(const fs::path& squashfs, const fs::path& sif) {
    fs::remove(sif);
    sifkit_ok({"new", sif.string()});
    sifkit_ok({"add", sif.string(), squashfs.string(), "--datatype", "4", "--partfs", "1",
               "--parttype", "2", "--partarch", "2"});
    return sif;
}

fs::path mksquashfs(const fs::path& tree, const fs::path& out,
                    const std::vector<std::string>& extra = {}) {
    fs::remove(out);
    std::vector<std::string> argv{"mksquashfs", tree.string(), out.string(),
                                  "-noappend",  "-quiet",      "-no-progress"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    const auto made = sifkit::test::run(argv);
    INFO(made.describe());
    REQUIRE(made.exit_code == 0);
    return out;
}

// Runs a shell script in a private mount namespace: $0 is sifkit, then `args`.
RunResult in_namespace(const std::string& script, const std::vector<std::string>& args) {
    std::vector<std::string> argv{
        "unshare", "--mount", "--propagation", "private",
        "sh",      "-c",      script,          sifkit::test::sifkit_bin().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return sifkit::test::run(argv);
}

// Runs sifkit with at most `descriptors` open files.
RunResult with_fd_limit(int descriptors, const std::vector<std::string>& args) {
    std::vector<std::string> argv{
        "sh", "-c", "ulimit -n " + std::to_string(descriptors) + " && exec \"$0\" \"$@\"",
        sifkit::test::sifkit_bin().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return sifkit::test::run(argv);
}

// `levels` nested directories d/d/d/... under `root` with `leaf` at the bottom.
fs::path deep_tree(const fs::path& root, std::size_t levels, const std::string& leaf) {
    fs::remove_all(root);
    fs::path dir = root;
    for (std::size_t i = 0; i < levels; ++i) {
        dir /= "d";
    }
    fs::create_directories(dir);
    sifkit::test::write_file(dir / "leaf", leaf);
    sifkit::test::write_file(root / "a-first", "");
    return dir / "leaf";
}

struct ::stat lstat_of(const fs::path& path) {
    struct ::stat st {};
    REQUIRE(::lstat(path.c_str(), &st) == 0);
    return st;
}

bool has_xattr(const fs::path& path, const char* name) {
    return ::lgetxattr(path.c_str(), name, nullptr, 0) >= 0;
}

// security.capability for cap_net_raw in the effective and permitted sets (VFS_CAP_REVISION_2).
std::string net_raw_capability() {
    const std::uint32_t words[5] = {0x02000001U, 1U << 13, 0, 0, 0};
    return std::string(reinterpret_cast<const char*>(words), sizeof(words));
}

}  // namespace

TEST_CASE("export --force removes nothing until the new tree can take the destination's place",
          "[adversarial]") {
    const auto sif = scratch() / "adv-force.sif";
    convert("oci:" + (fixtures() / "layout").string(), sif);
    const auto area = scratch() / "adv-force";
    fs::remove_all(area);
    fs::create_directories(area);

    SECTION("a mount point cannot be renamed over: its files stay, exit 3") {
        // Replacing it would mean removing the files of the mounted file system and then
        // failing the rename (EBUSY).
        fs::create_directories(area / "mnt");
        const auto r = in_namespace(
            "mount -t tmpfs -o size=16m tmpfs \"$2/mnt\" || exit 99\n"
            "echo mine > \"$2/mnt/keep\"\n"
            "for args in 'export -q' 'export -q --format oci' 'bundle'; do\n"
            "  \"$0\" $args --force \"$1\" \"$2/mnt\"; echo \"$args: exit $?\"\n"
            "  cat \"$2/mnt/keep\"\n"
            "done\n"
            "ls -A \"$2\" \"$2/mnt\"\n",
            {sif.string(), area.string()});
        INFO(r.describe());
        REQUIRE(r.exit_code == 0);
        CHECK(r.out ==
              "export -q: exit 3\nmine\n"
              "export -q --format oci: exit 3\nmine\n"
              "bundle: exit 3\nmine\n" +
                  area.string() + ":\nmnt\n\n" + area.string() + "/mnt:\nkeep\n");
        std::istringstream lines(r.err);
        for (std::string line; std::getline(lines, line);) {
            CHECK(line.rfind("sifkit: " + (area / "mnt").string() + ": ", 0) == 0);
        }
    }

    SECTION("a file system mounted inside the destination: replaced, the mount left alone") {
        // The old tree goes aside in the same rename that puts the new one in place; removing
        // it afterwards never goes into another file system, and what stays is named.
        const auto r = in_namespace(
            "mkdir -p \"$2/dest/sub\" && echo old > \"$2/dest/old-file\" || exit 98\n"
            "mount -t tmpfs -o size=1m tmpfs \"$2/dest/sub\" || exit 99\n"
            "echo theirs > \"$2/dest/sub/f\"\n"
            "\"$0\" export -q --force \"$1\" \"$2/dest\"; echo \"exit $?\"\n"
            "cat \"$2/dest/etc/hostname\"\n"
            "for left in \"$2\"/.dest.sifkit-*; do ls -A \"$left\"; cat \"$left/sub/f\"; done\n"
            "exit 0\n",
            {sif.string(), area.string()});
        INFO(r.describe());
        REQUIRE(r.exit_code == 0);
        CHECK(r.out == "exit 0\nsifkit-fixture\nsub\ntheirs\n");
        CHECK(r.err.rfind("sifkit: warning: " + (area / "dest").string() +
                              ": replaced, but the old tree could not all be removed; what is "
                              "left is in " +
                              (area / ".dest.sifkit-").string(),
                          0) == 0);
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    }

    SECTION("another user's destination in a sticky directory: refused, nothing removed") {
        // /tmp: anyone may create entries, only their owner may remove or replace them.
        ::chmod(area.c_str(), 01777);
        const auto theirs = area / "theirs";
        fs::create_directories(theirs / "sub");
        // Everything inside may be removed by anyone; only `theirs` itself may not be replaced.
        ::chmod(theirs.c_str(), 0777);
        ::chmod((theirs / "sub").c_str(), 0777);
        sifkit::test::write_file(theirs / "keep", "theirs\n");
        sifkit::test::write_file(theirs / "sub" / "keep", "theirs too\n");
        const auto before = sifkit::test::list_tree(theirs);
        for (const std::vector<std::string>& args :
             {std::vector<std::string>{"export", "-q", "--force", sif.string(), theirs.string()},
              {"bundle", "--force", sif.string(), theirs.string()}}) {
            std::vector<std::string> argv{"setpriv", "--reuid=65534", "--regid=65534",
                                          "--clear-groups", sifkit::test::sifkit_bin().string()};
            argv.insert(argv.end(), args.begin(), args.end());
            const auto r = sifkit::test::run(argv);
            INFO(r.describe());
            CHECK(r.exit_code == 3);
            CHECK(one_line(r));
            CHECK(sifkit::test::compare_trees(before, sifkit::test::list_tree(theirs),
                                              sifkit::test::TreeCompare{})
                      .empty());
            CHECK(temporaries(area).empty());
        }
    }

    SECTION("what --force may replace, it replaces whole: a directory, a file, a symlink") {
        const auto dir = area / "dir";
        fs::create_directories(dir / "stale");
        sifkit_ok({"export", "-q", "--force", sif.string(), dir.string()});
        CHECK(!fs::exists(dir / "stale"));
        CHECK(fs::exists(dir / "etc" / "hostname"));
        const auto file = area / "file";
        sifkit::test::write_file(file, "a file\n");
        sifkit_ok({"bundle", "--force", sif.string(), file.string()});
        CHECK(fs::exists(file / "rootfs" / "etc" / "hostname"));
        // A symbolic link is replaced itself; what it points to is not touched.
        const auto target = area / "target";
        fs::create_directories(target);
        sifkit::test::write_file(target / "keep", "kept\n");
        fs::create_symlink(target, area / "link");
        sifkit_ok({"export", "-q", "--force", sif.string(), (area / "link").string()});
        CHECK(!fs::is_symlink(area / "link"));
        CHECK(fs::exists(area / "link" / "etc" / "hostname"));
        CHECK(sifkit::test::read_file(target / "keep") == "kept\n");
        CHECK(temporaries(area).empty());
    }
}

TEST_CASE("sparse files: holes are written as holes by export and bundle", "[adversarial]") {
    const auto area = scratch() / "adv-sparse";
    fs::remove_all(area);
    const auto tree = area / "tree";
    fs::create_directories(tree);
    constexpr std::uint64_t kTen = std::uint64_t{10} << 30;
    constexpr std::uint64_t kMixed = std::uint64_t{64} << 20;
    {
        // 10 GiB of nothing; 64 MiB of holes with data at the start, middle and end.
        std::ofstream(tree / "zeros").close();
        fs::resize_file(tree / "zeros", kTen);
        std::ofstream mixed(tree / "mixed", std::ios::binary);
        mixed << "begin";
        mixed.seekp(static_cast<std::streamoff>(kMixed / 2));
        mixed << "middle";
        mixed.seekp(static_cast<std::streamoff>(kMixed - 3));
        mixed << "end";
    }
    sifkit::test::write_file(tree / "small", "x\n");
    // A squashfs of the 10 GiB file is a few KiB: tar2sqfs (from a sparse tar) stores its
    // blocks as sparse blocks, without data. (mksquashfs does too, but reads all 10 GiB.)
    const auto tarred = sifkit::test::run({"tar", "--sparse", "--format=posix", "-cf",
                                           (area / "tree.tar").string(), "-C", tree.string(), "."});
    INFO(tarred.describe());
    REQUIRE(tarred.exit_code == 0);
    const auto packed =
        sifkit::test::run({"sh", "-c", "tar2sqfs -q \"$0\" < \"$1\"",
                           (area / "sparse.sqfs").string(), (area / "tree.tar").string()});
    INFO(packed.describe());
    REQUIRE(packed.exit_code == 0);
    const auto sparse = sif_of(area / "sparse.sqfs", area / "sparse.sif");
    CHECK(fs::file_size(sparse) < 64 * 1024);
    // mksquashfs stores all-zero blocks as sparse blocks too; with -no-sparse, as compressed
    // blocks of zeros.
    fs::remove(tree / "zeros");
    const auto sparse_mk = sif_of(mksquashfs(tree, area / "mk.sqfs"), area / "mk.sif");
    const auto zero_blocks = sif_of(mksquashfs(tree, area / "zero-blocks.sqfs", {"-no-sparse"}),
                                    area / "zero-blocks.sif");
    CHECK(fs::file_size(zero_blocks) > fs::file_size(sparse_mk));

    // On a 64 MiB tmpfs: a regression fails with "no space" instead of filling the disk.
    fs::create_directories(area / "out");
    const auto r = in_namespace(
        "mount -t tmpfs -o size=64m tmpfs \"$1/out\" || exit 99\n"
        "cd \"$1/out\" || exit 98\n"
        "\"$0\" export -q \"$2\" export; echo \"export: exit $?\"\n"
        "\"$0\" bundle \"$2\" bundle -- /bin/true; echo \"bundle: exit $?\"\n"
        "\"$0\" export -q \"$3\" mk; echo \"mksquashfs: exit $?\"\n"
        "\"$0\" export -q \"$4\" zero-blocks; echo \"zero blocks: exit $?\"\n"
        "stat -c '%n %s %b %B' export/zeros export/mixed bundle/rootfs/zeros "
        "bundle/rootfs/mixed mk/mixed zero-blocks/mixed\n"
        "for f in export/mixed bundle/rootfs/mixed mk/mixed zero-blocks/mixed; do\n"
        "  cmp \"$1/tree/mixed\" \"$f\" && echo \"$f: same\"\n"
        "done\n"
        "cmp -n 1048576 /dev/zero export/zeros && echo 'zeros: zeros'\n"
        "exit 0\n",
        {area.string(), sparse.string(), sparse_mk.string(), zero_blocks.string()});
    INFO(r.describe());
    REQUIRE(r.exit_code == 0);
    std::istringstream out(r.out);
    std::vector<std::string> lines;
    for (std::string line; std::getline(out, line);) {
        lines.push_back(line);
    }
    CHECK(lines.size() == 15);
    lines.resize(15);
    CHECK(lines[0] == "export: exit 0");
    CHECK(lines[1] == "bundle: exit 0");
    CHECK(lines[2] == "mksquashfs: exit 0");
    CHECK(lines[3] == "zero blocks: exit 0");
    for (std::size_t i = 4; i < 10; ++i) {
        std::istringstream fields(lines[i]);
        std::string name;
        std::uint64_t size = 0;
        std::uint64_t blocks = 0;
        std::uint64_t block_unit = 0;
        fields >> name >> size >> blocks >> block_unit;
        INFO(lines[i]);
        CHECK(size == (name.find("zeros") != std::string::npos ? kTen : kMixed));
        // Three blocks hold data (at most 3 x 128 KiB); everything else is a hole.
        CHECK(blocks * block_unit <= 512 * 1024);
    }
    CHECK(lines[10] == "export/mixed: same");
    CHECK(lines[11] == "bundle/rootfs/mixed: same");
    CHECK(lines[12] == "mk/mixed: same");
    CHECK(lines[13] == "zero-blocks/mixed: same");
    CHECK(lines[14] == "zeros: zeros");
    fs::remove_all(area);
}

TEST_CASE("a root export creates what the image says; --no-devices, --no-setuid, --no-xattrs",
          "[adversarial]") {
    const auto area = scratch() / "adv-privileged";
    fs::remove_all(area);
    const auto tree = area / "tree";
    fs::create_directories(tree / "dev");
    fs::create_directories(tree / "bin");
    fs::create_directories(tree / "etc");
    // The host's first disk, writable by anyone who can reach the exported tree.
    REQUIRE(::mknod((tree / "dev" / "sda").c_str(), S_IFBLK | 0666, makedev(8, 0)) == 0);
    REQUIRE(::mknod((tree / "dev" / "mem").c_str(), S_IFCHR | 0666, makedev(1, 1)) == 0);
    REQUIRE(::mkfifo((tree / "dev" / "fifo").c_str(), 0600) == 0);
    ::chmod((tree / "dev" / "sda").c_str(), 0666);
    ::chmod((tree / "dev" / "mem").c_str(), 0666);
    sifkit::test::write_file(tree / "bin" / "rootshell", "#!/bin/sh\nexec /bin/sh\n");
    ::chmod((tree / "bin" / "rootshell").c_str(), 04755);
    sifkit::test::write_file(tree / "bin" / "groupshell", "#!/bin/sh\n");
    ::chmod((tree / "bin" / "groupshell").c_str(), 02755);
    sifkit::test::write_file(tree / "bin" / "raw", "#!/bin/sh\n");
    ::chmod((tree / "bin" / "raw").c_str(), 0755);
    const std::string capability = net_raw_capability();
    REQUIRE(::setxattr((tree / "bin" / "raw").c_str(), "security.capability", capability.data(),
                       capability.size(), 0) == 0);
    sifkit::test::write_file(tree / "etc" / "noted", "x\n");
    REQUIRE(::setxattr((tree / "etc" / "noted").c_str(), "user.note", "hi", 2, 0) == 0);
    fs::create_directories(tree / "shared");
    ::chmod((tree / "shared").c_str(), 02775);
    const auto sif = sif_of(mksquashfs(tree, area / "privileged.sqfs"), area / "privileged.sif");

    const auto check_as_image_says = [&](const fs::path& root) {
        const auto sda = lstat_of(root / "dev" / "sda");
        CHECK(S_ISBLK(sda.st_mode));
        CHECK(sda.st_rdev == makedev(8, 0));
        CHECK((sda.st_mode & 07777) == 0666);
        const auto mem = lstat_of(root / "dev" / "mem");
        CHECK(S_ISCHR(mem.st_mode));
        CHECK(mem.st_rdev == makedev(1, 1));
        CHECK((lstat_of(root / "bin" / "rootshell").st_mode & 07777) == 04755);
        CHECK((lstat_of(root / "bin" / "groupshell").st_mode & 07777) == 02755);
        char value[64];
        const ssize_t n = ::lgetxattr((root / "bin" / "raw").c_str(), "security.capability", value,
                                      sizeof(value));
        CHECK(std::string(value, static_cast<std::size_t>(std::max<ssize_t>(n, 0))) == capability);
        CHECK(has_xattr(root / "etc" / "noted", "user.note"));
    };

    SECTION("by default, exactly as the image says") {
        sifkit_ok({"export", "-q", sif.string(), (area / "all").string()});
        check_as_image_says(area / "all");
        sifkit_ok({"bundle", sif.string(), (area / "bundle").string(), "--", "/bin/true"});
        check_as_image_says(area / "bundle" / "rootfs");
    }

    SECTION("the switches leave each out, and only that") {
        const auto none = area / "none";
        const auto summary = sifkit_ok(
            {"export", "--no-devices", "--no-setuid", "--no-xattrs", sif.string(), none.string()});
        CHECK(summary.err.find("; left out: 2 device node(s), the setuid/setgid bits of 2 "
                               "file(s), 2 xattr(s)\n") != std::string::npos);
        CHECK(!fs::exists(fs::symlink_status(none / "dev" / "sda")));
        CHECK(!fs::exists(fs::symlink_status(none / "dev" / "mem")));
        CHECK(S_ISFIFO(lstat_of(none / "dev" / "fifo").st_mode));  // not a device
        CHECK((lstat_of(none / "bin" / "rootshell").st_mode & 07777) == 0755);
        CHECK((lstat_of(none / "bin" / "groupshell").st_mode & 07777) == 0755);
        CHECK(!has_xattr(none / "bin" / "raw", "security.capability"));
        CHECK(!has_xattr(none / "etc" / "noted", "user.note"));
        // A setgid directory only passes its group on; it grants nothing and is kept.
        CHECK((lstat_of(none / "shared").st_mode & 07777) == 02775);

        // --no-setuid also leaves out file capabilities (they grant privileges as setuid
        // does); other xattrs stay.
        const auto nosuid = area / "nosuid";
        sifkit_ok({"export", "-q", "--no-setuid", sif.string(), nosuid.string()});
        CHECK((lstat_of(nosuid / "bin" / "rootshell").st_mode & 07777) == 0755);
        CHECK(!has_xattr(nosuid / "bin" / "raw", "security.capability"));
        CHECK(has_xattr(nosuid / "etc" / "noted", "user.note"));
        CHECK(S_ISBLK(lstat_of(nosuid / "dev" / "sda").st_mode));

        const auto bundle = area / "bundle-safe";
        sifkit_ok({"bundle", "--no-devices", "--no-setuid", sif.string(), bundle.string(), "--",
                   "/bin/true"});
        CHECK(!fs::exists(fs::symlink_status(bundle / "rootfs" / "dev" / "sda")));
        CHECK((lstat_of(bundle / "rootfs" / "bin" / "rootshell").st_mode & 07777) == 0755);
        CHECK(has_xattr(bundle / "rootfs" / "etc" / "noted", "user.note"));
    }

    SECTION("the switches are for directory trees; other formats refuse them") {
        for (const std::string format : {"tar", "oci", "oci-archive", "docker-archive"}) {
            const auto r = run_sifkit({"export", "--format", format, "--no-devices", sif.string(),
                                       (area / ("out-" + format)).string()});
            INFO(r.describe());
            CHECK(r.exit_code == 2);
            CHECK(one_line(r));
            CHECK(r.err.find("--format dir") != std::string::npos);
            CHECK(!fs::exists(area / ("out-" + format)));
        }
    }
    CHECK(temporaries(area).empty());
}

TEST_CASE("deep trees export with few descriptors; a failure mid-way leaves nothing behind",
          "[adversarial]") {
    const auto area = scratch() / "adv-deep";
    fs::remove_all(area);
    fs::create_directories(area);
    // 300 levels: within sifkit's depth limit (512), far beyond 64 descriptors.
    constexpr std::size_t kLevels = 300;
    const std::string text = [] {
        std::string t;
        for (int i = 0; i < 4096; ++i) {
            t += "sifkit deep leaf " + std::to_string(i) + "\n";
        }
        return t;
    }();
    const auto leaf = deep_tree(area / "tree", kLevels, text);
    const std::string leaf_inside = leaf.string().substr((area / "tree").string().size());
    // The leaf's data is the only data block: right after the 96-byte super block.
    const auto squashfs = mksquashfs(area / "tree", area / "deep.sqfs", {"-no-fragments"});
    const auto sif = sif_of(squashfs, area / "deep.sif");

    SECTION("a tree 300 levels deep with 64 descriptors") {
        const auto r = with_fd_limit(64, {"export", "-q", sif.string(), (area / "out").string()});
        INFO(r.describe());
        CHECK(r.exit_code == 0);
        CHECK(sifkit::test::read_file(area.string() + "/out" + leaf_inside) == text);
        const auto b = with_fd_limit(
            64, {"bundle", sif.string(), (area / "bundle").string(), "--", "/bin/true"});
        INFO(b.describe());
        CHECK(b.exit_code == 0);
        CHECK(sifkit::test::read_file(area.string() + "/bundle/rootfs" + leaf_inside) == text);
        // --force replaces a deep tree with 64 descriptors too.
        const auto f =
            with_fd_limit(64, {"export", "-q", "--force", sif.string(), (area / "out").string()});
        INFO(f.describe());
        CHECK(f.exit_code == 0);
    }

    SECTION("a corrupt block at the bottom of the walk") {
        const auto objects = nlohmann::json::parse(sifkit_ok({"list", "--json", sif.string()}).out);
        const auto offset = objects["objects"][0]["offset"].get<std::uint64_t>();
        std::string bytes = sifkit::test::read_file(sif);
        REQUIRE(static_cast<unsigned char>(bytes[offset + 96]) == 0x78);  // a zlib stream
        for (std::uint64_t i = 8; i < 24; ++i) {
            bytes[offset + 96 + i] = static_cast<char>(bytes[offset + 96 + i] ^ 0x5A);
        }
        const auto bad = area / "bad.sif";
        sifkit::test::write_file(bad, bytes);
        for (const std::vector<std::string>& args :
             {std::vector<std::string>{"export", bad.string(), (area / "bad-out").string()},
              {"bundle", bad.string(), (area / "bad-bundle").string(), "--", "/bin/true"}}) {
            for (const int limit : {64, 1024}) {
                const auto r = with_fd_limit(limit, args);
                INFO(r.describe());
                CHECK(r.exit_code == 4);
                CHECK(one_line(r));
                CHECK(r.err.find("leaf") != std::string::npos);
                CHECK(!fs::exists(area / "bad-out"));
                CHECK(!fs::exists(area / "bad-bundle"));
                CHECK(temporaries(area).empty());
            }
        }
    }

    SECTION("no space left mid-way") {
        const auto fixture = scratch() / "adv-deep-fixture.sif";
        convert("oci:" + (fixtures() / "layout").string(), fixture);
        fs::create_directories(area / "small");
        const auto r = in_namespace(
            "mount -t tmpfs -o size=1m tmpfs \"$2/small\" || exit 99\n"
            "for args in 'export -q' 'export -q --format oci' 'bundle'; do\n"
            "  \"$0\" $args \"$1\" \"$2/small/out\"; echo \"$args: exit $?\"\n"
            "done\n"
            "ls -A \"$2/small\"\n",
            {fixture.string(), area.string()});
        INFO(r.describe());
        REQUIRE(r.exit_code == 0);
        CHECK(r.out == "export -q: exit 3\nexport -q --format oci: exit 3\nbundle: exit 3\n");
        std::istringstream lines(r.err);
        for (std::string line; std::getline(lines, line);) {
            CHECK(line.rfind("sifkit: ", 0) == 0);
            CHECK(line.find("No space left on device") != std::string::npos);
        }
    }
    fs::remove_all(area);
}
