// Layer merge semantics (image-spec layer.md), checked case by case on small layer stacks.
#include <catch2/catch.hpp>

#include "merge_support.hpp"
#include "sifkit/sif/tree_limits.hpp"

using namespace merge_test;

TEST_CASE("an upper file replaces a lower one and the lower data is never read") {
    Layer bottom, top;
    bottom.dir("etc").file("etc/motd", "old\n");
    top.file("etc/motd", "new\n");
    const Merged m({bottom, top});
    CHECK(m.content("/etc/motd") == "new\n");
    CHECK(m.sink.files.size() == 1);  // only the visible file went to the image
    CHECK(m.stats.hidden == 1);
}

TEST_CASE("whiteouts hide lower files and whole lower directories, never their own layer") {
    Layer l1, l2;
    l1.dir("a").file("a/gone", "x").dir("a/sub").file("a/sub/deep", "y").file("a/kept", "k");
    l1.file("same", "lower");
    l2.whiteout("a", "gone").whiteout("a", "sub");
    l2.whiteout("", "same").file("same", "upper");  // the whiteout does not hide its own layer
    const Merged m({l1, l2});
    CHECK_FALSE(m.exists("/a/gone"));
    CHECK_FALSE(m.exists("/a/sub"));
    CHECK_FALSE(m.exists("/a/sub/deep"));
    CHECK(m.content("/a/kept") == "k");
    CHECK(m.content("/same") == "upper");
    for (const auto& p : m.paths()) {
        CHECK(p.find(".wh.") == std::string::npos);
    }
}

TEST_CASE("an opaque directory hides the lower contents but keeps its own and its metadata") {
    Layer l1, l2;
    l1.dir("d", 0700).file("d/lower-only", "1").file("d/both", "lower");
    l2.opaque("d").file("d/both", "upper").file("d/new", "n");
    const Merged m({l1, l2});
    CHECK_FALSE(m.exists("/d/lower-only"));
    CHECK(m.content("/d/both") == "upper");
    CHECK(m.content("/d/new") == "n");
    CHECK(m.find("/d")->inode->mode == 0700);  // no directory entry above: the lower one stays
}

TEST_CASE("type changes: file to directory, directory to file, directory to symlink") {
    Layer l1, l2;
    l1.file("f2d", "file").dir("d2f").file("d2f/child", "c").dir("d2l").file("d2l/x", "x");
    l2.dir("f2d").file("f2d/inside", "i").file("d2f", "now a file").symlink("d2l", "/tmp");
    const Merged m({l1, l2});
    CHECK(m.type("/f2d") == EntryType::directory);
    CHECK(m.content("/f2d/inside") == "i");
    CHECK(m.content("/d2f") == "now a file");
    CHECK_FALSE(m.exists("/d2f/child"));
    CHECK(m.type("/d2l") == EntryType::symlink);
    CHECK_FALSE(m.exists("/d2l/x"));
}

TEST_CASE("an upper directory entry gives its metadata, lower children stay") {
    Layer l1, l2;
    l1.dir("usr", 0700).file("usr/lower", "l");
    l2.dir("usr", 0755).file("usr/upper", "u");
    const Merged m({l1, l2});
    CHECK(m.find("/usr")->inode->mode == 0755);
    CHECK(m.exists("/usr/lower"));
    CHECK(m.exists("/usr/upper"));
}

TEST_CASE("a lower non-directory where upper layers need a directory") {
    SECTION("replaced by the upper layer's directory entry") {
        Layer l1, l2;
        l1.file("opt", "a file");
        l2.dir("opt", 0750).file("opt/tool", "t");
        const Merged m({l1, l2});
        CHECK(m.type("/opt") == EntryType::directory);
        CHECK(m.content("/opt/tool") == "t");
        CHECK(m.find("/opt")->inode->mode == 0750);
    }
    SECTION("without a directory entry for it: a crafted layer, refused") {
        Layer l1, l2;
        l1.file("opt", "a file");
        l2.file("opt/tool", "t");  // no entry for /opt itself
        CHECK_THROWS_WITH(Merged({l1, l2}), Catch::Contains("layer 2: entry below /opt"));
    }
}

TEST_CASE("implied parent directories are 0755 root-owned with time 0") {
    Layer l1;
    l1.file("no/parents/here.txt", "x");
    const Merged m({l1});
    const Inode* inode = m.find("/no/parents")->inode;
    CHECK(inode->type == EntryType::directory);
    CHECK(inode->mode == 0755);
    CHECK(inode->uid == 0);
    CHECK(inode->mtime == 0);
}

TEST_CASE("the same path twice in one layer: the later entry wins") {
    Layer l1;
    l1.file("dup", "first").file("dup", "second");
    l1.dir("d").file("d/x", "x").file("d", "file replaces the directory of its own layer");
    const Merged m({l1});
    CHECK(m.content("/dup") == "second");
    CHECK(m.type("/d") == EntryType::regular);
    CHECK_FALSE(m.exists("/d/x"));
}

TEST_CASE("hardlinks in one layer share an inode") {
    Layer l1;
    l1.file("a", "data").hardlink("b", "a").hardlink("c", "b");
    const Merged m({l1});
    CHECK(m.find("/a")->inode == m.find("/b")->inode);
    CHECK(m.find("/a")->inode == m.find("/c")->inode);
    CHECK(m.sink.files.size() == 1);
}

TEST_CASE("a hardlink survives its target being deleted by an upper layer") {
    Layer l1, l2;
    l1.dir("data").file("data/orig", "original bytes").hardlink("data/link", "data/orig");
    l2.whiteout("data", "orig");
    const Merged m({l1, l2});
    CHECK_FALSE(m.exists("/data/orig"));
    CHECK(m.content("/data/link") == "original bytes");
    CHECK(m.stats.second_passes == 1);  // the hidden target's data was read in a second pass
}

TEST_CASE("a hardlink keeps the old data when an upper layer replaces its target") {
    Layer l1, l2;
    l1.file("t", "old").hardlink("l", "t");
    l2.file("t", "new");
    const Merged m({l1, l2});
    CHECK(m.content("/t") == "new");
    CHECK(m.content("/l") == "old");
    CHECK(m.find("/t")->inode != m.find("/l")->inode);
}

TEST_CASE("a hardlink to a file of a lower layer") {
    SECTION("target unchanged: one inode for both names") {
        Layer l1, l2;
        l1.dir("bin").file("bin/tool", "tool");
        l2.dir("usr").hardlink("usr/tool-link", "bin/tool");
        const Merged m({l1, l2});
        CHECK(m.content("/usr/tool-link") == "tool");
        CHECK(m.find("/usr/tool-link")->inode == m.find("/bin/tool")->inode);
    }
    SECTION("target replaced above the link: the link keeps what was below it") {
        Layer l1, l2, l3;
        l1.file("target", "below");
        l2.hardlink("link", "target");
        l3.file("target", "above");
        const Merged m({l1, l2, l3});
        CHECK(m.content("/link") == "below");
        CHECK(m.content("/target") == "above");
    }
    SECTION("target deleted between the layers: the layer is refused") {
        Layer l1, l2, l3;
        l1.file("target", "below");
        l2.whiteout("", "target");
        l3.hardlink("link", "target");
        CHECK_THROWS_WITH(Merged({l1, l2, l3}),
                          Catch::Contains("hardlink /link to /target: no such file"));
    }
    SECTION("a hardlink to its own name over an existing file is refused (Docker, umoci)") {
        Layer l1, l2;
        l1.file("a", "old");
        l2.hardlink("a", "a");
        CHECK_THROWS_WITH(Merged({l1, l2}), Catch::Contains("hardlink /a to /a: a hardlink to "
                                                            "its own name"));
    }
    SECTION("no layer has the target: the layer is refused") {
        Layer l1;
        l1.hardlink("dangling", "nowhere");
        CHECK_THROWS_WITH(Merged({l1}), Catch::Contains("layer 1: hardlink /dangling"));
    }
}

TEST_CASE("a hardlink names the inode its target has when the link is applied") {
    SECTION("a chain across layers outlives its first names") {
        Layer l1, l2, l3, l4;
        l1.file("f", "original");
        l2.hardlink("l1", "f");
        l3.hardlink("l2", "l1").hardlink("l3", "l1");
        l4.whiteout("", "f").whiteout("", "l1");
        const Merged m({l1, l2, l3, l4});
        CHECK_FALSE(m.exists("/f"));
        CHECK(m.content("/l2") == "original");
        CHECK(m.find("/l2")->inode == m.find("/l3")->inode);
    }
    SECTION("two dead names of one inode: one inode, read once") {
        Layer l1, l2;
        l1.file("a", "data").hardlink("b", "a").hardlink("c", "b").hardlink("d1", "a");
        l2.whiteout("", "a").whiteout("", "b");
        const Merged m({l1, l2});
        CHECK(m.content("/c") == "data");
        CHECK(m.find("/c")->inode == m.find("/d1")->inode);
        CHECK(m.sink.files.size() == 1);
    }
    SECTION("a link to a link name follows that link, not the name's older file") {
        Layer l1, l2, l3;
        l1.file("b", "old").file("a", "new");
        l2.hardlink("b", "a").hardlink("c", "b");
        l3.whiteout("", "b");
        const Merged m({l1, l2, l3});
        CHECK(m.content("/c") == "new");
        CHECK(m.find("/c")->inode == m.find("/a")->inode);
    }
    SECTION("a link replacing a directory: the directory's files do not come back") {
        Layer l1, l2, l3;
        l1.file("a", "a").dir("d1").file("d1/b", "b");
        l2.hardlink("d1", "a");
        l3.hardlink("c", "d1");
        const Merged m({l1, l2, l3});
        CHECK(m.type("/d1") == EntryType::regular);
        CHECK_FALSE(m.exists("/d1/b"));
        CHECK(m.find("/c")->inode == m.find("/a")->inode);
    }
    SECTION("a hardlink to a directory is refused") {
        Layer l1, l2;
        l1.dir("d");
        l2.hardlink("l", "d");
        CHECK_THROWS_WITH(Merged({l1, l2}), Catch::Contains("/d is a directory"));
    }
}

TEST_CASE("a directory replaced by a file and made again does not bring back its files") {
    Layer l1, l2, l3;
    l1.dir("d").file("d/old", "old");
    l2.file("d", "file");
    l3.dir("d").file("d/new", "new");
    const Merged m({l1, l2, l3});
    CHECK_FALSE(m.exists("/d/old"));
    CHECK(m.content("/d/new") == "new");
}

TEST_CASE("an opaque marker at the root hides every lower layer") {
    Layer l1, l2;
    l1.file("a", "a").dir("d").file("d/x", "x");
    l2.file("b", "b").file(".wh..wh..opq", "");
    const Merged m({l1, l2});
    CHECK_FALSE(m.exists("/a"));
    CHECK_FALSE(m.exists("/d"));
    CHECK(m.content("/b") == "b");
}

TEST_CASE("entries below a lower layer's symlink or file are refused as crafted") {
    SECTION("an entry") {
        Layer l1, l2;
        l1.dir("real").symlink("s", "real");
        l2.file("s/x", "x");
        CHECK_THROWS_WITH(Merged({l1, l2}), Catch::Contains("crafted"));
    }
    SECTION("a whiteout") {
        Layer l1, l2;
        l1.dir("real").file("real/x", "x").symlink("s", "real");
        l2.whiteout("s", "x");
        CHECK_THROWS_WITH(Merged({l1, l2}), Catch::Contains("whiteout below /s"));
    }
    SECTION("a whiteout below a symlink its own layer made earlier (umoci deletes through it)") {
        Layer l1, l2;
        l1.dir("real").file("real/x", "x");
        l2.symlink("s", "real").whiteout("s", "x");
        CHECK_THROWS_WITH(
            Merged({l1, l2}),
            Catch::Contains("which the same layer makes a symlink") && Catch::Contains("crafted"));
    }
    SECTION("a whiteout below a file its own layer made hides nothing and is ignored") {
        Layer l1, l2;
        l1.dir("f").file("f/x", "x");
        l2.file("f", "now a file").whiteout("f", "x");
        const Merged m({l1, l2});
        CHECK(m.content("/f") == "now a file");
    }
    SECTION("a directory entry of the upper layer first makes it safe") {
        Layer l1, l2;
        l1.dir("real").symlink("s", "real");
        l2.dir("s").file("s/x", "x");
        const Merged m({l1, l2});
        CHECK(m.type("/s") == EntryType::directory);
        CHECK(m.content("/s/x") == "x");
    }
}

TEST_CASE("a whiteout of a directory hides everything below it in all lower layers") {
    Layer l1, l2, l3;
    l1.dir("x").file("x/one", "1");
    l2.dir("x").file("x/two", "2");
    l3.whiteout("", "x");
    const Merged m({l1, l2, l3});
    CHECK_FALSE(m.exists("/x"));
}

TEST_CASE("root metadata comes from the topmost root entry") {
    Layer l1, l2;
    l1.dir("", 0700);
    l2.dir("", 0755);
    const Merged m({l1, l2});
    CHECK(m.tree.root().inode->mode == 0755);
}

TEST_CASE("aufs bookkeeping names are neither files nor whiteouts") {
    Layer l1, l2;
    l1.file("plnk", "kept");
    l2.dir(".wh..wh.plnk").file(".wh..wh.plnk/123.456", "");
    const Merged m({l1, l2});
    CHECK(m.content("/plnk") == "kept");
    for (const auto& p : m.paths()) {
        CHECK(p.find(".wh.") == std::string::npos);
    }
}

TEST_CASE("paths deeper than the tree limit are refused, whatever the entry") {
    std::string at_limit;
    for (std::size_t i = 1; i < sifkit::sif::kMaxTreeDepth; ++i) {
        at_limit += "d/";
    }
    Layer fits;
    fits.file(at_limit + "leaf", "deepest allowed");
    const Merged m({fits});
    CHECK(m.content("/" + at_limit + "leaf") == "deepest allowed");

    const std::string limit = std::to_string(sifkit::sif::kMaxTreeDepth);
    const std::string over = std::to_string(sifkit::sif::kMaxTreeDepth + 1);
    Layer file, whiteout, directory;
    file.file(at_limit + "d/leaf", "");
    whiteout.whiteout(at_limit + "d", "gone");
    directory.dir(at_limit + "d/sub");
    for (const Layer& layer : {file, whiteout, directory}) {
        CHECK_THROWS_WITH(Merged({layer}), Catch::Contains("is " + over + " levels deep") &&
                                               Catch::Contains("limit is " + limit));
    }
}
