// Reading object data (exact reads, streaming readers, mappings, copies to a descriptor) and
// the signer's digest inputs (format §9.2).
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "sifkit/sif/image.hpp"
#include "sifkit/sif/integrity.hpp"
#include "support.hpp"

using namespace sifkit;
using namespace sifkit::sif;
using namespace sifkit::test;

namespace {

const std::string kPayload = "The quick brown fox jumps over the lazy dog";  // 43 bytes

std::filesystem::path make_image(const TempDir& dir) {
    const auto path = dir / "read.sif";
    Image image = create_image(path, fixed_options(6));
    add_text(image, spec_of(DataType::generic, "payload"), kPayload);
    add_text(image, spec_of(DataType::generic, "empty"), "");
    add_text(image, partition_spec(PartType::primary_system), std::string(5000, 'z'));
    return path;
}

}  // namespace

TEST_CASE("Image::read reads exactly inside the object", "[read]") {
    TempDir dir;
    const Image image = Image::open(make_image(dir));
    const Descriptor& d = image.object(1);

    Bytes all(43);
    image.read(d, 0, all);
    CHECK(all == bytes_of(kPayload));

    Bytes tail(3);
    image.read(d, 40, tail);
    CHECK(tail == bytes_of("dog"));

    Bytes none;
    image.read(d, 43, none);  // zero bytes at the very end: fine

    Bytes one(1);
    for (std::uint64_t offset : {std::uint64_t{43}, std::uint64_t{44}, ~std::uint64_t{0}}) {
        const auto e = error_of([&] { image.read(d, offset, one); });
        REQUIRE(e);
        CHECK(e->kind() == ErrorKind::usage);
    }
    Bytes too_long(44);
    const auto e = error_of([&] { image.read(d, 0, too_long); });
    REQUIRE(e);
    CHECK(e->kind() == ErrorKind::usage);
}

TEST_CASE("ObjectReader streams an object in pieces", "[read]") {
    TempDir dir;
    const Image image = Image::open(make_image(dir));

    ObjectReader reader = image.reader(image.object(1));
    CHECK(reader.remaining() == 43);
    std::string collected;
    std::array<std::byte, 5> buffer{};
    for (;;) {
        const std::size_t n = reader.read(buffer);
        if (n == 0) {
            break;
        }
        CHECK(n <= buffer.size());
        for (std::size_t i = 0; i < n; ++i) {
            collected += static_cast<char>(buffer[i]);
        }
    }
    CHECK(collected == kPayload);
    CHECK(reader.remaining() == 0);
    CHECK(reader.read(buffer) == 0);

    ObjectReader empty = image.reader(image.object(2));
    CHECK(empty.remaining() == 0);
    CHECK(empty.read(buffer) == 0);

    // A reader is a ByteSource: copy the partition into a new image.
    const auto copy_path = dir / "copy.sif";
    Image copy = create_image(copy_path, fixed_options(2));
    ObjectReader source = image.reader(image.object(3));
    const Descriptor& copied = copy.add(partition_spec(PartType::system), source);
    CHECK(copied.size == 5000);
    CHECK(object_bytes(copy, copied) == Bytes(5000, std::byte{'z'}));
}

TEST_CASE("Image::map maps exactly the object's bytes", "[read]") {
    TempDir dir;
    const Image image = Image::open(make_image(dir));

    Mapping m = image.map(image.object(1));
    REQUIRE(m.bytes().size() == 43);
    CHECK(Bytes(m.bytes().begin(), m.bytes().end()) == bytes_of(kPayload));

    Mapping empty = image.map(image.object(2));
    CHECK(empty.bytes().empty());

    Mapping part = image.map(image.object(3));
    REQUIRE(part.bytes().size() == 5000);
    CHECK(part.bytes().front() == std::byte{'z'});
    CHECK(part.bytes().back() == std::byte{'z'});

    Mapping moved = std::move(m);
    CHECK(moved.bytes().size() == 43);
    CHECK(m.bytes().empty());  // NOLINT(bugprone-use-after-move): moved-from state is specified
}

TEST_CASE("copy_to_fd streams an object into a file", "[read]") {
    TempDir dir;
    const Image image = Image::open(make_image(dir));
    const auto out_path = dir / "out.bin";
    const int fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    image.copy_to_fd(image.object(1), fd, out_path.string());
    image.copy_to_fd(image.object(2), fd, out_path.string());
    ::close(fd);
    CHECK(read_file(out_path) == bytes_of(kPayload));
}

TEST_CASE("the header digest input is launch, magic, version and UUID", "[integrity]") {
    Header h;
    const std::string launch = "#!/usr/bin/env run-singularity\n";
    std::copy(launch.begin(), launch.end(), h.launch_script.begin());
    h.id = *Uuid::parse("0f8b2f0e-6a57-4c2b-9c1d-3b0a5e6f7a81");
    h.arch = *Arch::from_go_name("amd64");
    h.created_at = 1;
    h.data_size = 99;
    const auto in = header_digest_input(h);
    static_assert(std::tuple_size_v<decltype(in)> == 61);
    const auto encoded = h.encode();
    CHECK(std::equal(in.begin(), in.begin() + 45, encoded.begin()));  // launch, magic, version
    CHECK(hex(in, 32, 10) == "5349 465f 4d41 4749 4300");
    CHECK(hex(in, 42, 3) == "3031 00");
    CHECK(hex(in, 45, 16) == "0f8b 2f0e 6a57 4c2b 9c1d 3b0a 5e6f 7a81");

    // Fields that are not covered do not change the input.
    Header other = h;
    other.arch = Arch();
    other.created_at = other.modified_at = 5;
    other.descriptors_free = other.descriptors_total = 7;
    other.data_offset = other.data_size = 11;
    CHECK(header_digest_input(other) == in);
}

TEST_CASE("the descriptor digest input has the fields of §9.2", "[integrity]") {
    Descriptor d;
    d.data_type = static_cast<std::int32_t>(DataType::signature);
    d.used = true;
    d.id = 9;
    d.group_raw = kGroupMask | 2;
    d.link_raw = kGroupMask | 1;
    d.offset = 12345;
    d.size = 855;
    d.size_with_padding = 900;
    d.created_at = 1700000000;
    d.modified_at = 1800000000;
    d.uid = 1000;
    d.gid = 1001;
    d.name[0] = 'n';
    SignatureInfo s;
    s.fingerprint[0] = 0x12;
    d.extra = encode_extra(s);

    const auto in = descriptor_digest_input(d, 3);
    static_assert(std::tuple_size_v<decltype(in)> == 557);
    CHECK(get_le<std::int32_t>(in, 0) == 0x4005);
    CHECK(hex(in, 4, 1) == "01");
    CHECK(get_le<std::uint32_t>(in, 5) == 3);
    CHECK(get_le<std::uint32_t>(in, 9) == 0xF0000001U);
    CHECK(get_le<std::int64_t>(in, 13) == 855);
    CHECK(get_le<std::int64_t>(in, 21) == 1700000000);
    CHECK(get_le<std::int64_t>(in, 29) == 1000);
    CHECK(get_le<std::int64_t>(in, 37) == 1001);
    CHECK(hex(in, 45, 2) == "6e00");
    CHECK(hex(in, 173, 6) == "0100 0000 1200");
    // The name and extra are copied whole.
    const auto encoded = d.encode();
    CHECK(std::equal(in.begin() + 45, in.end(), encoded.begin() + 73));

    // Absolute ID, group, offset, padding and mtime are not covered.
    Descriptor other = d;
    other.id = 77;
    other.group_raw = kGroupMask;
    other.offset = 1;
    other.size_with_padding = 2;
    other.modified_at = 3;
    CHECK(descriptor_digest_input(other, 3) == in);
}

TEST_CASE("relative IDs count from the smallest ID of the raw group", "[integrity]") {
    TempDir dir;
    const auto path = dir / "rel.sif";
    Image image = create_image(path, fixed_options(8));
    add_text(image, spec_of(DataType::deffile), "a");  // 1, group 1
    ObjectSpec g2 = spec_of(DataType::generic);
    g2.group = 2;
    add_text(image, g2, "b");                         // 2, group 2
    add_text(image, spec_of(DataType::labels), "c");  // 3, group 1
    add_text(image, g2, "d");                         // 4, group 2
    ObjectSpec none = spec_of(DataType::generic);
    none.group = 0;
    add_text(image, none, "e");  // 5, no group
    add_text(image, none, "f");  // 6, no group

    CHECK(image.relative_id(image.object(1)) == 0);
    CHECK(image.relative_id(image.object(3)) == 2);
    CHECK(image.relative_id(image.object(2)) == 0);
    CHECK(image.relative_id(image.object(4)) == 2);
    CHECK(image.relative_id(image.object(5)) == 0);
    CHECK(image.relative_id(image.object(6)) == 1);

    image.remove(1, DeleteOptions{false, false, 1700000200});
    CHECK(image.relative_id(image.object(3)) == 0);

    const auto in = descriptor_digest_input(image.object(4), image.relative_id(image.object(4)));
    CHECK(get_le<std::uint32_t>(in, 5) == 2);
}
