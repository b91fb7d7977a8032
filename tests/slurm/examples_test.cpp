// Every job script of docs/slurm.md (slurm/examples/*.sbatch, included verbatim by the doc),
// submitted with sbatch --wait: the exit status and the job's output are what the doc says.
#include <catch2/catch.hpp>

#include "cluster.hpp"

using namespace slurm_test;

namespace {

fs::path example(const std::string& name) {
    return sifkit::test::repo_root() / "slurm" / "examples" / name;
}

// The stand-in runtime prints the demo image's greeting once per task.
std::size_t greetings(const Job& job) {
    return lines_with(job.output,
                      "hello from a SIF image built by sifkit (GREETING=sifkit demo, "
                      "args: job " +
                          job.id + ")")
        .size();
}

Job submit(const Cluster& c, const std::string& script, const fs::path& image,
           const std::vector<std::string>& env = {}) {
    std::vector<std::string> all = {"IMAGE=" + image.string()};
    all.insert(all.end(), env.begin(), env.end());
    return c.sbatch(c.job_dir(script), {example(script).string()}, all);
}

}  // namespace

TEST_CASE("stage-and-run.sbatch stages once per node, reuses the cache, runs every task",
          "[examples]") {
    Cluster& c = Cluster::get();
    const fs::path cache = c.job_dir("stage-cache") / "cache";
    const std::string cache_env = "SIFKIT_CACHE=" + cache.string();
    const Job first = submit(c, "stage-and-run.sbatch", c.image("signed.sif"), {cache_env});
    INFO(first.describe());
    CHECK(first.exit_code == 0);
    CHECK(greetings(first) == 2);
    CHECK(lines_with(first.output, "cache: copied ").size() == 1);
    CHECK(first.output.find("staged to /tmp/sif-" + first.id + ".sif -> " + cache.string()) !=
          std::string::npos);
    CHECK_FALSE(fs::exists("/tmp/sif-" + first.id + ".sif"));  // the job cleaned up

    const Job second = submit(c, "stage-and-run.sbatch", c.image("signed.sif"), {cache_env});
    INFO(second.describe());
    CHECK(second.exit_code == 0);
    CHECK(greetings(second) == 2);
    CHECK(lines_with(second.output, "cache: reused ").size() == 1);

    const Job tampered = submit(c, "stage-and-run.sbatch", c.image("tampered.sif"), {cache_env});
    INFO(tampered.describe());
    CHECK(tampered.exit_code == 11);
    CHECK(greetings(tampered) == 0);
    CHECK(tampered.output.find("data object integrity compromised") != std::string::npos);
}

TEST_CASE("sbcast-verify.sbatch verifies the broadcast copy before running it", "[examples]") {
    Cluster& c = Cluster::get();
    const Job good = submit(c, "sbcast-verify.sbatch", c.image("signed.sif"));
    INFO(good.describe());
    CHECK(good.exit_code == 0);
    CHECK(greetings(good) == 2);
    CHECK(good.output.find("/tmp/sif-" + good.id + ".sif: verified") != std::string::npos);

    const Job bad = submit(c, "sbcast-verify.sbatch", c.image("untrusted.sif"));
    INFO(bad.describe());
    CHECK(bad.exit_code == 12);
    CHECK(greetings(bad) == 0);
    CHECK(bad.output.find(": untrusted") != std::string::npos);
}

TEST_CASE("verify-branch.sbatch runs verified images and names the reason for the others",
          "[examples]") {
    Cluster& c = Cluster::get();
    const Job good = submit(c, "verify-branch.sbatch", c.image("signed.sif"));
    INFO(good.describe());
    CHECK(good.exit_code == 0);
    CHECK(greetings(good) == 1);
    const struct {
        const char* image;
        int code;
        const char* message;
    } refused[] = {
        {"unsigned.sif", 10, "is not signed"},
        {"tampered.sif", 11, "was changed after it was signed, or a signature is broken"},
        {"untrusted.sif", 12, "is not signed by a key in "},
    };
    for (const auto& r : refused) {
        const Job job = submit(c, "verify-branch.sbatch", c.image(r.image));
        INFO(job.describe());
        CHECK(job.exit_code == r.code);
        CHECK(greetings(job) == 0);
        CHECK(job.output.find("refused: " + c.image(r.image).string() + " " + r.message) !=
              std::string::npos);
    }
}

TEST_CASE("spank-run.sbatch runs the image the plugin verified", "[examples]") {
    Cluster& c = Cluster::get();
    const fs::path work = c.job_dir("spank-run");
    const Job good = c.sbatch(
        work, {"--sif-image=" + c.image("signed.sif").string(), example("spank-run.sbatch")});
    INFO(good.describe());
    CHECK(good.exit_code == 0);
    CHECK(greetings(good) == 2);

    const Job bad = c.sbatch(
        work, {"--sif-image=" + c.image("tampered.sif").string(), example("spank-run.sbatch")});
    INFO(bad.describe());
    CHECK(bad.exit_code != 0);
    CHECK(greetings(bad) == 0);
    CHECK(bad.output.find("sifkit_spank: --sif-image=" + c.image("tampered.sif").string() +
                          " refused") != std::string::npos);
}
