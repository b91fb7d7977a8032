// Replacing an object: the same bytes as add() then remove(), the primary partition's rules, and
// refusals that leave the file untouched. That no reader sees both objects or neither at any
// point is checked write by write in tests/interop/interrupted_test.cpp.
#include <catch2/catch.hpp>

#include "sifkit/sif/image.hpp"
#include "support.hpp"

using namespace sifkit;
using namespace sifkit::sif;
using namespace sifkit::test;

namespace {

constexpr std::int64_t kTime = 1700000500;

// deffile (ID 1), primary partition (ID 2, arm64), generic (ID 3).
std::filesystem::path make_three(const TempDir& dir, const std::string& name) {
    const auto path = dir / name;
    Image image = create_image(path, fixed_options());
    add_text(image, spec_of(DataType::deffile), "Bootstrap: scratch\n");
    add_text(image, partition_spec(PartType::primary_system, "arm64"), std::string(4096, 'p'));
    add_text(image, spec_of(DataType::generic), "tail-data");
    return path;
}

const Descriptor& replace_text(Image& image, std::uint32_t id, const ObjectSpec& spec,
                               std::string_view content) {
    MemorySource source(content);
    return image.replace(id, spec, source, UpdateOptions{kTime});
}

}  // namespace

TEST_CASE("replace leaves the bytes add then remove would", "[replace]") {
    TempDir dir;
    const auto replaced = make_three(dir, "replaced.sif");
    const auto two_steps = make_three(dir, "two-steps.sif");
    {
        Image image = Image::open(replaced, OpenMode::read_write);
        const Descriptor& d = replace_text(image, 1, spec_of(DataType::deffile), "Bootstrap: x\n");
        CHECK(d.id == 4);  // the first free slot: the old one is still in use until the swap
        CHECK(image.find(1) == nullptr);
        CHECK(image.object_count() == 3);
    }
    {
        Image image = Image::open(two_steps, OpenMode::read_write);
        add_text(image, spec_of(DataType::deffile), "Bootstrap: x\n", kTime);
        image.remove(1, DeleteOptions{false, false, kTime});
    }
    CHECK(read_file(replaced) == read_file(two_steps));
    const Image image = Image::open(replaced);
    CHECK(image.first_of(DataType::deffile)->id == 4);
}

TEST_CASE("the primary partition can be replaced by a new primary", "[replace]") {
    TempDir dir;
    const auto path = make_three(dir, "primary.sif");
    {
        Image image = Image::open(path, OpenMode::read_write);
        replace_text(image, 2, partition_spec(PartType::primary_system, "amd64"),
                     std::string(4096, 'q'));
    }
    const Image image = Image::open(path);
    REQUIRE(image.primary_partition() != nullptr);
    CHECK(image.primary_partition()->id == 4);
    CHECK(image.header().arch.go_name() == "amd64");

    // Replacing it by something else leaves no primary, and no header architecture, as remove().
    TempDir other;
    const auto demoted = make_three(other, "demoted.sif");
    {
        Image writable = Image::open(demoted, OpenMode::read_write);
        replace_text(writable, 2, spec_of(DataType::generic), "not a partition");
    }
    const Image after = Image::open(demoted);
    CHECK(after.primary_partition() == nullptr);
    CHECK_FALSE(after.header().arch.known());
}

TEST_CASE("a primary partition cannot replace another object while one exists",
          "[replace][refuse]") {
    TempDir dir;
    const auto path = make_three(dir, "second-primary.sif");
    const Bytes before = read_file(path);
    {
        Image image = Image::open(path, OpenMode::read_write);
        CHECK_THROWS_AS(replace_text(image, 3, partition_spec(PartType::primary_system), "x"),
                        Error);
    }
    CHECK(read_file(path) == before);
}

TEST_CASE("replacing an unknown ID, or in a read-only image, is refused", "[replace][refuse]") {
    TempDir dir;
    const auto path = make_three(dir, "refused.sif");
    const Bytes before = read_file(path);
    {
        Image image = Image::open(path, OpenMode::read_write);
        try {
            replace_text(image, 9, spec_of(DataType::generic), "x");
            FAIL("an unknown ID was replaced");
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::not_found);
            CHECK(std::string(e.what()).find("no object with ID 9") != std::string::npos);
        }
    }
    {
        Image image = Image::open(path);
        CHECK_THROWS_AS(replace_text(image, 1, spec_of(DataType::generic), "x"), Error);
    }
    CHECK(read_file(path) == before);
}
