// The per-node stage cache: a second stage reuses the copy without copying; nothing in the cache
// is believed unchecked (changed copies, forged records, unknown or tampered source files);
// concurrent stagers copy once; unsafe directories and too little space are refused.
#include <sys/stat.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "sifkit/sif/error.hpp"
#include "sifkit/sif/image.hpp"
#include "sifkit/sign/sign.hpp"
#include "sifkit/sign/stage_cache.hpp"
#include "sifkit/test/support.hpp"

using namespace sifkit;
namespace fs = std::filesystem;

namespace {

sif::Image create(const fs::path& path) {
    sifkit::test::write_file(path, "");
    return sif::Image::create(sif::FileStorage::open(path, sif::OpenMode::read_write), {});
}

struct Fixture {
    sifkit::test::TempDir tmp{"sifkit-stage-cache"};
    sign::PrivateKey signer = sign::PrivateKey::generate(sign::KeyType::ed25519);
    sign::PublicKey trusted = signer.public_key();
    sign::VerifyOptions options;
    fs::path cache_dir = tmp / "cache";

    Fixture() { options.keys = {&trusted}; }

    // A one-group image holding `payload`, signed by `signer` unless `with_signature` is false.
    fs::path image(const std::string& name, const std::string& payload,
                   bool with_signature = true) const {
        const fs::path path = tmp / name;
        sif::Image image = create(path);
        sif::ObjectSpec spec;
        spec.type = sif::DataType::generic;
        spec.group = 1;
        sif::MemorySource data(payload);
        image.add(spec, data);
        if (with_signature) {
            sign::SignOptions sign_options;
            sign_options.keys = {&signer};
            sign::sign_image(image, sign_options);
        }
        return path;
    }

    sign::CacheStageResult stage(const fs::path& source, bool rehash = false) const {
        sign::CacheStageOptions cache_options;
        cache_options.rehash = rehash;
        return sign::StageCache(cache_dir).stage(sign::StageSource::open(source), options,
                                                 cache_options);
    }
};

std::string slurp(const fs::path& path) {
    return sifkit::test::read_file(path);
}

struct stat stat_of(const fs::path& path) {
    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    return info;
}

// Rewrites one byte of a read-only cached copy the way its owner could (chmod, write, chmod).
void flip_byte(const fs::path& path, std::uint64_t offset) {
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(offset));
    char c = 0;
    f.get(c);
    f.seekp(static_cast<std::streamoff>(offset));
    f.put(static_cast<char>(c ^ 1));
    f.close();
    fs::permissions(path, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
}

const std::uint64_t kPayloadOffset = 32176;  // the first object of a default image

}  // namespace

TEST_CASE("the second stage of an image reuses the cached copy without copying") {
    Fixture f;
    const fs::path source = f.image("app.sif", std::string(100000, 'a'));
    const auto first = f.stage(source);
    REQUIRE(first.verified);
    CHECK(first.copied);
    CHECK(first.bytes_copied == fs::file_size(source));
    CHECK(first.entry == fs::canonical(f.cache_dir) / (first.key + ".sif"));
    CHECK(slurp(first.entry) == slurp(source));
    CHECK((stat_of(first.entry).st_mode & 0777) == 0444);
    const struct stat before = stat_of(first.entry);

    const auto second = f.stage(source);
    REQUIRE(second.verified);
    CHECK_FALSE(second.copied);
    CHECK_FALSE(second.source_verified);  // the same file, unchanged: nothing read but metadata
    CHECK(second.bytes_copied == 0);
    CHECK(second.entry == first.entry);
    CHECK(second.report.findings.size() == first.report.findings.size());
    const struct stat after = stat_of(second.entry);
    CHECK(after.st_ino == before.st_ino);
    CHECK(after.st_ctim.tv_nsec == before.st_ctim.tv_nsec);

    // Another image gets its own entry.
    const auto other = f.stage(f.image("other.sif", std::string(5000, 'b')));
    CHECK(other.copied);
    CHECK(other.key != first.key);
}

TEST_CASE("a source file the cache has not seen is verified in place before the copy is reused") {
    Fixture f;
    const fs::path source = f.image("app.sif", std::string(70000, 'a'));
    REQUIRE(f.stage(source).copied);

    // A byte-identical copy at another path: verified by one read, then known.
    const fs::path twin = f.tmp / "twin.sif";
    fs::copy_file(source, twin);
    auto hit = f.stage(twin);
    CHECK(hit.verified);
    CHECK_FALSE(hit.copied);
    CHECK(hit.source_verified);
    hit = f.stage(twin);
    CHECK(hit.verified);
    CHECK_FALSE(hit.source_verified);

    // A tampered file claiming the same signatures is refused, although a good copy is cached:
    // its key is the cached one, but its bytes are not those the signatures describe.
    const fs::path tampered = f.tmp / "tampered.sif";
    fs::copy_file(source, tampered);
    flip_byte(tampered, kPayloadOffset + 100);
    const auto refused = f.stage(tampered);
    CHECK(refused.key == hit.key);
    CHECK_FALSE(refused.verified);
    CHECK(refused.source_verified);
    CHECK(refused.report.status == sign::VerifyStatus::invalid);
    // The good copy stays.
    CHECK(f.stage(source).verified);

    // The original changed in place (same inode, new ctime) is checked again too.
    flip_byte(source, kPayloadOffset + 5);
    const auto changed = f.stage(source);
    CHECK_FALSE(changed.verified);
    CHECK(changed.report.status == sign::VerifyStatus::invalid);
}

TEST_CASE("a cached copy changed after staging is discarded and staged again") {
    Fixture f;
    const fs::path source = f.image("app.sif", std::string(50000, 'a'));
    const auto first = f.stage(source);
    REQUIRE(first.verified);

    SECTION("its data written") {
        flip_byte(first.entry, kPayloadOffset + 10);
    }
    SECTION("only its mode touched") {
        fs::permissions(first.entry,
                        fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
    }
    SECTION("replaced by another file") {
        fs::remove(first.entry);
        fs::copy_file(source, first.entry);
    }
    SECTION("its record lost") {
        fs::remove(f.cache_dir / (first.key + ".json"));
    }
    SECTION("its record garbled") {
        const fs::path record = f.cache_dir / (first.key + ".json");
        fs::permissions(record, fs::perms::owner_read | fs::perms::owner_write);
        std::ofstream(record) << "{\"format\": \"sifkit-stage-cache/1\"";
    }
    const auto again = f.stage(source);
    CHECK(again.verified);
    CHECK(again.copied);
    CHECK_FALSE(again.discarded.empty());
    CHECK(slurp(again.entry) == slurp(source));
    const auto third = f.stage(source);
    CHECK_FALSE(third.copied);
    CHECK(third.discarded.empty());
}

TEST_CASE("rehash catches a changed copy whose record was forged to match") {
    // Whoever can write in the cache directory can forge a record; only the cache's owner can,
    // which is why the directory must be private. rehash does not believe the record's digests.
    Fixture f;
    const fs::path source = f.image("app.sif", std::string(50000, 'a'));
    const auto first = f.stage(source);
    REQUIRE(first.verified);
    const fs::path record = f.cache_dir / (first.key + ".json");
    std::string text = slurp(record);
    flip_byte(first.entry, kPayloadOffset + 10);
    const struct stat now = stat_of(first.entry);
    const auto replace_number = [&text](const std::string& field, long long value) {
        const auto at = text.find("\"" + field + "\": ");
        REQUIRE(at != std::string::npos);
        const auto begin = at + field.size() + 4;
        const auto end = text.find_first_of(",\n", begin);
        text.replace(begin, end - begin, std::to_string(value));
    };
    replace_number("mtime_ns", now.st_mtim.tv_sec * 1000000000LL + now.st_mtim.tv_nsec);
    replace_number("ctime_ns", now.st_ctim.tv_sec * 1000000000LL + now.st_ctim.tv_nsec);
    fs::permissions(record, fs::perms::owner_read | fs::perms::owner_write);
    std::ofstream(record, std::ios::trunc) << text;

    CHECK_FALSE(f.stage(source).copied);  // the forgery fools the cheap check: by design
    const auto rehashed = f.stage(source, true);
    CHECK(rehashed.copied);
    CHECK(rehashed.discarded.find("no longer verifies") != std::string::npos);
    CHECK(slurp(rehashed.entry) == slurp(source));
}

TEST_CASE("a cached copy checked with keys that do not trust it is refused and kept") {
    Fixture f;
    const fs::path source = f.image("app.sif", std::string(20000, 'a'));
    REQUIRE(f.stage(source).verified);
    const auto stranger = sign::PrivateKey::generate(sign::KeyType::ed25519).public_key();
    f.options.keys = {&stranger};
    const auto refused = f.stage(source);
    CHECK_FALSE(refused.verified);
    CHECK_FALSE(refused.copied);
    CHECK(refused.report.status == sign::VerifyStatus::untrusted);
    f.options.keys = {&f.trusted, &stranger};
    f.options.required_keys = sign::RequiredKeys::all;
    CHECK(f.stage(source).report.status == sign::VerifyStatus::untrusted);
    f.options.required_keys = sign::RequiredKeys::any;
    const auto back = f.stage(source);
    CHECK(back.verified);
    CHECK_FALSE(back.copied);
}

TEST_CASE("images that do not verify are not cached") {
    Fixture f;
    const fs::path unsigned_image = f.image("unsigned.sif", "data", false);
    const auto result = f.stage(unsigned_image);
    CHECK_FALSE(result.verified);
    CHECK(result.report.status == sign::VerifyStatus::not_signed);
    CHECK_FALSE(fs::exists(result.entry));
    for (const auto& entry : fs::directory_iterator(f.cache_dir)) {
        CHECK(entry.path().extension() == ".lock");  // no copy, no record, no temporary
    }
    sign::VerifyOptions partial = f.options;
    partial.groups = {1};
    CHECK_THROWS_AS(sign::StageCache(f.cache_dir)
                        .stage(sign::StageSource::open(f.image("a.sif", "x")), partial),
                    Error);
}

TEST_CASE("many stagers of one image at once copy it once") {
    Fixture f;
    const fs::path source = f.image("app.sif", std::string(3U << 20, 'z'));
    constexpr int kStagers = 6;
    std::vector<sign::CacheStageResult> results(kStagers);
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kStagers; ++i) {
        threads.emplace_back([&, i] {
            // Each stager opens everything itself, as separate processes would.
            ++ready;
            while (ready.load() < kStagers) {
                std::this_thread::yield();
            }
            results[static_cast<std::size_t>(i)] = f.stage(source);
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    int copies = 0;
    for (const auto& r : results) {
        CHECK(r.verified);
        CHECK(r.entry == results[0].entry);
        copies += r.copied ? 1 : 0;
    }
    CHECK(copies == 1);
    CHECK(slurp(results[0].entry) == slurp(source));
}

TEST_CASE("cache directories others could write to are refused") {
    Fixture f;
    const fs::path source = f.image("app.sif", "data");
    const fs::path open_dir = f.tmp / "open";
    fs::create_directory(open_dir);
    fs::permissions(open_dir, fs::perms::all);
    CHECK_THROWS_WITH(sign::StageCache(open_dir), Catch::Contains("writable by group or others"));

    const fs::path inside = open_dir / "cache";  // a private directory in an unsafe parent
    fs::create_directory(inside);
    fs::permissions(inside, fs::perms::owner_all);
    CHECK_THROWS_WITH(sign::StageCache(inside), Catch::Contains("not sticky"));

    fs::permissions(open_dir, fs::perms::all | fs::perms::sticky_bit);  // as /tmp: fine
    CHECK(sign::StageCache(inside).stage(sign::StageSource::open(source), f.options).verified);

    const fs::path missing_parent = f.tmp / "no" / "such";
    CHECK_THROWS_AS(sign::StageCache(missing_parent), Error);
    if (::geteuid() == 0) {
        const fs::path foreign = f.tmp / "foreign";
        fs::create_directory(foreign);
        fs::permissions(foreign, fs::perms::owner_all);
        REQUIRE(::chown(foreign.c_str(), 65534, 65534) == 0);
        CHECK_THROWS_WITH(sign::StageCache(foreign), Catch::Contains("owned by uid 65534"));
    }
}

TEST_CASE("a destination too small for the image is refused before anything is copied") {
    // A sparse image of 4 TiB: no disk here has that much room, and nothing is read to see it.
    Fixture f;
    const fs::path huge = f.tmp / "huge.sif";
    {
        sif::Image image = create(huge);
        sif::ObjectSpec spec;
        spec.group = 1;
        sif::ObjectWriter writer = image.begin_object(spec);
        const std::byte last{1};
        writer.write_at((std::uint64_t{4} << 40) - 1, std::span(&last, 1));
        writer.commit();
    }
    try {
        sign::stage_image(huge, f.tmp / "copy.sif", f.options);
        FAIL("staging did not fail");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::no_space);
        CHECK(std::string(e.what()).find("not enough space for the staged copy") !=
              std::string::npos);
        CHECK(std::string(e.what()).find("needs 4.0 TiB") != std::string::npos);
    }
    CHECK_FALSE(fs::exists(f.tmp / "copy.sif"));
    try {
        f.stage(huge);
        FAIL("staging into the cache did not fail");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::no_space);
    }
    for (const auto& entry : fs::directory_iterator(f.cache_dir)) {
        CHECK(entry.path().extension() == ".lock");
    }
}

TEST_CASE("a staged DEST can be a symbolic link to the cached copy") {
    Fixture f;
    const auto staged = f.stage(f.image("app.sif", "payload"));
    REQUIRE(staged.verified);
    const fs::path link = f.tmp / "app-local.sif";
    sign::link_staged_copy(staged.entry, link, sif::AtomicFile::Overwrite::refuse);
    CHECK(fs::read_symlink(link) == staged.entry);
    CHECK_THROWS_AS(sign::link_staged_copy(staged.entry, link, sif::AtomicFile::Overwrite::refuse),
                    Error);
    sign::link_staged_copy("/elsewhere", link, sif::AtomicFile::Overwrite::replace);
    CHECK(fs::read_symlink(link) == "/elsewhere");
}
