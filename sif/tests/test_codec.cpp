// Header and descriptor encoding: round trips, field offsets, typed extras (§3-§5) and the
// worked example of format §8, byte for byte.
#include <catch2/catch.hpp>

#include "sifkit/sif/descriptor.hpp"
#include "sifkit/sif/header.hpp"
#include "sifkit/sif/image.hpp"
#include "support.hpp"

using namespace sifkit;
using namespace sifkit::sif;
using sifkit::test::get_le;
using sifkit::test::hex;

namespace {

Header sample_header() {
    Header h;
    const std::string launch = "#!/bin/sh\n";
    std::copy(launch.begin(), launch.end(), h.launch_script.begin());
    h.arch = *Arch::from_go_name("arm64");
    h.id = *Uuid::parse("0f8b2f0e-6a57-4c2b-9c1d-3b0a5e6f7a81");
    h.created_at = 1700000000;
    h.modified_at = 1700000123;
    h.descriptors_free = 3;
    h.descriptors_total = 4;
    h.descriptors_offset = 4096;
    h.descriptors_size = 4 * 585;
    h.data_offset = 4096 + 4 * 585;
    h.data_size = 777;
    return h;
}

Descriptor sample_descriptor() {
    Descriptor d;
    d.data_type = static_cast<std::int32_t>(DataType::partition);
    d.used = true;
    d.id = 7;
    d.group_raw = kGroupMask | 3;
    d.link_raw = 5;
    d.offset = 0x123456789A;
    d.size = 0x1122334455;
    d.size_with_padding = 0x1122334455 + 100;
    d.created_at = -62135596800;
    d.modified_at = 1700000000;
    d.uid = 1000;
    d.gid = 1001;
    const std::string name = "rootfs";
    std::copy(name.begin(), name.end(), d.name.begin());
    d.extra = encode_extra(PartitionInfo{FsType::ext3, PartType::overlay, Arch{{'1', '2', '\0'}}});
    return d;
}

}  // namespace

TEST_CASE("header encodes every field at its offset and decodes back", "[codec]") {
    const Header h = sample_header();
    const auto bytes = h.encode();
    const std::span<const std::byte> b(bytes);
    CHECK(hex(b, 0, 10) == "2321 2f62 696e 2f73 680a");
    CHECK(hex(b, 32, 10) == "5349 465f 4d41 4749 4300");
    CHECK(hex(b, 42, 3) == "3031 00");
    CHECK(hex(b, 45, 3) == "3034 00");
    CHECK(hex(b, 48, 16) == "0f8b 2f0e 6a57 4c2b 9c1d 3b0a 5e6f 7a81");
    CHECK(get_le<std::int64_t>(b, 64) == 1700000000);
    CHECK(get_le<std::int64_t>(b, 72) == 1700000123);
    CHECK(get_le<std::int64_t>(b, 80) == 3);
    CHECK(get_le<std::int64_t>(b, 88) == 4);
    CHECK(get_le<std::int64_t>(b, 96) == 4096);
    CHECK(get_le<std::int64_t>(b, 104) == 2340);
    CHECK(get_le<std::int64_t>(b, 112) == 6436);
    CHECK(get_le<std::int64_t>(b, 120) == 777);

    const Header back = Header::decode(bytes);
    CHECK(back == h);
    CHECK(back.launch_script_text() == "#!/bin/sh\n");
    CHECK(back.version_text() == "01");
    CHECK(back.data_end() == 6436 + 777);
    CHECK(back.arch.go_name() == "arm64");
}

TEST_CASE("a default header encodes the unset time", "[codec]") {
    const auto bytes = Header{}.encode();
    CHECK(hex(bytes, 64, 8) == "0009 6e88 f1ff ffff");
    CHECK(hex(bytes, 72, 8) == "0009 6e88 f1ff ffff");
    CHECK(hex(bytes, 45, 3) == "3030 00");
}

TEST_CASE("descriptor encodes every field at its offset and decodes back", "[codec]") {
    const Descriptor d = sample_descriptor();
    const auto bytes = d.encode();
    const std::span<const std::byte> b(bytes);
    CHECK(get_le<std::int32_t>(b, 0) == 0x4004);
    CHECK(hex(b, 4, 1) == "01");
    CHECK(get_le<std::uint32_t>(b, 5) == 7);
    CHECK(get_le<std::uint32_t>(b, 9) == 0xF0000003U);
    CHECK(get_le<std::uint32_t>(b, 13) == 5);
    CHECK(get_le<std::int64_t>(b, 17) == 0x123456789A);
    CHECK(get_le<std::int64_t>(b, 25) == 0x1122334455);
    CHECK(get_le<std::int64_t>(b, 33) == 0x1122334455 + 100);
    CHECK(get_le<std::int64_t>(b, 41) == -62135596800);
    CHECK(get_le<std::int64_t>(b, 49) == 1700000000);
    CHECK(get_le<std::int64_t>(b, 57) == 1000);
    CHECK(get_le<std::int64_t>(b, 65) == 1001);
    CHECK(hex(b, 73, 7) == "726f 6f74 6673 00");
    CHECK(hex(b, 201, 12) == "0200 0000 0400 0000 3132 0000");

    const Descriptor back = Descriptor::decode(bytes);
    CHECK(back == d);
    CHECK(back.name_text() == "rootfs");
    CHECK(back.group() == 3);
    CHECK(back.link().kind() == Link::Kind::object);
    CHECK(back.link().target() == 5);
    CHECK(back.end() == 0x123456789A + 0x1122334455);
    CHECK(back.partition() ==
          PartitionInfo{FsType::ext3, PartType::overlay, Arch{{'1', '2', '\0'}}});
    CHECK(back.partition().arch.go_name() == "riscv64");
}

TEST_CASE("an unused descriptor is 585 zero bytes", "[codec]") {
    const auto bytes = Descriptor{}.encode();
    CHECK(sifkit::test::all_zero(bytes, 0, bytes.size()));
    CHECK(Descriptor::decode(bytes) == Descriptor{});
}

TEST_CASE("links and groups keep their raw values", "[codec]") {
    CHECK(Link().kind() == Link::Kind::none);
    CHECK(Link().raw() == 0);
    CHECK(Link::to_object(9).raw() == 9);
    CHECK(Link::to_object(9).kind() == Link::Kind::object);
    CHECK(Link::to_group(2).raw() == 0xF0000002U);
    CHECK(Link::to_group(2).kind() == Link::Kind::group);
    CHECK(Link::to_group(2).target() == 2);
    // The reference's LinkedID(): no ID left after masking is no link, whatever the flags.
    CHECK(Link::from_raw(0xF0000000U).kind() == Link::Kind::none);
    CHECK(Link::from_raw(0xF0000000U).raw() == 0xF0000000U);
    CHECK(Link::from_raw(0x80000000U).kind() == Link::Kind::none);
    CHECK(Link::from_raw(0x80000005U).kind() == Link::Kind::object);
    CHECK(Link::from_raw(0x80000005U).target() == 5);
}

TEST_CASE("typed extras encode at the offsets of §5.1", "[codec]") {
    SECTION("partition: fstype @0, parttype @4, arch @8") {
        const auto e = encode_extra(PartitionInfo{FsType::encrypted_squashfs, PartType::data,
                                                  *Arch::from_go_name("s390x")});
        CHECK(hex(e, 0, 12) == "0500 0000 0300 0000 3131 0000");
        CHECK(sifkit::test::all_zero(e, 11, e.size()));
    }
    SECTION("signature: hashtype @0, fingerprint @4..24") {
        SignatureInfo s;
        s.hash_type = HashType::sha384;
        for (std::size_t i = 0; i < s.fingerprint.size(); ++i) {
            s.fingerprint[i] = static_cast<std::uint8_t>(0xA0 + i);
        }
        const auto e = encode_extra(s);
        CHECK(hex(e, 0, 4) == "0200 0000");
        CHECK(hex(e, 4, 20) == "a0a1 a2a3 a4a5 a6a7 a8a9 aaab acad aeaf b0b1 b2b3");
        CHECK(sifkit::test::all_zero(e, 24, e.size()));
        CHECK(s.has_fingerprint());
        CHECK_FALSE(SignatureInfo{}.has_fingerprint());
    }
    SECTION("crypto message: format @0, message @4") {
        const auto e = encode_extra(CryptoMessageInfo{FormatType::pem, MessageType::rsa_oaep});
        CHECK(hex(e, 0, 8) == "0200 0000 0002 0000");
        CHECK(sifkit::test::all_zero(e, 8, e.size()));
    }
    SECTION("sbom: format @0") {
        const auto e = encode_extra(SbomFormat::spdx_json);
        CHECK(hex(e, 0, 4) == "0400 0000");
        CHECK(sifkit::test::all_zero(e, 4, e.size()));
    }
    SECTION("OCI digest: text @0, NUL padded") {
        const std::string digest = "sha256:" + std::string(64, 'a');
        const auto e = encode_extra(OciDigest{digest});
        CHECK(hex(e, 0, 8) == "7368 6132 3536 3a61");
        CHECK(hex(e, 70, 2) == "6100");
        CHECK(sifkit::test::all_zero(e, 71, e.size()));
        CHECK(OciDigest{digest}.well_formed());
        CHECK_FALSE(OciDigest{"sha256:ABC"}.well_formed());
        CHECK_FALSE(OciDigest{"nocolon"}.well_formed());
    }
    SECTION("no extra: all zero") {
        const auto e = encode_extra(std::monostate{});
        CHECK(sifkit::test::all_zero(e, 0, e.size()));
    }
}

TEST_CASE("typed extra accessors decode and refuse other types", "[codec]") {
    Descriptor d;
    d.used = true;
    d.id = 4;

    d.data_type = static_cast<std::int32_t>(DataType::signature);
    SignatureInfo s;
    s.hash_type = HashType::blake2b_256;
    s.fingerprint[19] = 0x42;
    d.extra = encode_extra(s);
    CHECK(d.signature() == s);
    auto e = sifkit::test::error_of([&] { (void)d.partition(); });
    REQUIRE(e);
    CHECK(e->kind() == ErrorKind::usage);

    d.data_type = static_cast<std::int32_t>(DataType::crypto_message);
    d.extra = encode_extra(CryptoMessageInfo{FormatType::openpgp, MessageType::rsa_oaep});
    CHECK(d.crypto_message() == CryptoMessageInfo{FormatType::openpgp, MessageType::rsa_oaep});
    e = sifkit::test::error_of([&] { (void)d.signature(); });
    REQUIRE(e);
    CHECK(e->kind() == ErrorKind::usage);

    d.data_type = static_cast<std::int32_t>(DataType::sbom);
    d.extra = encode_extra(SbomFormat::syft_json);
    CHECK(d.sbom_format() == SbomFormat::syft_json);
    e = sifkit::test::error_of([&] { (void)d.oci_digest(); });
    REQUIRE(e);
    CHECK(e->kind() == ErrorKind::usage);

    for (DataType type : {DataType::oci_blob, DataType::oci_root_index}) {
        d.data_type = static_cast<std::int32_t>(type);
        d.extra = encode_extra(OciDigest{"sha256:0123"});
        CHECK(d.oci_digest().value == "sha256:0123");
        e = sifkit::test::error_of([&] { (void)d.sbom_format(); });
        REQUIRE(e);
        CHECK(e->kind() == ErrorKind::usage);
    }

    // A digest filling all 384 bytes has no NUL: the whole field is the text.
    d.extra.fill(std::byte{'a'});
    CHECK(d.oci_digest().value.size() == kExtraSize);
}

TEST_CASE("the worked example of §8 is reproduced byte for byte", "[codec][golden]") {
    sifkit::test::TempDir dir;
    const auto path = dir / "tiny.sif";
    {
        CreateOptions options;
        options.launch_script = "#!/usr/bin/env run-singularity\n";
        options.id = Uuid::parse("0f8b2f0e-6a57-4c2b-9c1d-3b0a5e6f7a81");
        options.time = 1700000000;
        options.descriptor_capacity = 2;
        Image image = sifkit::test::create_image(path, options);
        ObjectSpec spec;
        spec.type = DataType::partition;
        spec.name = "rootfs";
        spec.extra =
            PartitionInfo{FsType::squashfs, PartType::primary_system, *Arch::from_go_name("amd64")};
        MemorySource source(std::string_view("hsqs"));
        const Descriptor& d = image.add(spec, source, UpdateOptions{1700000000});
        CHECK(d.id == 1);
        CHECK(d.offset == 8192);
        CHECK(image.file_size() == 8196);
    }
    const auto f = sifkit::test::read_file(path);
    REQUIRE(f.size() == 8196);
    CHECK(hex(f, 0x00, 16) == "2321 2f75 7372 2f62 696e 2f65 6e76 2072");
    CHECK(hex(f, 0x10, 16) == "756e 2d73 696e 6775 6c61 7269 7479 0a00");
    CHECK(hex(f, 0x20, 16) == "5349 465f 4d41 4749 4300 3031 0030 3200");
    CHECK(hex(f, 0x30, 16) == "0f8b 2f0e 6a57 4c2b 9c1d 3b0a 5e6f 7a81");
    CHECK(hex(f, 0x40, 16) == "00f1 5365 0000 0000 00f1 5365 0000 0000");
    CHECK(hex(f, 0x50, 16) == "0100 0000 0000 0000 0200 0000 0000 0000");
    CHECK(hex(f, 0x60, 16) == "0010 0000 0000 0000 9204 0000 0000 0000");
    CHECK(hex(f, 0x70, 16) == "9214 0000 0000 0000 720b 0000 0000 0000");
    CHECK(hex(f, 0x80, 16) == "0000 0000 0000 0000 0000 0000 0000 0000");
    CHECK(sifkit::test::all_zero(f, 0x80, 0x1000));  // "*"
    CHECK(hex(f, 0x1000, 16) == "0440 0000 0101 0000 0001 0000 f000 0000");
    CHECK(hex(f, 0x1010, 16) == "0000 2000 0000 0000 0004 0000 0000 0000");
    CHECK(hex(f, 0x1020, 16) == "0072 0b00 0000 0000 0000 f153 6500 0000");
    CHECK(hex(f, 0x1030, 16) == "0000 f153 6500 0000 0000 0000 0000 0000");
    CHECK(hex(f, 0x1040, 16) == "0000 0000 0000 0000 0072 6f6f 7466 7300");
    CHECK(hex(f, 0x1050, 16) == "0000 0000 0000 0000 0000 0000 0000 0000");
    CHECK(sifkit::test::all_zero(f, 0x1050, 0x10c0));  // "*"
    CHECK(hex(f, 0x10c0, 16) == "0000 0000 0000 0000 0001 0000 0002 0000");
    CHECK(hex(f, 0x10d0, 16) == "0030 3200 0000 0000 0000 0000 0000 0000");
    CHECK(hex(f, 0x10e0, 16) == "0000 0000 0000 0000 0000 0000 0000 0000");
    CHECK(sifkit::test::all_zero(f, 0x10e0, 0x2000));  // "*", slot 2 @0x1249 included
    CHECK(hex(f, 0x2000, 4) == "6873 7173");

    const Image image = Image::open(path);
    CHECK(image.header().launch_script_text() == "#!/usr/bin/env run-singularity\n");
    CHECK(image.header().data_offset == 5266);
    CHECK(image.header().data_size == 2930);
    CHECK(image.object(1).size_with_padding == 2930);
    CHECK(image.object(1).partition().arch.go_name() == "amd64");
}
