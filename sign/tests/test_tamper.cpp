// The tamper matrix: for a signed image, every covered region changed makes verification fail
// with the right status and reason; uncovered fields changed (or objects moved) still verify.
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <functional>
#include <random>

#include "shared_fixtures.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/image.hpp"
#include "sifkit/sign/verify.hpp"

using namespace sifkit;
namespace fs = std::filesystem;

namespace {

// one-group-signed-dsse.sif: object 1 (4 bytes at 32768), object 2 (4096 bytes at 36864) in
// group 1; signature 3 (the DSSE envelope) linked to group 1. Descriptor slot N at 4096 + N*585.
constexpr std::uint64_t kSlot = 585;
constexpr std::uint64_t kTable = 4096;

struct Copy {
    fs::path dir;
    fs::path path;
    Copy() {
        std::random_device seed;
        dir = fs::temp_directory_path() / ("sifkit-tamper-" + std::to_string(seed()));
        fs::create_directories(dir);
        path = dir / "image.sif";
        fs::copy_file(upstream_fixture("images/one-group-signed-dsse.sif"), path);
        fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
    }
    ~Copy() { fs::remove_all(dir); }
    void write(std::uint64_t offset, std::string_view bytes) const {
        auto storage = sif::FileStorage::open(path, sif::OpenMode::read_write);
        storage->write_at(offset, std::as_bytes(std::span(bytes.data(), bytes.size())));
    }
    void flip(std::uint64_t offset) const {
        auto storage = sif::FileStorage::open(path, sif::OpenMode::read_write);
        std::byte b{};
        storage->read_exact(offset, std::span(&b, 1));
        b ^= std::byte{0x01};
        storage->write_at(offset, std::span(&b, 1));
    }
    std::string read(std::uint64_t offset, std::size_t size) const {
        std::string out(size, '\0');
        auto storage = sif::FileStorage::open(path, sif::OpenMode::read_only);
        storage->read_exact(offset, std::as_writable_bytes(std::span(out)));
        return out;
    }
};

sign::VerifyReport verify(const fs::path& image, const char* key = "ed25519-public.pem") {
    const auto trusted = sign::PublicKey::load(upstream_fixture(std::string("keys/") + key));
    sign::VerifyOptions options;
    options.keys = {&trusted};
    return sign::verify_image(sif::Image::open(image), options);
}

std::string first_failure(const sign::VerifyReport& report) {
    for (const auto& f : report.findings) {
        if (f.status != sign::VerifyStatus::verified) {
            return f.reason;
        }
    }
    return {};
}

struct Case {
    const char* what;
    std::function<void(const Copy&)> change;
    sign::VerifyStatus status;
    std::string reason;  // a substring of the first failing finding's reason
};

// Replaces the first occurrence of `from` inside the envelope by a same-length `to`; a `to`
// ending in '?' keeps the character after `from`, changed.
void edit_envelope(const Copy& c, const std::string& from, std::string to) {
    const auto signature = sif::Image::open(c.path).object(3);
    const auto offset = static_cast<std::uint64_t>(signature.offset);
    const std::string envelope = c.read(offset, static_cast<std::size_t>(signature.size));
    const auto at = envelope.find(from);
    REQUIRE(at != std::string::npos);
    if (to.ends_with('?')) {
        const char next = envelope[at + from.size()];
        to.back() = next == 'A' ? 'B' : 'A';
        to = from + to.back();
    }
    REQUIRE((from.size() == to.size() || to.size() == from.size() + 1));
    c.write(offset + at, to);
}

}  // namespace

TEST_CASE("every covered region of a signed image is protected") {
    using S = sign::VerifyStatus;
    const std::uint64_t slot2 = kTable + kSlot;  // object 2
    const std::vector<Case> cases{
        {"launch script", [](const Copy& c) { c.write(0, "#!"); }, S::invalid,
         "header integrity compromised"},
        {"UUID", [](const Copy& c) { c.flip(48); }, S::invalid, "header integrity compromised"},
        {"datatype", [&](const Copy& c) { c.write(slot2 + 0, "\x07"); }, S::invalid,
         "data object descriptor integrity compromised: 2"},
        {"relative id", [&](const Copy& c) { c.write(slot2 + 5, "\x05"); }, S::invalid,
         "object 5: object not signed"},
        {"link", [&](const Copy& c) { c.write(slot2 + 13, "\x01"); }, S::invalid,
         "data object descriptor integrity compromised: 2"},
        {"size", [&](const Copy& c) { c.write(slot2 + 26, "\x0f"); }, S::invalid,
         "data object descriptor integrity compromised: 2"},
        {"ctime", [&](const Copy& c) { c.flip(slot2 + 41); }, S::invalid,
         "data object descriptor integrity compromised: 2"},
        {"uid", [&](const Copy& c) { c.write(slot2 + 57, "\x01"); }, S::invalid,
         "data object descriptor integrity compromised: 2"},
        {"gid", [&](const Copy& c) { c.write(slot2 + 65, "\x01"); }, S::invalid,
         "data object descriptor integrity compromised: 2"},
        {"name", [&](const Copy& c) { c.write(slot2 + 73, "x"); }, S::invalid,
         "data object descriptor integrity compromised: 2"},
        {"extra", [&](const Copy& c) { c.write(slot2 + 201 + 8, "03"); }, S::invalid,
         "data object descriptor integrity compromised: 2"},
        {"object 1 bytes", [](const Copy& c) { c.flip(32768); }, S::invalid,
         "data object integrity compromised: 1"},
        {"object 2 bytes", [](const Copy& c) { c.flip(36864 + 4095); }, S::invalid,
         "data object integrity compromised: 2"},
        {"envelope payload",
         [](const Copy& c) { edit_envelope(c, "\"payload\":\"eyJ", "\"payload\":\"fyJ"); },
         S::invalid, "does not verify"},
        {"envelope payloadType",
         [](const Copy& c) { edit_envelope(c, "vnd.sylabs", "vnd.sylabz"); }, S::invalid,
         "unexpected DSSE payload type"},
        {"envelope signature", [](const Copy& c) { edit_envelope(c, "\"sig\":\"", "?"); },
         S::invalid, "does not verify"},
        {"signature hash type 0",
         [](const Copy& c) { c.write(kTable + 2 * kSlot + 201, std::string_view("\0", 1)); },
         S::invalid, "hash algorithm unsupported"},
        {"signature linked to a missing group",
         [](const Copy& c) { c.write(kTable + 2 * kSlot + 13, "\x09"); }, S::not_signed,
         "signature not found for object group 1"},
    };
    for (const auto& c : cases) {
        INFO(c.what);
        Copy copy;
        c.change(copy);
        const auto report = verify(copy.path);
        CHECK(report.status == c.status);
        CHECK_THAT(first_failure(report), Catch::Contains(c.reason));
    }
}

TEST_CASE("uncovered fields and moved objects do not break a signature") {
    const std::vector<std::pair<const char*, std::function<void(const Copy&)>>> cases{
        {"header mtime", [](const Copy& c) { c.flip(72); }},
        {"header arch", [](const Copy& c) { c.write(45, "03"); }},
        {"header dfree", [](const Copy& c) { c.write(80, "\x07"); }},
        {"descriptor mtime", [](const Copy& c) { c.flip(kTable + kSlot + 49); }},
        {"signature hash type 2", [](const Copy& c) { c.write(kTable + 2 * kSlot + 201, "\x02"); }},
        {"object 1 moved to the start of the data section",
         [](const Copy& c) {
             // A legal compaction: the 4 bytes move from 32768 to 32176 (= dataoff) and the
             // descriptor's offset and padding follow; neither is covered.
             const std::string data = c.read(32768, 4);
             c.write(32768, std::string(4, '\0'));
             c.write(32176, data);
             std::string fields(16, '\0');
             const std::int64_t offset = 32176;
             const std::int64_t padded = 4;
             std::memcpy(fields.data(), &offset, 8);  // little-endian host, as the format
             std::memcpy(fields.data() + 8, &padded, 8);
             c.write(kTable + 17, fields.substr(0, 8));
             c.write(kTable + 33, fields.substr(8));
         }},
    };
    for (const auto& [what, change] : cases) {
        INFO(what);
        Copy copy;
        change(copy);
        const auto report = verify(copy.path);
        CHECK(report.status == sign::VerifyStatus::verified);
        CHECK(first_failure(report).empty());
    }
}

TEST_CASE("changing the group's membership, the keys or the signatures fails") {
    {
        Copy copy;  // an unsigned object joins the signed group
        sif::Image image = sif::Image::open(copy.path, sif::OpenMode::read_write);
        sif::ObjectSpec spec;
        spec.type = sif::DataType::generic;
        spec.group = 1;
        sif::MemorySource source(std::string_view("extra"));
        image.add(spec, source);
        CHECK_THAT(first_failure(verify(copy.path)),
                   Catch::Contains("object 4: object not signed"));
    }
    {
        Copy copy;  // a signed object leaves
        sif::Image::open(copy.path, sif::OpenMode::read_write).remove(1);
        const auto report = verify(copy.path);
        CHECK(report.status == sign::VerifyStatus::invalid);
        CHECK_THAT(first_failure(report), Catch::Contains("signed object not found"));
    }
    {
        Copy copy;  // the wrong key
        const auto report = verify(copy.path, "ecdsa-public.pem");
        CHECK(report.status == sign::VerifyStatus::untrusted);
    }
    {
        // The same envelope again, linked to another group: it does not describe that group.
        fs::path dir = fs::temp_directory_path() / "sifkit-tamper-dup";
        fs::remove_all(dir);
        fs::create_directories(dir);
        const auto path = dir / "two.sif";
        fs::copy_file(upstream_fixture("images/two-groups-signed-dsse.sif"), path);
        fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
        {
            sif::Image image = sif::Image::open(path, sif::OpenMode::read_write);
            const auto first = image.object(4);
            std::string envelope(static_cast<std::size_t>(first.size), '\0');
            image.read(first, 0, std::as_writable_bytes(std::span(envelope)));
            sif::ObjectSpec spec;
            spec.type = sif::DataType::signature;
            spec.group = 0;
            spec.link = sif::Link::to_group(2);
            spec.extra = sif::SignatureInfo{};
            sif::MemorySource source(envelope, "duplicate");
            image.add(spec, source);
        }
        const auto report = verify(path);
        CHECK(report.status == sign::VerifyStatus::invalid);
        CHECK_THAT(first_failure(report), Catch::Contains("object 4: signed object not found"));
        fs::remove_all(dir);
    }
    {
        Copy copy;  // an ungrouped non-signature object makes the image unverifiable
        sif::Image image = sif::Image::open(copy.path, sif::OpenMode::read_write);
        sif::ObjectSpec spec;
        spec.type = sif::DataType::generic;
        spec.group = 0;
        sif::MemorySource source(std::string_view("loose"));
        image.add(spec, source);
        const auto report = verify(copy.path);
        CHECK(report.status == sign::VerifyStatus::not_signed);
        CHECK_THAT(first_failure(report),
                   Catch::Contains("non-signature object not associated with object group"));
    }
    {
        Copy copy;  // magic: no longer a SIF image at all
        copy.write(32, "X");
        CHECK_THROWS_AS(verify(copy.path), Error);
    }
}
