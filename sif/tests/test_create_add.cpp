// Creating images and adding objects: defaults, placement, alignment and padding (format §2,
// §6), group and link values, and the refusals that must leave the file untouched.
#include <catch2/catch.hpp>

#include "sifkit/sif/image.hpp"
#include "support.hpp"

using namespace sifkit;
using namespace sifkit::sif;
using namespace sifkit::test;

TEST_CASE("a fresh image has the reference defaults", "[create]") {
    TempDir dir;
    const auto path = dir / "new.sif";
    {
        Image image = create_image(path, fixed_options());
        CHECK(image.file_size() == 32176);
        CHECK(image.object_count() == 0);
        CHECK(image.free_slots() == 48);
    }
    const Bytes f = read_file(path);
    REQUIRE(f.size() == 32176);
    CHECK(get_le<std::int64_t>(f, 80) == 48);      // dfree
    CHECK(get_le<std::int64_t>(f, 88) == 48);      // dtotal
    CHECK(get_le<std::int64_t>(f, 96) == 4096);    // descroff
    CHECK(get_le<std::int64_t>(f, 104) == 28080);  // descrlen
    CHECK(get_le<std::int64_t>(f, 112) == 32176);  // dataoff
    CHECK(get_le<std::int64_t>(f, 120) == 0);      // datalen
    CHECK(hex(f, 45, 3) == "3030 00");             // arch "00"
    CHECK(all_zero(f, 0, 32));                     // no launch script
    CHECK(all_zero(f, 128, f.size()));

    const Image image = Image::open(path);
    CHECK(image.slots().size() == 48);
    CHECK(image.header().created_at == 1700000000);
    CHECK(image.header().modified_at == 1700000000);
    CHECK(image.header().id.to_string() == "0f8b2f0e-6a57-4c2b-9c1d-3b0a5e6f7a81");
}

TEST_CASE("deterministic images have a nil ID and the unset time", "[create]") {
    TempDir dir;
    const auto path = dir / "det.sif";
    create_image(path, CreateOptions::deterministic());
    const Bytes f = read_file(path);
    CHECK(all_zero(f, 48, 64));
    CHECK(hex(f, 64, 8) == "0009 6e88 f1ff ffff");
    CHECK(hex(f, 72, 8) == "0009 6e88 f1ff ffff");
}

TEST_CASE("create refuses bad options", "[create]") {
    TempDir dir;
    CreateOptions options = fixed_options();
    options.launch_script = std::string(32, 'x');
    auto e = error_of([&] { create_image(dir / "a.sif", options); });
    REQUIRE(e);
    CHECK(e->kind() == ErrorKind::usage);

    options = fixed_options(kMaxDescriptorCapacity + 1);
    e = error_of([&] { create_image(dir / "b.sif", options); });
    REQUIRE(e);
    CHECK(e->kind() == ErrorKind::usage);

    options = fixed_options();
    options.descriptor_offset = 100;
    e = error_of([&] { create_image(dir / "c.sif", options); });
    REQUIRE(e);
    CHECK(e->kind() == ErrorKind::usage);
}

TEST_CASE("objects are placed, aligned and padded as the reference does", "[add]") {
    TempDir dir;
    const auto path = dir / "place.sif";
    const std::string deffile = "Bootstrap: docker\n";  // 18 bytes + 1
    const std::string part(4096, 'p');
    {
        Image image = create_image(path, fixed_options());
        const Descriptor def = add_text(image, spec_of(DataType::deffile), deffile + "x");
        CHECK(def.id == 1);
        CHECK(def.offset == 32176);
        CHECK(def.size == 19);
        CHECK(def.size_with_padding == 19);
        CHECK(image.header().data_size == 19);

        const Descriptor p = add_text(image, partition_spec(PartType::primary_system), part);
        CHECK(p.id == 2);
        CHECK(p.offset == 32768);
        CHECK(p.size == 4096);
        CHECK(p.size_with_padding == 4669);
        CHECK(image.header().data_size == 4688);
        CHECK(image.file_size() == 36864);
    }
    const Bytes f = read_file(path);
    REQUIRE(f.size() == 36864);
    CHECK(get_le<std::int64_t>(f, 120) == 4688);  // datalen
    CHECK(get_le<std::int64_t>(f, 80) == 46);     // dfree
    CHECK(hex(f, 45, 3) == "3032 00");            // the primary partition's arch
    CHECK(get_le<std::int64_t>(f, 72) == 1700000100);
    CHECK(all_zero(f, 32176 + 19, 32768));  // padding
    CHECK(f[32176] == std::byte{'B'});
    CHECK(f[32768] == std::byte{'p'});

    // Slot 1 (ID 2) in the table.
    const std::size_t slot = 4096 + 585;
    CHECK(get_le<std::int32_t>(f, slot) == 0x4004);
    CHECK(get_le<std::uint32_t>(f, slot + 5) == 2);
    CHECK(get_le<std::int64_t>(f, slot + 17) == 32768);
    CHECK(get_le<std::int64_t>(f, slot + 33) == 4669);
    CHECK(get_le<std::int64_t>(f, slot + 41) == 1700000100);
    CHECK(get_le<std::int64_t>(f, slot + 49) == 1700000100);

    const Image image = Image::open(path);
    REQUIRE(image.object_count() == 2);
    CHECK(object_bytes(image, image.object(1)) == bytes_of(deffile + "x"));
    CHECK(object_bytes(image, image.object(2)) == bytes_of(part));
    CHECK(image.primary_partition() != nullptr);
    CHECK(image.primary_partition()->id == 2);
}

TEST_CASE("explicit alignment overrides the default", "[add]") {
    TempDir dir;
    const auto path = dir / "align.sif";
    Image image = create_image(path, fixed_options(4));
    // 4096 + 4*585 = 6436
    ObjectSpec generic = spec_of(DataType::generic);
    generic.alignment = 64;
    const Descriptor a = add_text(image, generic, "abc");
    CHECK(a.offset == 6464);
    CHECK(a.size_with_padding == 28 + 3);

    ObjectSpec unaligned = partition_spec(PartType::data);
    unaligned.alignment = 0;
    const Descriptor b = add_text(image, unaligned, "data");
    CHECK(b.offset == 6467);
    CHECK(b.size_with_padding == 4);
    CHECK(image.header().data_end() == 6471);
    CHECK(image.file_size() == 6471);
}

TEST_CASE("groups, links, names and per-object times are stored raw", "[add]") {
    TempDir dir;
    const auto path = dir / "groups.sif";
    {
        Image image = create_image(path, fixed_options(8));
        add_text(image, spec_of(DataType::labels, "labels"), "{}");  // default group 1
        ObjectSpec none = spec_of(DataType::env_vars);
        none.group = 0;
        add_text(image, none, "A=1");
        ObjectSpec grouped = spec_of(DataType::generic_json);
        grouped.group = 7;
        grouped.link = Link::to_group(3);
        add_text(image, grouped, "[]");
        ObjectSpec linked = spec_of(DataType::crypto_message);
        linked.link = Link::to_object(2);
        linked.extra = CryptoMessageInfo{FormatType::pem, MessageType::rsa_oaep};
        linked.time = 42;
        add_text(image, linked, "msg");
        ObjectSpec long_name = spec_of(DataType::generic, std::string(128, 'n'));
        add_text(image, long_name, "x");
    }
    const Bytes f = read_file(path);
    const auto slot = [](std::size_t i) { return 4096 + i * 585; };
    CHECK(get_le<std::uint32_t>(f, slot(0) + 9) == 0xF0000001U);
    CHECK(get_le<std::uint32_t>(f, slot(0) + 13) == 0);
    CHECK(get_le<std::uint32_t>(f, slot(1) + 9) == 0xF0000000U);
    CHECK(get_le<std::uint32_t>(f, slot(2) + 9) == 0xF0000007U);
    CHECK(get_le<std::uint32_t>(f, slot(2) + 13) == 0xF0000003U);
    CHECK(get_le<std::uint32_t>(f, slot(3) + 13) == 2);
    CHECK(get_le<std::int64_t>(f, slot(3) + 41) == 42);
    CHECK(get_le<std::int64_t>(f, slot(3) + 49) == 42);
    CHECK(get_le<std::int64_t>(f, 72) == 1700000100);  // header mtime: the update time
    CHECK(hex(f, slot(0) + 73, 7) == "6c61 6265 6c73 00");
    CHECK(hex(f, slot(3) + 201, 8) == "0200 0000 0002 0000");

    const Image image = Image::open(path);
    CHECK(image.object(1).group() == 1);
    CHECK(image.object(2).group() == 0);
    CHECK(image.object(3).group() == 7);
    CHECK(image.object(3).link().kind() == Link::Kind::group);
    CHECK(image.object(3).link().target() == 3);
    CHECK(image.object(4).link().kind() == Link::Kind::object);
    CHECK(image.object(5).name_text() == std::string(128, 'n'));
    CHECK(image.groups() == std::vector<std::uint32_t>{1, 7});
    CHECK(image.group_objects(1).size() == 3);  // 1, 4 and 5
    CHECK(image.group_objects(0).size() == 1);
}

TEST_CASE("a full descriptor table refuses another object", "[add][refuse]") {
    TempDir dir;
    const auto path = dir / "full.sif";
    {
        Image image = create_image(path, fixed_options(1));
        add_text(image, spec_of(DataType::generic), "one");
    }
    const Bytes before = read_file(path);
    {
        Image image = Image::open(path, OpenMode::read_write);
        const auto e = error_of([&] { add_text(image, spec_of(DataType::generic), "two"); });
        REQUIRE(e);
        CHECK(e->kind() == ErrorKind::conflict);
        CHECK(e->file() == path.string());
    }
    CHECK(read_file(path) == before);
}

TEST_CASE("a second primary partition is refused and nothing is written", "[add][refuse]") {
    TempDir dir;
    const auto path = dir / "prim.sif";
    {
        Image image = create_image(path, fixed_options(4));
        add_text(image, partition_spec(PartType::primary_system), "hsqs");
    }
    const Bytes before = read_file(path);
    {
        Image image = Image::open(path, OpenMode::read_write);
        const auto e = error_of(
            [&] { add_text(image, partition_spec(PartType::primary_system, "arm64"), "hsqs2"); });
        REQUIRE(e);
        CHECK(e->kind() == ErrorKind::conflict);
        // A System partition is still fine afterwards.
        CHECK(image.object_count() == 1);
    }
    CHECK(read_file(path) == before);
}

TEST_CASE("invalid object specs are refused before anything is written", "[add][refuse]") {
    TempDir dir;
    const auto path = dir / "spec.sif";
    create_image(path, fixed_options(4));
    const Bytes before = read_file(path);
    {
        Image image = Image::open(path, OpenMode::read_write);
        ObjectSpec no_extra = spec_of(DataType::partition);
        ObjectSpec long_name = spec_of(DataType::generic, std::string(129, 'n'));
        ObjectSpec bad_digest = spec_of(DataType::oci_blob);
        bad_digest.extra = OciDigest{"sha256:XYZ"};
        ObjectSpec wrong_extra = spec_of(DataType::deffile);
        wrong_extra.extra = SbomFormat::spdx_json;
        ObjectSpec unknown_arch = partition_spec(PartType::system);
        unknown_arch.extra = PartitionInfo{FsType::squashfs, PartType::system, Arch()};
        for (const ObjectSpec& spec :
             {no_extra, long_name, bad_digest, wrong_extra, unknown_arch}) {
            const auto e = error_of([&] { add_text(image, spec, "data"); });
            REQUIRE(e);
            CHECK(e->kind() == ErrorKind::usage);
        }
    }
    CHECK(read_file(path) == before);
}

TEST_CASE("a read-only image refuses every update", "[add][refuse]") {
    TempDir dir;
    const auto path = dir / "ro.sif";
    {
        Image image = create_image(path, fixed_options(4));
        add_text(image, partition_spec(PartType::system), "hsqs");
    }
    const Bytes before = read_file(path);
    {
        Image image = Image::open(path);
        CHECK_FALSE(image.writable());
        auto e = error_of([&] { add_text(image, spec_of(DataType::generic), "x"); });
        REQUIRE(e);
        CHECK(e->kind() == ErrorKind::usage);
        e = error_of([&] { (void)image.begin_object(spec_of(DataType::generic)); });
        REQUIRE(e);
        CHECK(e->kind() == ErrorKind::usage);
        e = error_of([&] { image.remove(1); });
        REQUIRE(e);
        CHECK(e->kind() == ErrorKind::usage);
        e = error_of([&] { image.set_primary(1); });
        REQUIRE(e);
        CHECK(e->kind() == ErrorKind::usage);
    }
    CHECK(read_file(path) == before);
}

TEST_CASE("an object writer can seek back and is given back when abandoned", "[add]") {
    TempDir dir;
    const auto path = dir / "writer.sif";
    Image image = create_image(path, fixed_options(4));
    const std::uint64_t size_before = image.file_size();
    {
        ObjectWriter writer = image.begin_object(spec_of(DataType::generic));
        writer.write(bytes_of("hello world"));
        CHECK(writer.size() == 11);
        // A second writer while one is active is refused.
        const auto e = error_of([&] { (void)image.begin_object(spec_of(DataType::generic)); });
        REQUIRE(e);
        CHECK(e->kind() == ErrorKind::usage);
    }
    CHECK(image.object_count() == 0);
    CHECK(std::filesystem::file_size(path) == size_before);

    ObjectWriter writer = image.begin_object(spec_of(DataType::generic));
    writer.write(bytes_of("xxxxx world"));
    writer.write_at(0, bytes_of("hello"));
    Bytes back(5);
    CHECK(writer.read_at(0, back) == 5);
    CHECK(back == bytes_of("hello"));
    const Descriptor& d = writer.commit();
    CHECK(d.size == 11);
    CHECK(object_bytes(image, d) == bytes_of("hello world"));
}
