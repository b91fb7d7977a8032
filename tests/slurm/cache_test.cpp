// The per-node cache on a real Slurm: the second job on a node does not copy the image again,
// and jobs or tasks staging one image at the same moment copy it once.
#include <sys/stat.h>
#include <catch2/catch.hpp>

#include <future>

#include "cluster.hpp"
#include "sifkit/sif/image.hpp"
#include "sifkit/sign/stage_cache.hpp"

using namespace slurm_test;

namespace {

std::string key_of(const fs::path& image) {
    return sifkit::sign::StageCache::key_of(sifkit::sif::Image::open(image));
}

}  // namespace

TEST_CASE("the second job on a node reuses the plugin's cached copy", "[cache]") {
    Cluster& c = Cluster::get();
    const fs::path image = c.unique_image("reuse");
    const fs::path work = c.job_dir("reuse");
    const auto submit = [&] {
        return c.sbatch(work, {"--sif-image=" + image.string(), "--wrap", "printenv SIFKIT_IMAGE"});
    };
    const Job first = submit();
    INFO(first.describe());
    REQUIRE(first.exit_code == 0);
    const fs::path entry = first.output.substr(0, first.output.find('\n'));
    CHECK(entry == c.plugin_cache() / "0" / (key_of(image) + ".sif"));
    struct stat before {};
    REQUIRE(::stat(entry.c_str(), &before) == 0);

    const Job second = submit();
    INFO(second.describe());
    REQUIRE(second.exit_code == 0);
    CHECK(second.output == first.output);
    struct stat after {};
    REQUIRE(::stat(entry.c_str(), &after) == 0);
    CHECK(after.st_ino == before.st_ino);
    CHECK(after.st_ctim.tv_sec == before.st_ctim.tv_sec);
    CHECK(after.st_ctim.tv_nsec == before.st_ctim.tv_nsec);

    // slurmd's log says what each job's batch step did.
    const auto one = c.plugin_log(first.id);
    const auto two = c.plugin_log(second.id);
    REQUIRE(one.size() == 1);
    REQUIRE(two.size() == 1);
    CHECK(one[0].find("verified; copied ") != std::string::npos);
    CHECK(two[0].find("verified; reused ") != std::string::npos);
    CHECK(two[0].find("nothing copied") != std::string::npos);
}

TEST_CASE("tasks staging one image at the same moment copy it once", "[cache]") {
    // The test holds the entry's lock until all four tasks of the step wait for it: they are
    // then guaranteed to be staging at the same moment. One copies, three reuse.
    Cluster& c = Cluster::get();
    const fs::path image = c.unique_image("tasks");
    const fs::path work = c.job_dir("tasks");
    const fs::path cache = work / "cache";
    fs::create_directory(cache);
    fs::permissions(cache, fs::perms::owner_all);
    const fs::path lock = cache / (key_of(image) + ".lock");
    HeldLock held(lock);
    auto step = std::async(std::launch::async, [&] {
        return c.run(work, {"srun", "-n4", "--overcommit", "sifkit", "stage", image.string(),
                            "--cache-dir", cache.string(), "--keys-dir", c.keys_dir().string()});
    });
    const bool all_waiting = wait_for_waiters(lock, 4, [&] { return ready(step); });
    held.release();
    const Job result = step.get();
    INFO(result.describe());
    REQUIRE(all_waiting);
    CHECK(result.exit_code == 0);
    CHECK(lines_with(result.output, "another sifkit stage is staging this image").size() == 4);
    CHECK(lines_with(result.output, "cache: copied ").size() == 1);
    CHECK(lines_with(result.output, "cache: reused ").size() == 3);
    CHECK(lines_with(result.output, "staged to " + (cache / key_of(image)).string() + ".sif")
              .size() == 4);
}

TEST_CASE("steps of two jobs verifying one image at the same moment copy it once", "[cache]") {
    Cluster& c = Cluster::get();
    const fs::path image = c.unique_image("jobs");
    const fs::path user_cache = c.plugin_cache() / "0";
    fs::create_directories(user_cache);  // as the plugin makes it: root's, 0711
    fs::permissions(user_cache,
                    fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
    const fs::path lock = user_cache / (key_of(image) + ".lock");
    HeldLock held(lock);
    const auto submit = [&] {
        return c.sbatch(c.job_dir("together"), {"-n1", "--sif-image=" + image.string(), "--wrap",
                                                "printenv SIFKIT_IMAGE"});
    };
    auto first = std::async(std::launch::async, submit);
    auto second = std::async(std::launch::async, submit);
    const bool both_waiting =
        wait_for_waiters(lock, 2, [&] { return ready(first) || ready(second); });
    held.release();
    const Job a = first.get();
    const Job b = second.get();
    INFO(a.describe() << "\n" << b.describe());
    REQUIRE(both_waiting);
    CHECK(a.exit_code == 0);
    CHECK(b.exit_code == 0);
    CHECK(a.output == b.output);
    const auto log_a = c.plugin_log(a.id);
    const auto log_b = c.plugin_log(b.id);
    REQUIRE(log_a.size() == 1);
    REQUIRE(log_b.size() == 1);
    const int copies = (log_a[0].find("; copied ") != std::string::npos ? 1 : 0) +
                       (log_b[0].find("; copied ") != std::string::npos ? 1 : 0);
    CHECK(copies == 1);
}
