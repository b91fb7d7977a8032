// Us -> reference: images written by our library in many variants (every data type including
// the OCI types, groups, links, alignments, deletes, set-primary) read back through the reference
// library (`sifcheck dump`) with every field equal, and `siftool list` accepts them.
#include <catch2/catch.hpp>

#include "common.hpp"

using namespace interop;

namespace {

void check_reference_reads(const fs::path& path, const std::string& step) {
    INFO(step);
    const auto image = sif::Image::open(path);
    check_against_dump(image, sifcheck_dump(path), step);
    check_against_integrity(image, sifcheck_integrity(path), step);
    const auto listed = run_siftool({"list", path.string()});
    INFO(listed.describe());
    CHECK(listed.exit_code == 0);
    const auto header = run_siftool({"header", path.string()});
    CHECK(header.exit_code == 0);
    for (const auto& d : image.objects()) {
        const auto info = run_siftool({"info", std::to_string(d.id), path.string()});
        CHECK(info.exit_code == 0);
        const auto dumped = run_siftool({"dump", std::to_string(d.id), path.string()});
        CHECK(dumped.exit_code == 0);
        CHECK(dumped.out == object_bytes(image, d));
    }
}

sif::ObjectSpec spec_of(sif::DataType type, sif::Extra extra = {}) {
    sif::ObjectSpec spec;
    spec.type = type;
    spec.extra = std::move(extra);
    return spec;
}

}  // namespace

TEST_CASE("every data type written by the library reads back through the reference",
          "[us][oracle]") {
    sifkit::test::TempDir dir;
    const auto path = dir / "all-types.sif";
    Rng rng(42);
    auto options = sif::CreateOptions::deterministic();
    options.launch_script = "#!/usr/bin/env run-singularity\n";
    options.id = sif::Uuid::parse("0f8b2f0e-6a57-4c2b-9c1d-3b0a5e6f7a81");
    options.time = 1700000000;
    { auto image = create_image(path, options); }
    check_reference_reads(path, "empty");

    struct Step {
        std::string what;
        sif::ObjectSpec spec;
        std::string data;
    };
    std::vector<Step> steps;
    steps.push_back({"deffile", spec_of(sif::DataType::deffile), "bootstrap: scratch\n"});
    steps.back().spec.name = "recipe.def";
    steps.push_back({"env", spec_of(sif::DataType::env_vars), "PATH=/bin\n"});
    steps.push_back({"labels", spec_of(sif::DataType::labels), "{\"a\":\"b\"}"});
    steps.push_back(
        {"primary squashfs",
         spec_of(sif::DataType::partition,
                 partition(sif::FsType::squashfs, sif::PartType::primary_system, "arm64")),
         rng.bytes(5000)});
    steps.push_back({"ext3 overlay in group 2",
                     spec_of(sif::DataType::partition,
                             partition(sif::FsType::ext3, sif::PartType::overlay, "amd64")),
                     rng.bytes(4096)});
    steps.back().spec.group = 2;
    steps.push_back({"raw system unaligned, no group",
                     spec_of(sif::DataType::partition,
                             partition(sif::FsType::raw, sif::PartType::system, "riscv64")),
                     rng.bytes(3)});
    steps.back().spec.group = 0;
    steps.back().spec.alignment = 0;
    steps.push_back({"immutable data partition aligned 512",
                     spec_of(sif::DataType::partition, partition(sif::FsType::immutable_object,
                                                                 sif::PartType::data, "s390x")),
                     rng.bytes(777)});
    steps.back().spec.alignment = 512;
    sif::SignatureInfo signature;
    signature.hash_type = sif::HashType::sha512;
    for (std::size_t i = 0; i < signature.fingerprint.size(); ++i) {
        signature.fingerprint[i] = static_cast<std::uint8_t>(0xA0 + i);
    }
    steps.push_back({"signature linked to group 1", spec_of(sif::DataType::signature, signature),
                     "-----BEGIN PGP SIGNED MESSAGE-----\n"});
    steps.back().spec.group = 0;
    steps.back().spec.link = sif::Link::to_group(1);
    steps.push_back(
        {"generic json linked to object 1", spec_of(sif::DataType::generic_json), "{}"});
    steps.back().spec.link = sif::Link::to_object(1);
    steps.push_back({"generic empty", spec_of(sif::DataType::generic), ""});
    steps.back().spec.name = std::string(128, 'n');
    sif::CryptoMessageInfo message;
    message.format_type = sif::FormatType::pem;
    message.message_type = sif::MessageType::rsa_oaep;
    steps.push_back(
        {"crypto message", spec_of(sif::DataType::crypto_message, message), rng.bytes(300)});
    steps.push_back({"sbom", spec_of(sif::DataType::sbom, sif::SbomFormat::spdx_json),
                     "{\"spdxVersion\":\"SPDX-2.3\"}"});
    steps.back().spec.time = 1234567890;
    const std::string blob = "{\"schemaVersion\":2,\"layers\":[]}";
    steps.push_back({"oci blob",
                     spec_of(sif::DataType::oci_blob,
                             sif::OciDigest{"sha256:" + sifkit::test::sha256_hex(blob)}),
                     blob});
    steps.back().spec.group = 3;
    const std::string index = "{\"schemaVersion\":2,\"manifests\":[]}";
    steps.push_back({"oci root index",
                     spec_of(sif::DataType::oci_root_index,
                             sif::OciDigest{"sha256:" + sifkit::test::sha256_hex(index)}),
                     index});
    steps.back().spec.group = 3;
    steps.back().spec.alignment = 4096;
    steps.push_back({"unknown type code", spec_of(static_cast<sif::DataType>(0x4042)), "x"});

    std::int64_t t = 1700000100;
    for (const auto& step : steps) {
        {
            auto image = open_rw(path);
            add_bytes(image, step.spec, step.data, sif::UpdateOptions{t++});
        }
        check_reference_reads(path, "after add " + step.what);
    }

    {
        auto image = open_rw(path);
        image.set_primary(6, sif::UpdateOptions{t++});  // raw riscv64 system partition
    }
    check_reference_reads(path, "after set_primary 6");
    {
        const auto image = sif::Image::open(path);
        CHECK(image.header().arch == arch("riscv64"));
        CHECK(image.object(4).partition().part_type == sif::PartType::system);
    }

    sif::DeleteOptions zero;
    zero.zero = true;
    zero.time = t++;
    {
        auto image = open_rw(path);
        image.remove(2, zero);
    }
    check_reference_reads(path, "after zeroing delete of 2");
    {
        auto image = open_rw(path);
        image.remove(6, sif::DeleteOptions{false, false, t++});  // the primary partition
    }
    check_reference_reads(path, "after delete of the primary");
    {
        auto image = open_rw(path);
        const auto last = image.objects().back().id;
        image.remove(last, sif::DeleteOptions{false, true, t++});
    }
    check_reference_reads(path, "after compacting delete of the last object");
    {
        auto image = open_rw(path);
        add_bytes(image, spec_of(sif::DataType::generic), "reused slot", sif::UpdateOptions{t++});
        CHECK(image.find(2) != nullptr);
    }
    check_reference_reads(path, "after add reusing slot 2");
}

TEST_CASE("random library images read back through the reference", "[us][oracle]") {
    for (std::uint64_t seed = 100; seed < 116; ++seed) {
        INFO("seed " << seed);
        sifkit::test::TempDir dir;
        const auto path = dir / "random.sif";
        Rng rng(seed);
        sif::CreateOptions options;  // random UUID, current time
        options.descriptor_capacity = static_cast<std::int64_t>(rng.below(20) + 4);
        { auto image = create_image(path, options); }
        auto image = open_rw(path);
        const auto count = static_cast<std::size_t>(
            rng.below(static_cast<std::uint64_t>(options.descriptor_capacity)));
        for (std::size_t i = 0; i < count; ++i) {
            const std::int32_t codes[] = {0x4001, 0x4002, 0x4003, 0x4004, 0x4005, 0x4006,
                                          0x4007, 0x4008, 0x4009, 0x400A, 0x400B};
            sif::ObjectSpec spec;
            spec.type = static_cast<sif::DataType>(codes[rng.below(std::size(codes))]);
            const auto data = rng.bytes(rng.below(6000));
            switch (spec.type) {
                case sif::DataType::partition:
                    spec.extra = partition(
                        static_cast<sif::FsType>(rng.below(5) + 1),
                        rng.below(2) == 0 ? sif::PartType::data : sif::PartType::system, "amd64");
                    break;
                case sif::DataType::signature:
                    spec.extra = sif::SignatureInfo{};
                    break;
                case sif::DataType::sbom:
                    spec.extra = static_cast<sif::SbomFormat>(rng.below(8) + 1);
                    break;
                case sif::DataType::oci_blob:
                case sif::DataType::oci_root_index:
                    spec.extra = sif::OciDigest{"sha256:" + sifkit::test::sha256_hex(data)};
                    break;
                default:
                    break;
            }
            spec.group = static_cast<std::uint32_t>(rng.below(4));
            if (rng.below(3) == 0) {
                spec.alignment = std::uint64_t{1} << rng.below(13);
            }
            spec.name = "o" + std::to_string(i);
            add_bytes(image, spec, data);
        }
        if (image.object_count() > 1 && rng.below(2) == 0) {
            image.remove(image.objects().front().id);
        }
        const auto snapshot_path = path;
        image = sif::Image::open(path);
        check_against_dump(image, sifcheck_dump(snapshot_path), "random");
        check_against_integrity(image, sifcheck_integrity(snapshot_path), "random");
        const auto listed = run_siftool({"list", path.string()});
        INFO(listed.describe());
        CHECK(listed.exit_code == 0);
    }
}
