// The blob cache: paths, claims (the partial-file lock between processes), list and clean.
#include <sys/file.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "sifkit/registry/blob_cache.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/sha256.hpp"
#include "sifkit/test/support.hpp"

namespace r = sifkit::registry;
namespace t = sifkit::test;
namespace fs = std::filesystem;

namespace {

const std::string kData = "blob content\n";
const std::string kDigest = sifkit::sif::sha256_digest(kData);

void write_all(int fd, const std::string& data) {
    REQUIRE(::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()));
}

}  // namespace

TEST_CASE("the default directory follows SIFKIT_CACHEDIR, XDG_CACHE_HOME, HOME") {
    ::setenv("SIFKIT_CACHEDIR", "/c", 1);
    CHECK(r::BlobCache::default_directory() == "/c");
    ::unsetenv("SIFKIT_CACHEDIR");
    ::setenv("XDG_CACHE_HOME", "/x", 1);
    CHECK(r::BlobCache::default_directory() == "/x/sifkit");
    ::unsetenv("XDG_CACHE_HOME");
    ::setenv("HOME", "/h", 1);
    CHECK(r::BlobCache::default_directory() == "/h/.cache/sifkit");
}

TEST_CASE("a claimed download becomes a blob by rename, resumable until then") {
    t::TempDir dir;
    const r::BlobCache cache(dir.path());
    const auto never = [] {};
    CHECK(cache.open_blob(kDigest) == -1);
    {
        auto claim = cache.claim(kDigest, never);
        REQUIRE(claim.partial_fd >= 0);
        CHECK(claim.partial_size == 0);
        write_all(claim.partial_fd, kData.substr(0, 5));
    }  // interrupted: the partial file stays
    auto claim = cache.claim(kDigest, never);
    CHECK(claim.partial_size == 5);
    CHECK(claim.partial_path() == cache.partial_path(kDigest));
    write_all(claim.partial_fd, kData.substr(5));
    const int fd = claim.finish();
    ::close(fd);
    CHECK_FALSE(fs::exists(cache.partial_path(kDigest)));
    CHECK(t::read_file(cache.blob_path(kDigest)) == kData);
    auto complete = cache.claim(kDigest, never);
    CHECK(complete.complete_fd >= 0);
    CHECK(complete.partial_fd == -1);
}

TEST_CASE("a claim given up before its first byte leaves no partial download") {
    t::TempDir dir;
    const r::BlobCache cache(dir.path());
    const auto never = [] {};
    {
        auto claim = cache.claim(kDigest, never);
        REQUIRE(claim.partial_fd >= 0);
        CHECK(fs::exists(cache.partial_path(kDigest)));
    }
    CHECK_FALSE(fs::exists(cache.partial_path(kDigest)));
    CHECK(cache.list().empty());
    // One with bytes is kept, to be resumed.
    {
        auto claim = cache.claim(kDigest, never);
        write_all(claim.partial_fd, kData.substr(0, 3));
    }
    REQUIRE(cache.list().size() == 1);
    CHECK(cache.list()[0].partial);
    CHECK(cache.list()[0].size == 3);
    // One whose blob the cache meanwhile holds complete (a cancelled download of a blob the
    // pull had from elsewhere) has nothing to resume either.
    {
        auto claim = cache.claim(kDigest, never);
        CHECK(claim.partial_size == 3);
        write_all(claim.partial_fd, kData.substr(3, 2));
        cache.put(kDigest, kData);
    }
    CHECK_FALSE(fs::exists(cache.partial_path(kDigest)));
    REQUIRE(cache.list().size() == 1);
    CHECK_FALSE(cache.list()[0].partial);
}

TEST_CASE("a claim waits while another holder has the partial file") {
    t::TempDir dir;
    const r::BlobCache cache(dir.path());
    auto holder = cache.claim(kDigest, [] {});
    write_all(holder.partial_fd, kData);
    int polls = 0;
    // The waiter is cancelled on its third look; until then it must not get the file.
    CHECK_THROWS_AS(cache.claim(kDigest,
                                [&] {
                                    if (++polls == 3) {
                                        throw sifkit::Error(sifkit::ErrorKind::io, "cancelled");
                                    }
                                }),
                    sifkit::Error);
    CHECK(polls == 3);
    ::close(holder.finish());
    // The holder finished: the next claim sees the complete blob.
    CHECK(cache.claim(kDigest, [] { FAIL("should not wait"); }).complete_fd >= 0);
}

TEST_CASE("discard forgets a bad download") {
    t::TempDir dir;
    const r::BlobCache cache(dir.path());
    auto claim = cache.claim(kDigest, [] {});
    write_all(claim.partial_fd, "wrong");
    claim.discard();
    CHECK_FALSE(fs::exists(cache.partial_path(kDigest)));
}

TEST_CASE("sources, list and clean") {
    t::TempDir dir;
    const r::BlobCache cache(dir.path());
    cache.put(kDigest, kData);
    cache.record_source(kDigest, "h:5000", "a/b");
    cache.record_source(kDigest, "h:5000", "a/b");
    cache.record_source(kDigest, "h:5000", "c");
    cache.record_source(kDigest, "other", "z");
    CHECK(cache.sources(kDigest, "h:5000") == std::vector<std::string>{"a/b", "c"});

    const std::string partial_digest = sifkit::sif::sha256_digest("other");
    auto busy = cache.claim(partial_digest, [] {});
    write_all(busy.partial_fd, "ot");

    const auto entries = cache.list();
    REQUIRE(entries.size() == 2);
    CHECK(cache.clean({std::chrono::hours(1), std::nullopt}).files == 0);  // both used just now
    const auto cleaned = cache.clean();
    CHECK(cleaned.files == 1);
    CHECK(cleaned.bytes == kData.size());
    CHECK(cleaned.in_use == 1);  // the partial file someone holds is left alone
    CHECK(fs::exists(cache.partial_path(partial_digest)));
    CHECK(cache.sources(kDigest, "h:5000").empty());
    busy = r::BlobCache::Claim();  // released
    CHECK(cache.clean().files == 1);
    CHECK(cache.list().empty());
}

TEST_CASE("clean with a size limit removes the least recently used blobs first") {
    t::TempDir dir;
    const r::BlobCache cache(dir.path());
    // Three blobs of 1000 bytes, last used 3, 2 and 1 days ago.
    std::vector<std::string> digests;
    for (int age = 3; age >= 1; --age) {
        const std::string data(1000, static_cast<char>('a' + age));
        digests.push_back(sifkit::sif::sha256_digest(data));
        cache.put(digests.back(), data);
        fs::last_write_time(cache.blob_path(digests.back()),
                            fs::file_time_type::clock::now() - std::chrono::hours(24 * age));
    }
    auto cleaned = cache.clean({std::nullopt, 2500});
    CHECK(cleaned.files == 1);
    CHECK_FALSE(fs::exists(cache.blob_path(digests[0])));  // the oldest went
    CHECK(fs::exists(cache.blob_path(digests[1])));
    CHECK(cache.clean({std::nullopt, 2000}).files == 0);  // already within the limit
    // Both limits: the stale one (older than 36 h) goes, and the size limit takes no more.
    cleaned = cache.clean({std::chrono::hours(36), 1500});
    CHECK(cleaned.files == 1);
    CHECK(cleaned.bytes == 1000);
    REQUIRE(cache.list().size() == 1);
    CHECK(cache.list()[0].digest == digests[2]);
    CHECK(cache.clean({std::nullopt, 0}).files == 1);
    CHECK(cache.list().empty());
}

TEST_CASE("evict removes a damaged blob only while it is the file blobs/ holds") {
    t::TempDir dir;
    const r::BlobCache cache(dir.path());
    cache.put(kDigest, kData);
    const int held = cache.open_blob(kDigest);
    REQUIRE(held >= 0);
    CHECK(cache.evict(kDigest, held));
    CHECK(cache.open_blob(kDigest) == -1);
    CHECK_FALSE(cache.evict(kDigest, held));  // gone already

    // Replaced meanwhile (a clean, then a new download): the new file stays.
    cache.put(kDigest, kData);
    CHECK_FALSE(cache.evict(kDigest, held));
    const int fresh = cache.open_blob(kDigest);
    CHECK(fresh >= 0);
    ::close(fresh);
    ::close(held);
}
