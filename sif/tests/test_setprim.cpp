// Setting the primary partition (format §7): demotion of the old primary, header arch,
// untouched descriptor times, the no-op case and refusals that leave the file untouched.
#include <catch2/catch.hpp>

#include "sifkit/sif/image.hpp"
#include "support.hpp"

using namespace sifkit;
using namespace sifkit::sif;
using namespace sifkit::test;

namespace {

constexpr std::int64_t kAddTime = 1700000100;
constexpr std::int64_t kSetTime = 1700000900;

// 1: primary amd64, 2: system arm64, 3: data, 4: deffile, 5: system riscv64
std::filesystem::path make_parts(const TempDir& dir) {
    const auto path = dir / "parts.sif";
    Image image = create_image(path, fixed_options(8));
    add_text(image, partition_spec(PartType::primary_system, "amd64"), "one", kAddTime);
    add_text(image, partition_spec(PartType::system, "arm64"), "two", kAddTime);
    add_text(image, partition_spec(PartType::data, "amd64"), "three", kAddTime);
    add_text(image, spec_of(DataType::deffile), "four", kAddTime);
    add_text(image, partition_spec(PartType::system, "riscv64"), "five", kAddTime);
    return path;
}

std::size_t slot_at(std::size_t index) {
    return 4096 + index * 585;
}

}  // namespace

TEST_CASE("setprim promotes a System partition and demotes the old primary", "[setprim]") {
    TempDir dir;
    const auto path = make_parts(dir);
    const Bytes before = read_file(path);
    {
        Image image = Image::open(path, OpenMode::read_write);
        image.set_primary(2, UpdateOptions{kSetTime});
        CHECK(image.primary_partition()->id == 2);
    }
    const Bytes after = read_file(path);
    REQUIRE(after.size() == before.size());
    CHECK(hex(after, 45, 3) == "3034 00");  // header arch = arm64
    CHECK(get_le<std::int64_t>(after, 72) == kSetTime);
    // Old primary: System, arch kept.
    CHECK(hex(after, slot_at(0) + 201, 12) == "0100 0000 0100 0000 3032 0000");
    // Target: PrimSys with its own (correct) arch code.
    CHECK(hex(after, slot_at(1) + 201, 12) == "0100 0000 0200 0000 3034 0000");
    // Descriptor times untouched.
    for (std::size_t i : {0U, 1U}) {
        CHECK(get_le<std::int64_t>(after, slot_at(i) + 41) == kAddTime);
        CHECK(get_le<std::int64_t>(after, slot_at(i) + 49) == kAddTime);
    }
    // Nothing but the header and the two extras changed.
    for (std::size_t i = 128; i < after.size(); ++i) {
        const bool extra0 = i >= slot_at(0) + 201 && i < slot_at(0) + 585;
        const bool extra1 = i >= slot_at(1) + 201 && i < slot_at(1) + 585;
        if (!extra0 && !extra1 && after[i] != before[i]) {
            FAIL("byte " << i << " changed");
        }
    }

    const Image image = Image::open(path);
    CHECK(image.object(1).partition().part_type == PartType::system);
    CHECK(image.object(2).partition().part_type == PartType::primary_system);
    CHECK(image.object(2).partition().arch.go_name() == "arm64");
}

TEST_CASE("setprim without a previous primary only promotes", "[setprim]") {
    TempDir dir;
    const auto path = make_parts(dir);
    {
        Image image = Image::open(path, OpenMode::read_write);
        image.remove(1, DeleteOptions{false, false, kAddTime});
        CHECK(image.header().arch == Arch());
        image.set_primary(5, UpdateOptions{kSetTime});
    }
    const Bytes after = read_file(path);
    CHECK(hex(after, 45, 3) == "3132 00");
    CHECK(hex(after, slot_at(4) + 201, 12) == "0100 0000 0200 0000 3132 0000");
    CHECK(hex(after, slot_at(1) + 201, 12) == "0100 0000 0100 0000 3034 0000");
}

TEST_CASE("setprim on the primary partition is a no-op", "[setprim]") {
    TempDir dir;
    const auto path = make_parts(dir);
    const Bytes before = read_file(path);
    {
        Image image = Image::open(path, OpenMode::read_write);
        image.set_primary(1, UpdateOptions{kSetTime});
        CHECK(image.header().modified_at == kAddTime);
    }
    CHECK(read_file(path) == before);
}

TEST_CASE("setprim refuses what is not a System partition", "[setprim][refuse]") {
    TempDir dir;
    const auto path = make_parts(dir);
    const Bytes before = read_file(path);
    {
        Image image = Image::open(path, OpenMode::read_write);
        auto e = error_of([&] { image.set_primary(4, UpdateOptions{kSetTime}); });  // deffile
        REQUIRE(e);
        CHECK(e->kind() == ErrorKind::conflict);
        e = error_of([&] { image.set_primary(3, UpdateOptions{kSetTime}); });  // Data partition
        REQUIRE(e);
        CHECK(e->kind() == ErrorKind::conflict);
        e = error_of([&] { image.set_primary(9, UpdateOptions{kSetTime}); });
        REQUIRE(e);
        CHECK(e->kind() == ErrorKind::not_found);
        CHECK(image.primary_partition()->id == 1);
    }
    CHECK(read_file(path) == before);
}

TEST_CASE("set_id rewrites only the header's ID and modification time", "[set]") {
    TempDir dir;
    const auto path = make_parts(dir);
    const Bytes before = read_file(path);
    const auto id = Uuid::parse("0f8b2f0e-6a57-4c2b-9c1d-3b0a5e6f7a81");
    REQUIRE(id);
    {
        Image image = Image::open(path, OpenMode::read_write);
        image.set_id(*id, UpdateOptions{kSetTime});
    }
    const Bytes after = read_file(path);
    REQUIRE(after.size() == before.size());
    CHECK(hex(after, 48, 4) == "0f8b 2f0e");
    CHECK(get_le<std::int64_t>(after, 72) == kSetTime);
    for (std::size_t i = 0; i < after.size(); ++i) {
        const bool id_field = i >= 48 && i < 64;
        const bool mtime_field = i >= 72 && i < 80;
        if (!id_field && !mtime_field && after[i] != before[i]) {
            FAIL("byte " << i << " changed");
        }
    }
    CHECK(Image::open(path).header().id == *id);

    Image read_only = Image::open(path);
    const auto e = error_of([&] { read_only.set_id(Uuid{}); });
    REQUIRE(e);
    CHECK(e->kind() == ErrorKind::usage);
}
