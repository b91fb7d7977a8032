// Attacks on the sifkit_spank plugin's root-owned cache by the job's user (issue 13): huge
// images, unsigned ones, and stages that outlive the plugin's timeout. What is left in the
// cache directory is checked after each; a helper is held in its copy by ptrace, never slowed
// by a delay.
#include <sys/stat.h>
#include <catch2/catch.hpp>

#include <fstream>
#include <future>

#include "cluster.hpp"
#include "sifkit/sif/image.hpp"
#include "sifkit/sign/stage_cache.hpp"
#include "tracer.hpp"

using namespace slurm_test;

namespace {

std::string key_of(const fs::path& image) {
    return sifkit::sign::StageCache::key_of(sifkit::sif::Image::open(image));
}

}  // namespace

TEST_CASE("max_size refuses a larger image before any helper runs", "[adversarial]") {
    Cluster& c = Cluster::get();
    const PluginSettings settings(c.plugin_conf(), {"max_size=256K"});
    const fs::path user_cache = c.plugin_cache() / "0";
    const auto before = entries_of(user_cache);
    const fs::path work = c.job_dir("max-size");
    const std::string image = c.image("signed.sif").string();
    const Job step = c.run(work, {"srun", "--sif-image=" + image, "touch", "started"});
    INFO(step.describe());
    CHECK(step.exit_code != 0);
    CHECK(step.output.find("--sif-image=" + image +
                           " refused: " + std::to_string(fs::file_size(image)) +
                           " bytes is larger than this site stages (max_size=262144 bytes); "
                           "the step does not start") != std::string::npos);
    CHECK_FALSE(fs::exists(work / "started"));
    CHECK(entries_of(user_cache) == before);
}

TEST_CASE("an unsigned 20 GiB sparse image leaves nothing in the node's cache", "[adversarial]") {
    Cluster& c = Cluster::get();
    const fs::path sparse = c.image("sparse-unsigned.sif");
    if (!fs::exists(sparse)) {
        make_sparse_image(sparse, std::uint64_t{20} << 30);
        fs::permissions(sparse, fs::perms::owner_read | fs::perms::owner_write |
                                    fs::perms::group_read | fs::perms::others_read);
    }
    const fs::path user_cache = c.plugin_cache() / "0";
    const auto before = entries_of(user_cache);
    const fs::path work = c.job_dir("sparse");
    const Job step = c.run(work, {"srun", "--sif-image=" + sparse.string(), "touch", "started"});
    INFO(step.describe());
    CHECK(step.exit_code != 0);
    CHECK(step.output.find("refused: the image is not signed (sifkit stage exit 10)") !=
          std::string::npos);
    CHECK(step.output.find("refused before copying") != std::string::npos);
    CHECK_FALSE(fs::exists(work / "started"));
    CHECK(entries_of(user_cache) == before);  // no copy, no temporary, no lock file
}

TEST_CASE("at the timeout the helper gets SIGTERM and removes its temporary copy",
          "[adversarial]") {
    // The helper waits for the entry's lock, which the test holds; the test attaches to it
    // there, lets it go, and holds it at its first write into the temporary copy until the
    // plugin's timeout sends it SIGTERM.
    Cluster& c = Cluster::get();
    const PluginSettings settings(c.plugin_conf(), {"timeout=5", "kill_after=60"});
    const fs::path image = c.unique_image("timeout");
    const fs::path user_cache = c.plugin_cache() / "0";
    fs::create_directories(user_cache);
    fs::permissions(user_cache,
                    fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
    const fs::path lock = user_cache / (key_of(image) + ".lock");
    HeldLock held(lock);
    const fs::path work = c.job_dir("timeout");
    auto step = std::async(std::launch::async, [&] {
        return c.run(work, {"srun", "--sif-image=" + image.string(), "touch", "started"});
    });
    REQUIRE(wait_for_waiters(lock, 1, [&] { return ready(step); }));
    const auto waiting = lock_waiter_pids(lock);
    REQUIRE(waiting.size() == 1);
    TracedProcess helper(waiting[0]);
    held.release();
    REQUIRE(helper.stop_at_write_to(".sifkit-"));
    const auto temporaries = temporaries_in(user_cache);
    REQUIRE(temporaries.size() == 1);
    CHECK(allocated_bytes(user_cache / temporaries[0]) >= fs::file_size(image) / 2);

    CHECK(helper.pass_on_sigterm());  // it comes from the plugin, at timeout=5
    const Job result = step.get();
    INFO(result.describe());
    CHECK(result.exit_code != 0);
    CHECK(result.output.find("staging took longer than timeout=5 s; sifkit stage was stopped "
                             "with SIGTERM; the step does not start") != std::string::npos);
    CHECK_FALSE(fs::exists(work / "started"));
    CHECK(temporaries_in(user_cache).empty());
}

TEST_CASE("a helper that ignores SIGTERM is killed kill_after seconds later", "[adversarial]") {
    Cluster& c = Cluster::get();
    const fs::path work = c.job_dir("kill-after");
    const fs::path lock = work / "stuck.lock";
    HeldLock held(lock);
    // Stands in for a sifkit that hangs and ignores SIGTERM: SIG_IGN survives the exec.
    const fs::path stuck = work / "stuck-helper";
    std::ofstream(stuck) << "#!/bin/sh\ntrap '' TERM\nexec flock " << lock.string() << " true\n";
    fs::permissions(stuck, fs::perms::owner_all);
    const PluginSettings settings(c.plugin_conf(),
                                  {"sifkit=" + stuck.string(), "timeout=1", "kill_after=1"});
    const Job step =
        c.run(work, {"srun", "--sif-image=" + c.image("signed.sif").string(), "touch", "started"});
    INFO(step.describe());
    CHECK(step.exit_code != 0);
    CHECK(step.output.find("staging took longer than timeout=1 s; sifkit stage did not stop on "
                           "SIGTERM and was killed (kill_after)") != std::string::npos);
    CHECK_FALSE(fs::exists(work / "started"));
}
