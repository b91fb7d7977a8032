// Loading hostile or corrupt images: each is a valid image with a few bytes patched, and each
// must fail with an invalid_image Error that names the file. Also: layouts of old writers load.
#include <limits>

#include <catch2/catch.hpp>

#include "sifkit/sif/image.hpp"
#include "support.hpp"

using namespace sifkit;
using namespace sifkit::sif;
using namespace sifkit::test;

namespace {

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

// Header field offsets (§3) and descriptor field offsets (§4).
constexpr std::size_t kDfree = 80;
constexpr std::size_t kDtotal = 88;
constexpr std::size_t kDescrOff = 96;
constexpr std::size_t kDescrLen = 104;
constexpr std::size_t kDataOff = 112;
constexpr std::size_t kDataLen = 120;
constexpr std::size_t kUsed = 4;
constexpr std::size_t kId = 5;
constexpr std::size_t kOffset = 17;
constexpr std::size_t kSize = 25;
constexpr std::size_t kUid = 57;
constexpr std::size_t kGid = 65;

// Capacity 3 at offset 4096: table [4096, 5851); objects 1 (generic, 8 bytes at 5851) and
// 2 (partition, 16 bytes at 8192).
struct Valid {
    TempDir dir;
    std::filesystem::path path;
    Bytes bytes;

    Valid() : path(dir / "valid.sif") {
        {
            Image image = create_image(path, fixed_options(3));
            add_text(image, spec_of(DataType::generic), "12345678");
            add_text(image, partition_spec(PartType::primary_system), "0123456789abcdef");
        }
        bytes = read_file(path);
    }

    static std::size_t slot(std::size_t i) { return 4096 + i * 585; }

    // Writes `patched` next to the valid image and opens it.
    std::optional<Error> open_patched(const Bytes& patched, const std::string& name) const {
        const auto target = dir / name;
        write_file(target, patched);
        return error_of([&] { (void)Image::open(target); });
    }
};

void expect_invalid(const Valid& valid, const Bytes& patched, const std::string& name) {
    const auto e = valid.open_patched(patched, name);
    REQUIRE(e);
    CHECK(e->kind() == ErrorKind::invalid_image);
    CHECK(e->file() == (valid.dir / name).string());
    CHECK_THAT(std::string(e->what()), Catch::Contains((valid.dir / name).string()));
}

}  // namespace

TEST_CASE("the unpatched image loads", "[validate]") {
    Valid valid;
    const auto e = valid.open_patched(valid.bytes, "copy.sif");
    CHECK_FALSE(e);
    const Image image = Image::open(valid.path);
    REQUIRE(image.object_count() == 2);
    CHECK(image.object(1).offset == 5851);
    CHECK(image.object(2).offset == 8192);
}

TEST_CASE("a file shorter than the header is refused", "[validate]") {
    Valid valid;
    for (std::size_t size : {0U, 1U, 100U, 127U}) {
        const Bytes patched(valid.bytes.begin(), valid.bytes.begin() + static_cast<long>(size));
        expect_invalid(valid, patched, "short-" + std::to_string(size) + ".sif");
    }
}

TEST_CASE("a bad magic or version is refused", "[validate]") {
    Valid valid;
    Bytes patched = valid.bytes;
    patched[32] = std::byte{'X'};
    expect_invalid(valid, patched, "magic.sif");
    patched = valid.bytes;
    patched[41] = std::byte{'X'};  // the magic's NUL
    expect_invalid(valid, patched, "magic-nul.sif");
    patched = valid.bytes;
    patched[43] = std::byte{'2'};  // "02"
    expect_invalid(valid, patched, "version.sif");
    patched = valid.bytes;
    patched[44] = std::byte{'x'};  // the version's NUL
    expect_invalid(valid, patched, "version-nul.sif");
}

TEST_CASE("negative descriptor counts, and tables that do not fit the file, are refused",
          "[validate]") {
    Valid valid;
    for (std::int64_t count : {std::int64_t{-1}, std::numeric_limits<std::int64_t>::min(),
                               std::int64_t{65537}, std::int64_t{1} << 40, kInt64Max}) {
        Bytes patched = valid.bytes;
        put_le(patched, kDtotal, count);
        put_le(patched, kDescrLen, kInt64Max);  // so that only the count is wrong
        expect_invalid(valid, patched, "count.sif");
    }
    // Any count is accepted as a count, but the table must fit in the file.
    Bytes patched = valid.bytes;
    put_le(patched, kDtotal, std::int64_t{65536});
    put_le(patched, kDescrLen, std::int64_t{65536} * 585);
    expect_invalid(valid, patched, "count-max.sif");
}

TEST_CASE("a descriptor table outside the file is refused", "[validate]") {
    Valid valid;
    for (std::int64_t offset :
         {std::int64_t{-4096}, std::int64_t{0}, std::int64_t{127},
          static_cast<std::int64_t>(valid.bytes.size()) - 585,
          static_cast<std::int64_t>(valid.bytes.size()) + 4096, kInt64Max - 100, kInt64Max}) {
        Bytes patched = valid.bytes;
        put_le(patched, kDescrOff, offset);
        expect_invalid(valid, patched, "table-offset.sif");
    }
}

TEST_CASE("a descriptor table size too small for the count is refused", "[validate]") {
    Valid valid;
    for (std::int64_t size : {std::int64_t{-1}, std::int64_t{0}, std::int64_t{3 * 585 - 1}}) {
        Bytes patched = valid.bytes;
        put_le(patched, kDescrLen, size);
        expect_invalid(valid, patched, "table-size.sif");
    }
}

TEST_CASE("a broken data section is refused", "[validate]") {
    Valid valid;
    Bytes patched = valid.bytes;
    put_le(patched, kDataOff, std::int64_t{-1});
    expect_invalid(valid, patched, "dataoff.sif");
    patched = valid.bytes;
    put_le(patched, kDataLen, std::int64_t{-1});
    expect_invalid(valid, patched, "datalen.sif");
    patched = valid.bytes;
    put_le(patched, kDataOff, kInt64Max);
    put_le(patched, kDataLen, kInt64Max);
    expect_invalid(valid, patched, "data-overflow.sif");
}

TEST_CASE("negative object offsets and sizes are refused", "[validate]") {
    Valid valid;
    Bytes patched = valid.bytes;
    put_le(patched, Valid::slot(0) + kSize, std::int64_t{-1});
    expect_invalid(valid, patched, "neg-size.sif");
    patched = valid.bytes;
    put_le(patched, Valid::slot(1) + kOffset, std::int64_t{-5});
    expect_invalid(valid, patched, "neg-offset.sif");
    patched = valid.bytes;
    put_le(patched, Valid::slot(1) + kOffset, std::numeric_limits<std::int64_t>::min());
    expect_invalid(valid, patched, "min-offset.sif");
}

TEST_CASE("objects outside the file or the data section are refused", "[validate]") {
    Valid valid;
    Bytes patched = valid.bytes;
    put_le(patched, Valid::slot(1) + kSize, std::int64_t{17});  // one byte past EOF
    expect_invalid(valid, patched, "past-eof.sif");
    patched = valid.bytes;
    put_le(patched, Valid::slot(1) + kOffset, std::int64_t{1} << 40);
    expect_invalid(valid, patched, "far-offset.sif");
    patched = valid.bytes;
    // Inside the file but after dataoff + datalen.
    put_le(patched, kDataLen, get_le<std::int64_t>(valid.bytes, kDataLen) - 1);
    expect_invalid(valid, patched, "past-data.sif");
    // Appended bytes after the data section do not make the object legal.
    patched.resize(patched.size() + 100);
    expect_invalid(valid, patched, "past-data-appended.sif");
}

TEST_CASE("offset + size overflow is refused", "[validate]") {
    Valid valid;
    Bytes patched = valid.bytes;
    put_le(patched, Valid::slot(1) + kSize, kInt64Max);
    expect_invalid(valid, patched, "overflow-size.sif");
    patched = valid.bytes;
    put_le(patched, Valid::slot(1) + kOffset, kInt64Max);
    put_le(patched, Valid::slot(1) + kSize, kInt64Max);
    expect_invalid(valid, patched, "overflow-both.sif");
    patched = valid.bytes;
    put_le(patched, Valid::slot(1) + kOffset, kInt64Max);
    put_le(patched, Valid::slot(1) + kSize, std::int64_t{1});
    expect_invalid(valid, patched, "overflow-offset.sif");
}

TEST_CASE("objects overlapping the header or the table are refused", "[validate]") {
    Valid valid;
    Bytes patched = valid.bytes;
    put_le(patched, Valid::slot(0) + kOffset, std::int64_t{0});
    expect_invalid(valid, patched, "over-header.sif");
    patched = valid.bytes;
    put_le(patched, Valid::slot(0) + kOffset, std::int64_t{120});  // ends at 128... and 8 in
    expect_invalid(valid, patched, "over-header-end.sif");
    patched = valid.bytes;
    put_le(patched, Valid::slot(0) + kOffset, static_cast<std::int64_t>(Valid::slot(1)));
    expect_invalid(valid, patched, "over-table.sif");
    patched = valid.bytes;
    put_le(patched, Valid::slot(0) + kOffset, std::int64_t{5851 - 4});  // last 4 table bytes
    expect_invalid(valid, patched, "over-table-end.sif");
    patched = valid.bytes;
    put_le(patched, Valid::slot(0) + kOffset, std::int64_t{4096 - 4});  // first table bytes
    expect_invalid(valid, patched, "over-table-begin.sif");
}

TEST_CASE("overlapping objects are refused", "[validate]") {
    Valid valid;
    Bytes patched = valid.bytes;
    put_le(patched, Valid::slot(0) + kOffset, std::int64_t{8192 + 8});
    expect_invalid(valid, patched, "overlap-inside.sif");
    patched = valid.bytes;
    put_le(patched, Valid::slot(1) + kOffset, std::int64_t{5851 + 7});
    expect_invalid(valid, patched, "overlap-tail.sif");
    patched = valid.bytes;
    put_le(patched, Valid::slot(1) + kOffset, std::int64_t{5851});
    expect_invalid(valid, patched, "overlap-same.sif");
}

TEST_CASE("duplicate IDs and used descriptors with ID 0 are refused", "[validate]") {
    Valid valid;
    Bytes patched = valid.bytes;
    put_le(patched, Valid::slot(1) + kId, std::uint32_t{1});
    expect_invalid(valid, patched, "dup.sif");
    patched = valid.bytes;
    put_le(patched, Valid::slot(0) + kId, std::uint32_t{0});
    expect_invalid(valid, patched, "id0.sif");
    // An unused slot's content does not matter, even a duplicate ID.
    patched = valid.bytes;
    put_le(patched, Valid::slot(2) + kId, std::uint32_t{1});
    put_le(patched, Valid::slot(2) + kSize, std::int64_t{-1});
    CHECK_FALSE(valid.open_patched(patched, "unused.sif"));
}

TEST_CASE("an unused slot whose used byte is set becomes a checked object", "[validate]") {
    Valid valid;
    Bytes patched = valid.bytes;
    patched[Valid::slot(2) + kUsed] = std::byte{1};  // all-zero descriptor: ID 0
    expect_invalid(valid, patched, "used-empty.sif");
}

TEST_CASE("images of old writers load", "[validate]") {
    TempDir dir;
    const auto path = dir / "old.sif";
    {
        // With the default 48 slots the data section begins at 32176; the first partition
        // lands at 32768, which is where old Singularity put the data section.
        Image image = create_image(path, fixed_options());
        add_text(image, partition_spec(PartType::primary_system), std::string(5000, 's'));
        add_text(image, spec_of(DataType::labels, "."), "{\"a\":1}");
    }
    Bytes bytes = read_file(path);
    put_le(bytes, kDataOff, std::int64_t{32768});
    put_le(bytes, kDataLen, std::int64_t{5000 + 7});
    for (std::size_t i : {0U, 1U}) {
        const std::size_t at = 4096 + i * 585;
        put_le(bytes, at + kUid, std::int64_t{1000});
        put_le(bytes, at + kGid, std::int64_t{1000});
        put_le(bytes, at + 33, get_le<std::int64_t>(bytes, at + kSize));  // no padding recorded
    }
    SECTION("with dfree as written") {}
    SECTION("with a stale dfree of 0") {
        put_le(bytes, kDfree, std::int64_t{0});
    }
    SECTION("with a stale dfree of dtotal") {
        put_le(bytes, kDfree, std::int64_t{48});
    }
    write_file(path, bytes);

    Image image = Image::open(path, OpenMode::read_write);
    CHECK(image.header().data_offset == 32768);
    REQUIRE(image.object_count() == 2);
    CHECK(image.free_slots() == 46);
    CHECK(image.object(1).uid == 1000);
    CHECK(image.object(2).gid == 1000);
    CHECK(object_bytes(image, image.object(2)) == bytes_of("{\"a\":1}"));
    // Updates work and refresh the free count from the table.
    add_text(image, spec_of(DataType::generic), "new");
    CHECK(image.object(3).offset == 32768 + 5007);
    const Bytes after = read_file(path);
    CHECK(get_le<std::int64_t>(after, kDfree) == 45);
}

TEST_CASE("an empty object aligned past the end of the file loads", "[validate][regression]") {
    // The reference writes nothing for an empty object: when alignment puts it past the end of
    // the file, the file is not extended (offset 32768, file size 32176).
    TempDir dir;
    const auto path = dir / "empty-aligned.sif";
    {
        Image image = create_image(path, fixed_options());
        const Descriptor d = add_text(image, partition_spec(PartType::system), "");
        CHECK(d.offset == 32768);
        CHECK(d.size == 0);
        CHECK(d.size_with_padding == 592);
        CHECK(image.file_size() == 32176);
    }
    CHECK(std::filesystem::file_size(path) == 32176);
    {
        Image image = Image::open(path, OpenMode::read_write);
        CHECK(image.file_size() == 32176);
        CHECK(image.header().data_end() == 32768);
        CHECK(image.reader(image.object(1)).remaining() == 0);
        CHECK(image.map(image.object(1)).bytes().empty());
        const Descriptor next = add_text(image, spec_of(DataType::generic), "after");
        CHECK(next.offset == 32768);
    }
    CHECK(std::filesystem::file_size(path) == 32768 + 5);

    // Still refused: an empty object beyond the end of the data section.
    Bytes bytes = read_file(path);
    put_le(bytes, 4096 + kOffset, std::int64_t{1} << 40);
    write_file(dir / "empty-far.sif", bytes);
    const auto e = error_of([&] { (void)Image::open(dir / "empty-far.sif"); });
    REQUIRE(e);
    CHECK(e->kind() == ErrorKind::invalid_image);
}

TEST_CASE("a table of more than 65,536 slots that fits in the file loads, as the reference's does",
          "[validate]") {
    // The reference reads any count whose table fits; a bound on the count refused valid images.
    TempDir dir;
    CreateOptions options = CreateOptions::deterministic();
    options.descriptor_capacity = 70000;
    create_image(dir / "wide.sif", options);
    const auto image = Image::open(dir / "wide.sif");
    CHECK(image.header().descriptors_total == 70000);
    CHECK(image.slots().size() == 70000);
}
