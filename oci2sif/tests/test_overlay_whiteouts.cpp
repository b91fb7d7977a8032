// OverlayWhiteouts: one layer's AUFS whiteouts in overlayfs form (convert --format oci-sif
// --keep-layers). A whiteout hides the layers below only, never its own layer's entries, in
// whichever order the tar holds them.
#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "merge_support.hpp"
#include "overlay_whiteouts.hpp"

using namespace merge_test;

namespace {

struct Result {
    EntryType type = EntryType::regular;
    std::uint32_t mode = 0;
    bool opaque = false;
};

// The layer's tree as the per-layer squashfs gets it: within the layer the later entry of a
// path wins. An entry below a path that is then anything but a directory fails the test (the
// merge would refuse the layer).
std::map<std::string, Result> convert(const Layer& layer, bool bottom = false) {
    MemoryEntries entries = layer.stream();
    OverlayWhiteouts converted(entries, bottom);
    std::map<std::string, Result> tree;
    Entry entry;
    while (converted.next(entry)) {
        for (auto slash = entry.path.find('/'); slash != std::string::npos;
             slash = entry.path.find('/', slash + 1)) {
            const auto parent = tree.find(entry.path.substr(0, slash));
            INFO(entry.path);
            CHECK((parent == tree.end() || parent->second.type == EntryType::directory));
        }
        Result& r = tree[entry.path];
        r.type = entry.type;
        r.mode = entry.mode;
        r.opaque = false;
        for (const auto& [name, value] : entry.xattrs) {
            r.opaque |= name == "trusted.overlay.opaque" && value == "y";
        }
    }
    return tree;
}

}  // namespace

TEST_CASE("a whiteout of a path the same layer holds leaves the layer's entry", "[overlay]") {
    SECTION("a plain whiteout becomes a 0:0 character device") {
        const auto tree = convert(Layer().whiteout("", "gone"));
        REQUIRE(tree.count("gone") == 1);
        CHECK(tree.at("gone").type == EntryType::char_device);
    }
    SECTION("a file, then its whiteout: the file stays") {
        const auto tree = convert(Layer().file("f", "data").whiteout("", "f"));
        CHECK(tree.at("f").type == EntryType::regular);
    }
    SECTION("a whiteout, then the file: the file stays") {
        const auto tree = convert(Layer().whiteout("", "f").file("f", "data"));
        CHECK(tree.at("f").type == EntryType::regular);
    }
    SECTION("a whiteout, then entries below it: an opaque directory holding them") {
        const auto tree = convert(Layer().whiteout("", "d").file("d/e/y", "data"));
        CHECK(tree.at("d").type == EntryType::directory);
        CHECK(tree.at("d").opaque);
        CHECK(tree.at("d/e/y").type == EntryType::regular);
    }
    SECTION("entries below a directory, then its whiteout: an opaque directory") {
        const auto tree = convert(Layer().file("d/y", "data").whiteout("", "d"));
        CHECK(tree.at("d").type == EntryType::directory);
        CHECK(tree.at("d").opaque);
        CHECK(tree.at("d/y").type == EntryType::regular);
    }
    SECTION("a directory entry, then its whiteout: opaque, with the entry's mode") {
        const auto tree = convert(Layer().dir("d", 0700).whiteout("", "d"));
        CHECK(tree.at("d").opaque);
        CHECK(tree.at("d").mode == 0700);
    }
    SECTION("a whiteout, then the directory entry: opaque") {
        const auto tree = convert(Layer().whiteout("", "d").dir("d", 0750));
        CHECK(tree.at("d").type == EntryType::directory);
        CHECK(tree.at("d").opaque);
        CHECK(tree.at("d").mode == 0750);
    }
    SECTION("in the bottom layer, whiteouts and opaque markers hide nothing and are dropped") {
        const auto tree = convert(Layer().whiteout("", "gone").dir("d").opaque("d"), true);
        CHECK(tree.count("gone") == 0);
        CHECK(tree.at("d").type == EntryType::directory);
        CHECK_FALSE(tree.at("d").opaque);
        CHECK(tree.size() == 1);
    }
    SECTION("nested: a whiteout below a whited-out directory") {
        const auto tree =
            convert(Layer().whiteout("", "a").whiteout("a", "b").file("a/b/c", "data"));
        CHECK(tree.at("a").opaque);
        CHECK(tree.at("a/b").opaque);
        CHECK(tree.at("a/b/c").type == EntryType::regular);
    }
}
