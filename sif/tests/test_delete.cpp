// Deleting objects (format §7): plain, zeroing and compacting deletes, ID reuse, the primary
// partition's architecture, and refusals that leave the file untouched.
#include <catch2/catch.hpp>

#include "sifkit/sif/image.hpp"
#include "support.hpp"

using namespace sifkit;
using namespace sifkit::sif;
using namespace sifkit::test;

namespace {

constexpr std::int64_t kDeleteTime = 1700000500;

// deffile (ID 1, 32176+19), primary partition (ID 2, at 32768, 4096 bytes), generic (ID 3).
std::filesystem::path make_three(const TempDir& dir) {
    const auto path = dir / "three.sif";
    Image image = create_image(path, fixed_options());
    add_text(image, spec_of(DataType::deffile), "Bootstrap: scratch\n");
    add_text(image, partition_spec(PartType::primary_system, "arm64"), std::string(4096, 'p'));
    add_text(image, spec_of(DataType::generic), "tail-data");
    return path;
}

}  // namespace

TEST_CASE("a plain delete clears the slot and keeps the data", "[delete]") {
    TempDir dir;
    const auto path = make_three(dir);
    const Bytes before = read_file(path);
    {
        Image image = Image::open(path, OpenMode::read_write);
        image.remove(1, DeleteOptions{false, false, kDeleteTime});
        CHECK(image.find(1) == nullptr);
    }
    const Bytes after = read_file(path);
    REQUIRE(after.size() == before.size());
    CHECK(all_zero(after, 4096, 4096 + 585));                  // slot 0 all zero
    CHECK(get_le<std::int64_t>(after, 80) == 46);              // dfree + 1
    CHECK(get_le<std::int64_t>(after, 120) == 19 + 4669 + 9);  // datalen unchanged
    CHECK(get_le<std::int64_t>(after, 72) == kDeleteTime);
    CHECK(hex(after, 32176, 4) == "426f 6f74");  // "Boot": data stays
    CHECK(hex(after, 45, 3) == "3034 00");       // arch of the remaining primary

    const Image image = Image::open(path);
    CHECK(image.object_count() == 2);
    CHECK(image.free_slots() == 46);
}

TEST_CASE("deleted IDs are reused by the next object, which is appended", "[delete]") {
    TempDir dir;
    const auto path = make_three(dir);
    Image image = Image::open(path, OpenMode::read_write);
    const std::int64_t end = image.header().data_end();
    image.remove(1, DeleteOptions{false, false, kDeleteTime});
    const Descriptor d = add_text(image, spec_of(DataType::labels), "{}");
    CHECK(d.id == 1);
    CHECK(d.offset == end);
    CHECK(image.slots()[0].id == 1);
    const Descriptor next = add_text(image, spec_of(DataType::labels), "{}");
    CHECK(next.id == 4);
}

TEST_CASE("a zeroing delete overwrites the object's bytes only", "[delete]") {
    TempDir dir;
    const auto path = make_three(dir);
    const Bytes before = read_file(path);
    {
        Image image = Image::open(path, OpenMode::read_write);
        image.remove(3, DeleteOptions{true, false, kDeleteTime});
    }
    const Bytes after = read_file(path);
    REQUIRE(after.size() == before.size());
    const std::size_t offset = 32768 + 4096;
    CHECK(all_zero(after, offset, offset + 9));
    CHECK(get_le<std::int64_t>(after, 120) == 19 + 4669 + 9);
    // Everything else except slot 2 and the header is as it was.
    CHECK(std::equal(before.begin() + 32176, before.begin() + static_cast<long>(offset),
                     after.begin() + 32176));
    CHECK(std::equal(before.begin() + 4096, before.begin() + 4096 + 2 * 585, after.begin() + 4096));
}

TEST_CASE("a compacting delete of the last object truncates at its padding", "[delete]") {
    TempDir dir;
    const auto path = make_three(dir);
    {
        Image image = Image::open(path, OpenMode::read_write);
        image.remove(3, DeleteOptions{false, true, kDeleteTime});
        CHECK(image.file_size() == 36864);
        // The partition is now last; its padding goes too.
        image.remove(2, DeleteOptions{false, true, kDeleteTime});
        CHECK(image.file_size() == 32176 + 19);
        CHECK(image.header().data_size == 19);
    }
    const Bytes after = read_file(path);
    CHECK(after.size() == 32176 + 19);
    CHECK(get_le<std::int64_t>(after, 120) == 19);
    CHECK(get_le<std::int64_t>(after, 80) == 47);
    CHECK(hex(after, 45, 3) == "3030 00");  // primary deleted: arch reset

    Image image = Image::open(path, OpenMode::read_write);
    const Descriptor d = add_text(image, spec_of(DataType::generic), "again");
    CHECK(d.id == 2);
    CHECK(d.offset == 32176 + 19);
}

TEST_CASE("compacting an object that is not last is refused", "[delete][refuse]") {
    TempDir dir;
    const auto path = make_three(dir);
    const Bytes before = read_file(path);
    {
        Image image = Image::open(path, OpenMode::read_write);
        const auto e = error_of([&] { image.remove(2, DeleteOptions{true, true, kDeleteTime}); });
        REQUIRE(e);
        CHECK(e->kind() == ErrorKind::conflict);
        CHECK(image.object_count() == 3);
    }
    CHECK(read_file(path) == before);
}

TEST_CASE("deleting an unknown ID is refused", "[delete][refuse]") {
    TempDir dir;
    const auto path = make_three(dir);
    const Bytes before = read_file(path);
    {
        Image image = Image::open(path, OpenMode::read_write);
        for (std::uint32_t id : {0U, 4U, 48U, 0xFFFFFFFFU}) {
            const auto e = error_of([&] { image.remove(id); });
            REQUIRE(e);
            CHECK(e->kind() == ErrorKind::not_found);
        }
        image.remove(3, DeleteOptions{false, false, kDeleteTime});
    }
    const Bytes once = read_file(path);
    {
        Image image = Image::open(path, OpenMode::read_write);
        const auto e = error_of([&] { image.remove(3); });
        REQUIRE(e);
        CHECK(e->kind() == ErrorKind::not_found);
    }
    CHECK(read_file(path) == once);
    CHECK(once != before);
}

TEST_CASE("deleting the primary partition resets the header arch", "[delete]") {
    TempDir dir;
    const auto path = make_three(dir);
    {
        Image image = Image::open(path, OpenMode::read_write);
        CHECK(image.header().arch.go_name() == "arm64");
        image.remove(2, DeleteOptions{false, false, kDeleteTime});
        CHECK(image.header().arch == Arch());
        CHECK(image.primary_partition() == nullptr);
        // A new primary partition is accepted now and sets the arch again.
        add_text(image, partition_spec(PartType::primary_system, "ppc64le"), "hsqs");
    }
    const Bytes after = read_file(path);
    CHECK(hex(after, 45, 3) == "3036 00");
}
