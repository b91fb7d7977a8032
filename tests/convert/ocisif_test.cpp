// OCI-SIF images (SingularityCE 4's format, docs/oci-sif.md): the layout object by object,
// --keep-layers, reading several layers as one tree (against the squashed OCI-SIF, the native
// SIF and the kernel's overlayfs), cosign signature manifests in the root index, and layers that
// cannot be read.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "convert_support.hpp"
#include "export_support.hpp"

using namespace convert_test;
using nlohmann::json;

namespace {

// An OCI.Blob object holding `bytes`, added in group 1 as oci-tools adds them; returns the
// blob's OCI descriptor.
json add_oci_blob(const fs::path& sif, const std::string& bytes, const std::string& media_type,
                  const std::string& name) {
    const auto file = scratch() / name;
    sifkit::test::write_file(file, bytes);
    const std::string digest = "sha256:" + sifkit::test::sha256_hex(bytes);
    sifkit_ok({"add", "--datatype", "11", "--ocidigest", digest, "--groupid", "1", sif.string(),
               file.string()});
    return json{{"mediaType", media_type}, {"size", bytes.size()}, {"digest", digest}};
}

// Replaces the OCI.RootIndex object of an OCI-SIF by `index`, as oci-tools' UpdateRootIndex
// does (delete the old one, add the new one).
void replace_root_index(const fs::path& sif, const json& index) {
    for (const auto& object : objects_of(sif)) {
        if (object["type"] == "oci-root-index") {
            sifkit_ok({"del", std::to_string(object["id"].get<int>()), sif.string()});
        }
    }
    const std::string text = index.dump();
    const auto file = scratch() / "root-index.json";
    sifkit::test::write_file(file, text);
    sifkit_ok({"add", "--datatype", "10", "--ocidigest", "sha256:" + sifkit::test::sha256_hex(text),
               "--groupid", "1", sif.string(), file.string()});
}

// Adds `manifest` as a blob and makes a root index listing only it: the image the OCI-SIF holds
// becomes that manifest.
void install_manifest(const fs::path& sif, const json& manifest, const std::string& name) {
    const json entry =
        add_oci_blob(sif, manifest.dump(), "application/vnd.oci.image.manifest.v1+json", name);
    replace_root_index(sif, json{{"schemaVersion", 2},
                                 {"mediaType", "application/vnd.oci.image.index.v1+json"},
                                 {"manifests", json::array({entry})}});
}

json root_index_of(const fs::path& sif) {
    for (const auto& object : objects_of(sif)) {
        if (object["type"] == "oci-root-index") {
            return json::parse(object_text(sif, object["id"].get<int>()));
        }
    }
    FAIL("no root index in " << sif);
    return {};
}

}  // namespace

TEST_CASE("OCI-SIF: SingularityCE's layout, object by object", "[ocisif]") {
    const auto source = "oci:" + (fixtures() / "layout").string();
    const auto sif = scratch() / "image.oci.sif";
    convert(source, sif, {"--format", "oci-sif"});
    const auto header = json::parse(sifkit_ok({"header", "--json", sif.string()}).out);
    CHECK(header["id"] == "00000000-0000-0000-0000-000000000000");
    CHECK(header["descriptors_total"] == 12);  // 4 objects + 8 spare, as oci-tools writes
    CHECK(header["launch_script"] == "");
    CHECK(header["created_at"] == -62135596800);
    const auto objects = objects_of(sif);
    REQUIRE(objects.size() == 4);
    for (std::size_t i = 0; i < 3; ++i) {
        CHECK(objects[i]["type"] == "oci-blob");
    }
    CHECK(objects[3]["type"] == "oci-root-index");
    for (const auto& object : objects) {
        CHECK(object["group"] == 1);
        const auto bytes = object_text(sif, object["id"].get<int>());
        CHECK(object["oci"]["digest"] == "sha256:" + sifkit::test::sha256_hex(bytes));
    }
    const auto index = json::parse(object_text(sif, 4));
    CHECK(index["mediaType"] == "application/vnd.oci.image.index.v1+json");
    REQUIRE(index["manifests"].size() == 1);
    CHECK(index["manifests"][0]["digest"] == objects[2]["oci"]["digest"]);
    const auto manifest = json::parse(object_text(sif, 3));
    CHECK(manifest["config"]["digest"] == objects[1]["oci"]["digest"]);
    REQUIRE(manifest["layers"].size() == 1);
    CHECK(manifest["layers"][0]["mediaType"] == "application/vnd.sylabs.image.layer.v1.squashfs");
    CHECK(manifest["layers"][0]["digest"] == objects[0]["oci"]["digest"]);
    const auto config = json::parse(object_text(sif, 2));
    CHECK(config["rootfs"]["diff_ids"][0] == objects[0]["oci"]["digest"]);
    CHECK(config["history"].size() == 1);

    // The squashfs layer is the image's tree without the runtime additions.
    const auto layer = scratch() / "oci-sif-layer.sqfs";
    sifkit_ok({"extract", sif.string(), "--partition", "-f", layer.string()});
    const auto dir = scratch() / "oci-sif-layer";
    fs::remove_all(dir);
    REQUIRE(sifkit::test::run({"unsquashfs", "-no-progress", "-d", dir.string(), layer.string()})
                .exit_code == 0);
    const auto native = squashfs_tree(fixture_sif(), "oci-sif-native");
    sifkit::test::TreeCompare options;
    options.ignore = [&](const std::string& path) {
        return path == "/" || is_runtime_addition(path, {});
    };
    check_no_diffs(sifkit::test::compare_trees(native, sifkit::test::list_tree(dir), options),
                   "OCI-SIF layer vs native SIF tree");

    // Deterministic: the same input gives the same bytes.
    const auto twice = scratch() / "image2.oci.sif";
    convert(source, twice, {"--format", "oci-sif"});
    CHECK(sifkit::test::sha256_file(twice) == sifkit::test::sha256_file(sif));

    // inspect, ls, cat work on it; export --format oci returns its own OCI image.
    const auto inspected = json::parse(sifkit_ok({"inspect", "--json", sif.string()}).out);
    CHECK(inspected["format"] == "oci-sif");
    CHECK(inspected["labels"]["org.example.title"] == "fixture");
    CHECK(inspected["config"] == json::parse(object_text(fixture_sif(), 2)));
    CHECK(sifkit_ok({"cat", sif.string(), "/etc/hostname"}).out == "sifkit-fixture\n");
    const auto layout = scratch() / "oci-sif-export";
    fs::remove_all(layout);
    sifkit_ok({"export", "--format", "oci", sif.string(), layout.string()});
    validate_layout(layout);
    const auto exported_index = read_json(layout / "index.json");
    CHECK(exported_index["manifests"][0]["digest"] == objects[2]["oci"]["digest"]);
    const auto hex = [](const json& digest) {
        const auto text = digest.get<std::string>();
        return text.substr(text.find(':') + 1);
    };
    CHECK(sifkit::test::read_file(layout / "blobs" / "sha256" / hex(objects[1]["oci"]["digest"])) ==
          object_text(sif, 2));
    CHECK(
        sifkit::test::sha256_file(layout / "blobs" / "sha256" / hex(objects[0]["oci"]["digest"])) ==
        hex(objects[0]["oci"]["digest"]));
    const auto skopeo = sifkit::test::run({"skopeo", "inspect", "oci:" + layout.string()});
    INFO(skopeo.describe());
    CHECK(skopeo.exit_code == 0);

    // sign and verify work on it.
    const auto keys = scratch() / "ocisif-key";
    sifkit_ok({"key", "generate", keys.string()});
    const auto signed_sif = scratch() / "signed.oci.sif";
    sifkit::test::copy_file(sif, signed_sif);
    sifkit_ok({"sign", signed_sif.string(), "--key", keys.string() + ".key"});
    const auto verified =
        run_sifkit({"verify", signed_sif.string(), "--key", keys.string() + ".pub"});
    INFO(verified.describe());
    CHECK(verified.exit_code == 0);
    const auto with_signature =
        json::parse(sifkit_ok({"inspect", "--json", signed_sif.string()}).out);
    CHECK(with_signature["signatures"].size() == 1);
}

TEST_CASE("OCI-SIF --keep-layers: one squashfs per layer, whiteouts as overlayfs", "[ocisif]") {
    const auto sif = scratch() / "layers.oci.sif";
    convert("oci:" + (fixtures() / "layout").string(), sif,
            {"--format", "oci-sif", "--keep-layers"});
    const auto objects = objects_of(sif);
    const auto manifest = json::parse(object_text(sif, static_cast<int>(objects.size()) - 1));
    const auto layers = manifest["layers"];
    REQUIRE(layers.size() == 4);
    bool whiteout_seen = false;
    bool opaque_seen = false;
    for (std::size_t i = 0; i < layers.size(); ++i) {
        CHECK(layers[i]["mediaType"] == "application/vnd.sylabs.image.layer.v1.squashfs");
        const auto file = scratch() / ("layer-" + std::to_string(i) + ".sqfs");
        sifkit::test::write_file(file, object_text(sif, static_cast<int>(i) + 1));
        const auto listed = sifkit::test::run({"unsquashfs", "-lls", file.string()});
        REQUIRE(listed.exit_code == 0);
        whiteout_seen |= listed.out.find("c---------") != std::string::npos &&
                         listed.out.find("0,  0") != std::string::npos;
        CHECK(listed.out.find(".wh.") == std::string::npos);
        const auto xattrs = sifkit::test::run({"rdsquashfs", "-x", "/opaque-dir", file.string()});
        opaque_seen |= xattrs.out.find("trusted.overlay.opaque=y") != std::string::npos ||
                       xattrs.out.find("trusted.overlay.opaque=0x79") != std::string::npos;
    }
    CHECK(whiteout_seen);
    CHECK(opaque_seen);
}

TEST_CASE("OCI-SIF --keep-layers reads as one tree: the squashed OCI-SIF's and the native SIF's",
          "[ocisif]") {
    const auto source = "oci:" + (fixtures() / "layout").string();
    const auto layered = scratch() / "read-layers.oci.sif";
    convert(source, layered, {"--format", "oci-sif", "--keep-layers"});
    const auto squashed = scratch() / "read-squashed.oci.sif";
    convert(source, squashed, {"--format", "oci-sif"});
    const auto export_dir = [](const fs::path& sif, const std::string& name) {
        const auto dest = scratch() / name;
        fs::remove_all(dest);
        const auto result = sifkit_ok({"export", sif.string(), dest.string()});
        CHECK(result.err.find("warning") == std::string::npos);
        return sifkit::test::list_tree(dest);
    };
    const auto merged = export_dir(layered, "read-layers");
    REQUIRE(merged.count("/etc/hostname") == 1);
    // The one thing a layer of its own cannot hold: a hardlink of L2 to a file of L1 (convert
    // drops it with a warning, docs/oci-sif.md).
    const auto lower_hardlink = [](const std::string& path) {
        return path == "/usr/local/bin/lower-link";
    };
    sifkit::test::TreeCompare options;
    options.ignore = lower_hardlink;
    // The top layer has no entry for the root, so its squashfs root is of convert's making
    // (time 0), and the merged root is the top layer's, as overlayfs shows it to SingularityCE.
    options.ignore_mtime = [](const std::string& path) { return path == "/"; };
    check_no_diffs(
        sifkit::test::compare_trees(export_dir(squashed, "read-squashed"), merged, options),
        "layers merged vs the squashed OCI-SIF");
    const auto native = export_dir(fixture_sif(), "read-native");
    options.ignore = [&](const std::string& path) {
        return path == "/" || lower_hardlink(path) || is_runtime_addition(path, {});
    };
    check_no_diffs(sifkit::test::compare_trees(native, merged, options),
                   "layers merged vs the native SIF");
    // No marker shows: no 0:0 device, no .wh. name, no opaque xattr.
    for (const auto& [path, entry] : merged) {
        INFO(path);
        CHECK(!(entry.type == "chr" && entry.content == "0,0"));
        CHECK(path.find("/.wh.") == std::string::npos);
        CHECK(entry.xattrs.count("trusted.overlay.opaque") == 0);
    }
    // Hardlinks within a layer stay hardlinks.
    REQUIRE(merged.count("/usr/bin/hl-busybox") == 1);
    CHECK(merged.at("/usr/bin/hl-busybox").hardlink_group == "/bin/busybox");

    // ls, cat, inspect, the tar stream and bundle read the same tree.
    CHECK(sifkit_ok({"cat", layered.string(), "/etc/hostname"}).out == "sifkit-fixture\n");
    CHECK(sifkit_ok({"ls", layered.string(), "/etc"}).out ==
          sifkit_ok({"ls", squashed.string(), "/etc"}).out);
    const auto long_listing = [](const fs::path& sif) {
        std::string out;
        std::istringstream lines(sifkit_ok({"ls", "-lR", sif.string(), "/"}).out);
        for (std::string line; std::getline(lines, line);) {
            if (line.find(" /usr/local/bin/lower-link") == std::string::npos) {
                out += line + "\n";
            }
        }
        return out;
    };
    CHECK(long_listing(layered) == long_listing(squashed));
    CHECK(run_sifkit({"cat", layered.string(), "/data/orig"}).exit_code == 5);  // whited out
    const auto inspected = json::parse(sifkit_ok({"inspect", "--json", layered.string()}).out);
    CHECK(inspected["labels"]["org.example.title"] == "fixture");
    const auto tar_of = [](const fs::path& sif, const std::string& name) {
        const auto tar = scratch() / name;
        sifkit_ok({"export", "--format", "tar", sif.string(), tar.string()});
        std::string listing;
        std::istringstream lines(tar_listing(tar));
        for (std::string line; std::getline(lines, line);) {
            if (line.rfind("/usr/local/bin/lower-link ", 0) != 0 && line.rfind("/ ", 0) != 0) {
                listing += line + "\n";
            }
        }
        return listing;
    };
    CHECK(tar_of(layered, "read-layers.tar") == tar_of(squashed, "read-squashed.tar"));
    const auto bundle = scratch() / "read-layers-bundle";
    fs::remove_all(bundle);
    sifkit_ok({"bundle", layered.string(), bundle.string()});
    CHECK(sifkit::test::read_file(bundle / "rootfs" / "etc" / "hostname") == "sifkit-fixture\n");
    // docker-archive needs one tar layer: the merged tree, with the config's architecture.
    const auto archive = scratch() / "read-layers.docker.tar";
    sifkit_ok({"export", "--format", "docker-archive", layered.string(), archive.string()});
    const auto skopeo =
        sifkit::test::run({"skopeo", "inspect", "docker-archive:" + archive.string()});
    INFO(skopeo.describe());
    CHECK(skopeo.exit_code == 0);
    CHECK(json::parse(skopeo.out)["Architecture"] == "amd64");
    // extract --partition has no single object to give.
    const auto extract = run_sifkit({"extract", layered.string(), "--partition", "-"});
    CHECK(extract.exit_code == 7);
    CHECK(extract.err.find("--object") != std::string::npos);
}

TEST_CASE("OCI-SIF with cosign signature manifests in its root index reads as the image",
          "[ocisif]") {
    const auto plain = scratch() / "cosign-plain.oci.sif";
    convert("oci:" + (fixtures() / "layout").string(), plain, {"--format", "oci-sif"});
    const auto sif = scratch() / "cosign-signed.oci.sif";
    sifkit::test::copy_file(plain, sif);
    // What SingularityCE 4.3's `sign --cosign` appends (internal/pkg/cosign/sign.go, oci-tools'
    // AppendImage): a manifest whose one layer is the simple-signing payload naming the image
    // manifest, listed in the root index as "_cosign:sha256-<hex>.sig". The signature value is
    // not checked by any reader here, so it is a placeholder.
    json index = root_index_of(sif);
    const std::string image_digest = index["manifests"][0]["digest"];
    const json payload{{"critical",
                        {{"identity", {{"docker-reference", ""}}},
                         {"image", {{"docker-manifest-digest", image_digest}}},
                         {"type", "cosign container image signature"}}},
                       {"optional", {{"creator", "sifkit test"}}}};
    json layer =
        add_oci_blob(sif, payload.dump(), "application/vnd.dev.cosign.simplesigning.v1+json",
                     "cosign-payload.json");
    layer["annotations"] = {{"dev.cosignproject.cosign/signature", "MEUCIQplaceholder"}};
    const json config{{"architecture", ""},
                      {"os", ""},
                      {"config", json::object()},
                      {"rootfs", {{"type", "layers"}, {"diff_ids", {layer["digest"]}}}}};
    const json manifest{
        {"schemaVersion", 2},
        {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
        {"config", add_oci_blob(sif, config.dump(), "application/vnd.oci.image.config.v1+json",
                                "cosign-config.json")},
        {"layers", json::array({layer})}};
    json entry = add_oci_blob(sif, manifest.dump(), "application/vnd.oci.image.manifest.v1+json",
                              "cosign-manifest.json");
    entry["annotations"] = {
        {"org.opencontainers.image.ref.name", "_cosign:sha256-" + image_digest.substr(7) + ".sig"}};
    index["manifests"].push_back(entry);
    replace_root_index(sif, index);
    REQUIRE(root_index_of(sif)["manifests"].size() == 2);

    const auto inspected = json::parse(sifkit_ok({"inspect", "--json", sif.string()}).out);
    CHECK(inspected["format"] == "oci-sif");
    CHECK(inspected["labels"]["org.example.title"] == "fixture");
    CHECK(sifkit_ok({"cat", sif.string(), "/etc/hostname"}).out == "sifkit-fixture\n");
    CHECK(sifkit_ok({"ls", "-lR", sif.string(), "/"}).out ==
          sifkit_ok({"ls", "-lR", plain.string(), "/"}).out);
    const auto dir_of = [](const fs::path& image, const std::string& name) {
        const auto dest = scratch() / name;
        fs::remove_all(dest);
        sifkit_ok({"export", image.string(), dest.string()});
        return sifkit::test::list_tree(dest);
    };
    check_no_diffs(sifkit::test::compare_trees(dir_of(plain, "cosign-plain"),
                                               dir_of(sif, "cosign-signed"), {}),
                   "signed OCI-SIF vs the same image unsigned");
    // export --format oci gives the image, not the signature.
    const auto layout = scratch() / "cosign-layout";
    fs::remove_all(layout);
    sifkit_ok({"export", "--format", "oci", sif.string(), layout.string()});
    validate_layout(layout);
    const auto exported = read_json(layout / "index.json");
    REQUIRE(exported["manifests"].size() == 1);
    CHECK(exported["manifests"][0]["digest"] == image_digest);

    // A second image manifest that is not cosign's is still refused: which one would be meant?
    entry.erase("annotations");
    index["manifests"].push_back(entry);
    replace_root_index(sif, index);
    const auto two = run_sifkit({"ls", sif.string(), "/"});
    CHECK(two.exit_code == 7);
    CHECK(two.err.find("image manifests") != std::string::npos);
    CHECK(std::count(two.err.begin(), two.err.end(), '\n') == 1);
}

TEST_CASE("OCI-SIF layers read as the kernel's overlayfs merges them", "[ocisif]") {
    // Three layer directories with whiteouts (in the bottom layer too), removed and re-created
    // directories, an opaque directory, replacements, hardlinks, owners, xattrs and times
    // (tests/export/make-overlay-layers.py), each made a squashfs by mksquashfs and stored as an
    // OCI-SIF; the reference is the same directories mounted by overlayfs and read by
    // mksquashfs/unsquashfs.
    const auto make_image = [](const std::string& form) {
        const auto dir = scratch() / ("overlay-" + form);
        fs::remove_all(dir);
        fs::create_directories(dir);
        std::vector<std::string> argv{
            "/usr/bin/python3", export_script("make-overlay-layers.py").string(), dir.string()};
        if (form == "aufs") {
            argv.push_back("--aufs");
        }
        const auto made = sifkit::test::run(argv);
        INFO(made.describe());
        REQUIRE(made.exit_code == 0);
        const auto sif = dir / "layers.oci.sif";
        sifkit_ok({"new", "--capacity", "16", sif.string()});
        json diff_ids = json::array();
        json layers = json::array();
        for (const std::string layer : {"l1", "l2", "l3"}) {
            const auto sqfs = dir / (layer + ".sqfs");
            const auto squashed =
                sifkit::test::run({"mksquashfs", (dir / layer).string(), sqfs.string(), "-noappend",
                                   "-quiet", "-no-progress"});
            INFO(squashed.describe());
            REQUIRE(squashed.exit_code == 0);
            layers.push_back(add_oci_blob(sif, sifkit::test::read_file(sqfs),
                                          "application/vnd.sylabs.image.layer.v1.squashfs",
                                          form + "-" + layer + ".sqfs"));
            diff_ids.push_back(layers.back()["digest"]);
        }
        const json config{{"architecture", "amd64"},
                          {"os", "linux"},
                          {"config", json::object()},
                          {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}}};
        const json manifest{
            {"schemaVersion", 2},
            {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
            {"config", add_oci_blob(sif, config.dump(), "application/vnd.oci.image.config.v1+json",
                                    form + "-config.json")},
            {"layers", layers}};
        install_manifest(sif, manifest, form + "-manifest.json");
        return sif;
    };
    const auto export_tree = [](const fs::path& sif) {
        const auto dest = sif.parent_path() / "exported";
        fs::remove_all(dest);
        sifkit_ok({"export", sif.string(), dest.string()});
        return sifkit::test::list_tree(dest);
    };

    const auto sif = make_image("overlay");
    const auto ours = export_tree(sif);
    const auto dir = sif.parent_path();
    const auto mounted = sifkit::test::run(
        {"unshare", "--mount", "--propagation", "private", "sh", "-c",
         "mkdir -p \"$0/mnt\" && mount -t overlay overlay -o "
         "\"lowerdir=$0/l3:$0/l2:$0/l1\" \"$0/mnt\" && "
         "mksquashfs \"$0/mnt\" \"$0/reference.sqfs\" -noappend -quiet -no-progress",
         dir.string()});
    INFO(mounted.describe());
    REQUIRE(mounted.exit_code == 0);
    const auto reference = dir / "reference";
    REQUIRE(sifkit::test::run({"unsquashfs", "-no-progress", "-d", reference.string(),
                               (dir / "reference.sqfs").string()})
                .exit_code == 0);
    check_no_diffs(sifkit::test::compare_trees(sifkit::test::list_tree(reference), ours, {}),
                   "overlayfs mount vs export of the OCI-SIF");
    CHECK(ours.count("/d/a") == 0);
    CHECK(ours.count("/opq/lower") == 0);
    CHECK(ours.count("/bottom-whiteout") == 0);
    CHECK(ours.at("/hl2").hardlink_group == "/hl1");
    CHECK(sifkit_ok({"ls", sif.string(), "/opq"}).out == "top\nupper\n");
    CHECK(sifkit_ok({"cat", sif.string(), "/sym/new"}).out == "new in l2\n");

    // The AUFS form of the same layers (fuse-overlayfs writes it without the right to make
    // devices) reads as the same tree.
    check_no_diffs(sifkit::test::compare_trees(ours, export_tree(make_image("aufs")), {}),
                   "AUFS markers vs overlayfs markers");
}

TEST_CASE("OCI-SIF layers that cannot be read: one line, a documented exit code", "[ocisif]") {
    const auto layered = scratch() / "hostile-layers.oci.sif";
    convert("oci:" + (fixtures() / "layout").string(), layered,
            {"--format", "oci-sif", "--keep-layers"});
    const json index = root_index_of(layered);
    const std::string manifest_digest = index["manifests"][0]["digest"];
    json manifest;
    for (const auto& object : objects_of(layered)) {
        if (object["type"] == "oci-blob" && object["oci"]["digest"] == manifest_digest) {
            manifest = json::parse(object_text(layered, object["id"].get<int>()));
        }
    }
    REQUIRE(manifest["layers"].size() == 4);

    SECTION("a layer whose bytes are not squashfs") {
        // Object 2 is the second layer: same size, same recorded digest, other bytes.
        const auto sif = scratch() / "not-squashfs.oci.sif";
        sifkit::test::copy_file(layered, sif);
        const auto objects = objects_of(sif);
        const auto size = objects[1]["size"].get<std::size_t>();
        const std::string digest = objects[1]["oci"]["digest"];
        sifkit_ok({"del", "2", sif.string()});
        const auto junk = scratch() / "junk-layer";
        sifkit::test::write_file(junk, std::string(size, 'x'));
        sifkit_ok({"add", "--datatype", "11", "--ocidigest", digest, "--groupid", "1", sif.string(),
                   junk.string()});
        for (const std::vector<std::string>& args :
             {std::vector<std::string>{"ls", sif.string(), "/"},
              std::vector<std::string>{"cat", sif.string(), "/etc/hostname"},
              std::vector<std::string>{"export", sif.string(),
                                       (scratch() / "not-squashfs-out").string()}}) {
            const auto result = run_sifkit(args);
            INFO(result.describe());
            CHECK(result.exit_code == 4);
            CHECK(result.err.find("not a readable squashfs") != std::string::npos);
            CHECK(std::count(result.err.begin(), result.err.end(), '\n') == 1);
        }
        CHECK(!fs::exists(scratch() / "not-squashfs-out"));
    }
    SECTION("a layer that is not a squashfs layer (a tar layer in the manifest)") {
        const auto sif = scratch() / "tar-layer.oci.sif";
        sifkit::test::copy_file(layered, sif);
        json changed = manifest;
        changed["layers"][2]["mediaType"] = "application/vnd.oci.image.layer.v1.tar";
        install_manifest(sif, changed, "tar-layer-manifest.json");
        const auto result = run_sifkit({"ls", sif.string(), "/"});
        INFO(result.describe());
        CHECK(result.exit_code == 7);
        CHECK(result.err.find("layer 3 of 4") != std::string::npos);
        CHECK(std::count(result.err.begin(), result.err.end(), '\n') == 1);
    }
    SECTION("more layers than overlayfs stacks (501, the same blob each time)") {
        const auto sif = scratch() / "many-layers.oci.sif";
        sifkit::test::copy_file(layered, sif);
        json changed = manifest;
        changed["layers"] = json::array();
        for (int i = 0; i < 501; ++i) {
            changed["layers"].push_back(manifest["layers"][0]);
        }
        install_manifest(sif, changed, "many-layers-manifest.json");
        const auto result = run_sifkit({"ls", sif.string(), "/"});
        INFO(result.describe());
        CHECK(result.exit_code == 7);
        CHECK(result.err.find("501 layers") != std::string::npos);
        CHECK(std::count(result.err.begin(), result.err.end(), '\n') == 1);
    }
    SECTION("a corrupt upper layer: found while reading, one line, nothing left behind") {
        const auto objects = objects_of(layered);
        const auto offset = objects[2]["offset"].get<std::uint64_t>();  // the third layer
        const auto size = objects[2]["size"].get<std::uint64_t>();
        for (const std::uint64_t at : {std::uint64_t{0}, std::uint64_t{64}, size - 200}) {
            DYNAMIC_SECTION("flip at " << at) {
                const auto bad = scratch() / ("corrupt-layer-" + std::to_string(at) + ".oci.sif");
                std::string bytes = sifkit::test::read_file(layered);
                for (std::uint64_t i = 0; i < 8; ++i) {
                    bytes[offset + at + i] = static_cast<char>(bytes[offset + at + i] ^ 0x5A);
                }
                sifkit::test::write_file(bad, bytes);
                const auto dest = scratch() / ("corrupt-layer-out-" + std::to_string(at));
                for (const std::vector<std::string>& args :
                     {std::vector<std::string>{"ls", "-R", bad.string()},
                      {"export", bad.string(), dest.string()},
                      {"export", "--format", "tar", bad.string(), dest.string()}}) {
                    const auto r = run_sifkit(args);
                    INFO(r.describe());
                    // Found (4), or bytes this request did not need; never a crash.
                    CHECK((r.exit_code == 0 || r.exit_code == 4));
                    if (r.exit_code != 0) {
                        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
                        CHECK(!fs::exists(dest));
                    }
                    fs::remove_all(dest);
                }
            }
        }
    }
}
