// Reading tar data: the outer-archive index (oci-archive/docker-archive members read in place),
// layer entries through libarchive, path normalization, decompression and digest checks.
#include <catch2/catch.hpp>
#include <fstream>

#include "archive_support.hpp"
#include "byte_sources.hpp"
#include "decompress.hpp"
#include "entry.hpp"
#include "layer_stream.hpp"
#include "sha256.hpp"
#include "sifkit/sif/error.hpp"
#include "tar_entries.hpp"
#include "tar_index.hpp"

using namespace sifkit;
using namespace sifkit::oci2sif;
using archive_test::dir;
using archive_test::hard;
using archive_test::node;
using archive_test::reg;
using archive_test::sym;

namespace {

std::filesystem::path write_temp(const std::string& name, const std::string& data) {
    const auto path = std::filesystem::temp_directory_path() /
                      ("sifkit-oci2sif-test-" + std::to_string(::getpid()) + "-" + name);
    std::ofstream(path, std::ios::binary) << data;
    return path;
}

std::string read_all(sif::ByteSource& source) {
    std::string out;
    std::vector<std::byte> buffer(7777);  // odd size: exercises partial reads
    while (const std::size_t n = source.read(buffer)) {
        out.append(reinterpret_cast<const char*>(buffer.data()), n);
    }
    return out;
}

template <typename F>
std::string error_message(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "<no error>";
}

std::vector<Entry> entries_of(const std::string& tar) {
    sif::MemorySource source(tar, "layer.tar");
    auto stream = read_tar_entries(source);
    std::vector<Entry> out;
    Entry e;
    while (stream->next(e)) {
        out.push_back(e);
    }
    return out;
}

}  // namespace

TEST_CASE("the tar index finds members of pax, GNU and ustar archives and follows links") {
    const std::string long_name = "blobs/sha256/" + std::string(150, 'a');
    for (const int format : {ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FORMAT_TAR_GNUTAR}) {
        const std::string tar = archive_test::make_tar(
            {reg("index.json", "{\"x\":1}"), reg(long_name, std::string(1000, 'z')),
             sym("id/layer.tar", "../" + long_name), hard("hard", "index.json")},
            format);
        const auto path = write_temp("index.tar", tar);
        auto file = SharedFile::open(path);
        const TarIndex index = TarIndex::build(*file);
        const auto json = index.find("./index.json");
        REQUIRE(json);
        CHECK(json->size == 7);
        CHECK(tar.substr(json->data_offset, 7) == "{\"x\":1}");
        const auto linked = index.find("id/layer.tar");
        REQUIRE(linked);
        CHECK(linked->size == 1000);
        CHECK(tar.substr(linked->data_offset, 1000) == std::string(1000, 'z'));
        REQUIRE(index.find("hard"));
        CHECK(index.find("hard")->data_offset == json->data_offset);
        CHECK_FALSE(index.find("missing"));
        CHECK_FALSE(index.find("../index.json"));
        std::filesystem::remove(path);
    }
}

TEST_CASE("the tar index refuses what is not an uncompressed tar") {
    const std::string tar = archive_test::make_tar({reg("a", std::string(4000, 'h'))});
    SECTION("gzip-compressed archive") {
        const auto path = write_temp("gz.tar", archive_test::gzip(tar));
        const auto message = error_message([&] { TarIndex::build(*SharedFile::open(path)); });
        INFO(message);
        CHECK(message.find("gzip-compressed") != std::string::npos);
        std::filesystem::remove(path);
    }
    SECTION("corrupt header checksum") {
        std::string bad = tar;
        bad[0] = 'b';
        const auto path = write_temp("bad.tar", bad);
        CHECK(error_message([&] { TarIndex::build(*SharedFile::open(path)); }).find("checksum") !=
              std::string::npos);
        std::filesystem::remove(path);
    }
    SECTION("a member claiming more bytes than the archive holds") {
        const auto path = write_temp("cut.tar", tar.substr(0, 1024 + 512 + 100));
        const auto message = error_message([&] { TarIndex::build(*SharedFile::open(path)); });
        INFO(message);
        CHECK(message.find("claims 4000 bytes, more than the archive holds") != std::string::npos);
        std::filesystem::remove(path);
    }
    SECTION("an archive cut short") {
        const auto path = write_temp("short.tar", tar.substr(0, 600));  // pax header + 88 bytes
        const auto message = error_message([&] { TarIndex::build(*SharedFile::open(path)); });
        INFO(message);
        CHECK(message.find("truncated") != std::string::npos);
        CHECK(message.find(path.string()) != std::string::npos);  // names the file
        std::filesystem::remove(path);
    }
}

TEST_CASE("layer entries carry types, modes, owners, links, devices and xattrs") {
    const std::string cap("\x01\x00\x00\x02\x00\x20\x00\x00", 8);
    auto tool = reg("./usr/bin/tool", "binary", 04755);
    tool.uid = 3000000;
    tool.gid = 3000001;
    tool.xattrs = {{"security.capability", cap}, {"user.comment", "hello"}};
    const std::string tar = archive_test::make_tar({
        dir("./"),
        tool,
        sym("./usr/bin/link", "tool"),
        hard("./usr/bin/hard", "./usr/bin/tool"),
        node("dev/null", AE_IFCHR, 0666, 1, 3),
        node("dev/loop0", AE_IFBLK, 0660, 7, 0),
        node("run/fifo", AE_IFIFO, 0620),
        reg("/abs/file", "a"),
        reg("sub/../caf\xe9.txt", "latin1"),
    });
    const auto entries = entries_of(tar);
    REQUIRE(entries.size() == 9);
    CHECK(entries[0].path.empty());
    CHECK(entries[1].path == "usr/bin/tool");
    CHECK(entries[1].mode == 04755);
    CHECK(entries[1].uid == 3000000);
    CHECK(entries[1].gid == 3000001);
    CHECK(entries[1].size == 6);
    REQUIRE(entries[1].xattrs.size() == 2);
    CHECK(entries[1].xattrs[0] == std::pair<std::string, std::string>{"security.capability", cap});
    CHECK(entries[2].type == EntryType::symlink);
    CHECK(entries[2].link_target == "tool");
    CHECK(entries[3].type == EntryType::hardlink);
    CHECK(entries[3].link_target == "usr/bin/tool");
    CHECK(entries[4].type == EntryType::char_device);
    CHECK(entries[4].dev_major == 1);
    CHECK(entries[4].dev_minor == 3);
    CHECK(entries[5].type == EntryType::block_device);
    CHECK(entries[6].type == EntryType::fifo);
    CHECK(entries[7].path == "abs/file");  // absolute paths are made relative to the root
    CHECK(entries[8].path == std::string("caf\xe9.txt"));  // raw bytes kept, ".." resolved
}

TEST_CASE("a member or hardlink that climbs above the root is refused as a crafted layer") {
    for (const auto& hostile : {reg("a/../../escape", "e"), hard("link", "../etc/passwd")}) {
        const std::string tar = archive_test::make_tar({reg("good", "g"), hostile});
        try {
            entries_of(tar);
            FAIL("accepted " << hostile.path);
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::invalid_input);
            CHECK(std::string(e.what()).find("crafted layer") != std::string::npos);
            CHECK(std::string(e.what()).find("climbs above the root") != std::string::npos);
        }
    }
}

TEST_CASE("path normalization resolves dot-dot inside the root and refuses what leaves it") {
    std::string out;
    CHECK(normalize_entry_path("./a//b/./c/", out).empty());
    CHECK(out == "a/b/c");
    CHECK(normalize_entry_path("/", out).empty());
    CHECK(out.empty());
    CHECK(normalize_entry_path("a/../b", out).empty());
    CHECK(out == "b");
    CHECK(normalize_entry_path("x/yy/../../z/./w", out).empty());
    CHECK(out == "z/w");
    CHECK(normalize_entry_path("a/..", out).empty());
    CHECK(out.empty());
    CHECK(normalize_entry_path("a/../../b", out).find("climbs above the root") !=
          std::string::npos);
    CHECK(normalize_entry_path("..", out).find("climbs above the root") != std::string::npos);
    CHECK(normalize_entry_path(std::string(256, 'n'), out).find("255 bytes") != std::string::npos);
    CHECK(normalize_entry_path(std::string(255, 'n'), out).empty());
    CHECK(quoted_path(std::string(100000, 'q')).size() < 200);
}

TEST_CASE("gzip (also multi-member), zstd and plain layers decompress to the same tar") {
    const std::string tar = archive_test::make_tar({reg("f", std::string(300000, 'q'))});
    const std::string two_members =
        archive_test::gzip(tar.substr(0, 1000)) + archive_test::gzip(tar.substr(1000));
    for (const auto& blob : {tar, archive_test::gzip(tar), archive_test::zstd(tar), two_members,
                             archive_test::gzip(tar) + std::string(512, '\0')}) {
        sif::MemorySource source(blob, "blob");
        LayerExpectations expected;
        expected.digest = sha256_digest(blob);
        expected.size = blob.size();
        expected.diff_id = sha256_digest(tar);
        LayerStream stream(std::make_unique<sif::MemorySource>(blob, "blob"), expected);
        CHECK(read_all(stream) == tar);
        CHECK_NOTHROW(stream.verify());
    }
}

TEST_CASE("digest, size and diff_id mismatches are errors naming the blob") {
    const std::string tar = archive_test::make_tar({reg("f", "content")});
    const std::string blob = archive_test::gzip(tar);
    const auto verify = [&](const std::string& data, LayerExpectations expected) {
        return error_message([&] {
            LayerStream stream(std::make_unique<sif::MemorySource>(data, "blobs/sha256/abc"),
                               expected);
            read_all(stream);
            stream.verify();
        });
    };
    LayerExpectations good;
    good.digest = sha256_digest(blob);
    good.size = blob.size();
    good.diff_id = sha256_digest(tar);
    CHECK(verify(blob, good) == "<no error>");

    LayerExpectations wrong_digest = good;
    wrong_digest.digest = sha256_digest("other");
    CHECK(verify(blob, wrong_digest).find("digest mismatch") != std::string::npos);
    LayerExpectations wrong_size = good;
    wrong_size.size = blob.size() + 1;
    CHECK(verify(blob, wrong_size).find("the manifest says") != std::string::npos);
    LayerExpectations wrong_diff = good;
    wrong_diff.diff_id = sha256_digest("other");
    CHECK(verify(blob, wrong_diff).find("diff_id") != std::string::npos);
    CHECK(verify(blob.substr(0, blob.size() / 2), LayerExpectations{}).find("truncated gzip") !=
          std::string::npos);
    std::string corrupt = blob;
    corrupt[corrupt.size() / 2] ^= 0x55;
    CHECK(verify(corrupt, LayerExpectations{}).find("corrupt gzip") != std::string::npos);
    CHECK(verify(blob + "junk", LayerExpectations{}).find("gzip") != std::string::npos);
    CHECK(
        verify(blob + std::string(100, '\0') + "junk", LayerExpectations{}).find("after the end") !=
        std::string::npos);
    LayerExpectations says_zstd;
    says_zstd.media_type = "application/vnd.oci.image.layer.v1.tar+zstd";
    CHECK(verify(blob, says_zstd).find("declares zstd") != std::string::npos);
}

TEST_CASE("a tar entry claiming more data than the stream holds fails cleanly") {
    std::string tar = archive_test::make_tar({reg("big", std::string(4096, 'b'))});
    tar.resize(512 + 1000);  // header promises 4096 bytes, 1000 follow
    sif::MemorySource source(tar, "layer");
    const auto message = error_message([&] {
        auto stream = read_tar_entries(source);
        Entry e;
        std::vector<std::byte> buffer(65536);
        while (stream->next(e)) {
            while (stream->read_data(buffer) > 0) {
            }
        }
    });
    CHECK(message.find("layer: ") == 0);  // names the layer
    CHECK(message.find("Truncated") != std::string::npos);
}
