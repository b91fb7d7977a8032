// The sifkit_spank plugin on a real Slurm: --sif-image stages and verifies before any task
// starts, the tasks see SIFKIT_IMAGE, and unsigned, tampered, untrusted or unreadable images
// never start a task.
#include <sys/stat.h>
#include <catch2/catch.hpp>

#include "cluster.hpp"

using namespace slurm_test;

namespace {

std::string first_line(const std::string& text) {
    return text.substr(0, text.find('\n'));
}

}  // namespace

TEST_CASE("a signed image passes and every task sees the verified node-local copy", "[plugin]") {
    Cluster& c = Cluster::get();
    const fs::path work = c.job_dir("signed");
    const Job step = c.run(work, {"srun", "-n2", "--sif-image=" + c.image("signed.sif").string(),
                                  "printenv", "SIFKIT_IMAGE"});
    INFO(step.describe());
    REQUIRE(step.exit_code == 0);
    const std::string path = first_line(step.output);
    CHECK(step.output == path + "\n" + path + "\n");  // both tasks, the same copy
    CHECK(fs::path(path).parent_path() == c.plugin_cache() / "0");
    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    CHECK(info.st_uid == 0);
    CHECK((info.st_mode & 0777) == 0444);
    CHECK(sifkit::test::read_file(path) == sifkit::test::read_file(c.image("signed.sif")));

    // A relative path is the job's working directory's, as for any file a job names.
    fs::copy_file(c.image("signed.sif"), work / "here.sif");
    const Job relative = c.run(work, {"srun", "--sif-image=here.sif", "printenv", "SIFKIT_IMAGE"});
    INFO(relative.describe());
    CHECK(relative.exit_code == 0);
    CHECK(relative.output == path + "\n");

    // The batch step and the steps inside the job (the option travels with the job); salloc.
    const Job batch = c.sbatch(work, {"--sif-image=" + c.image("signed.sif").string(), "--wrap",
                                      "echo batch $SIFKIT_IMAGE; srun printenv SIFKIT_IMAGE"});
    INFO(batch.describe());
    CHECK(batch.exit_code == 0);
    CHECK(batch.output == "batch " + path + "\n" + path + "\n");
    const Job alloc = c.run(work, {"salloc", "--sif-image=" + c.image("signed.sif").string(),
                                   "srun", "printenv", "SIFKIT_IMAGE"});
    INFO(alloc.describe());
    CHECK(alloc.exit_code == 0);
    CHECK(alloc.output.find(path + "\n") != std::string::npos);
}

TEST_CASE("without --sif-image the plugin removes a SIFKIT_IMAGE the user set", "[plugin]") {
    Cluster& c = Cluster::get();
    const Job step = c.run(c.job_dir("none"), {"srun", "printenv", "SIFKIT_IMAGE"},
                           {"SIFKIT_IMAGE=/tmp/not-verified.sif"});
    INFO(step.describe());
    CHECK(step.exit_code != 0);  // printenv: not set
    CHECK(step.output.find("not-verified") == std::string::npos);
}

TEST_CASE("images that do not verify fail the step before any task starts", "[plugin]") {
    Cluster& c = Cluster::get();
    const struct {
        const char* image;
        const char* reason;
    } cases[] = {
        {"unsigned.sif", "refused: the image is not signed (sifkit stage exit 10)"},
        {"tampered.sif",
         "refused: a signature is invalid or the image was changed after it was signed (sifkit "
         "stage exit 11)"},
        {"untrusted.sif",
         "refused: the image is not signed by a key this site trusts (sifkit stage exit 12)"},
        {"missing.sif", "No such file or directory"},
    };
    // The tampered image's signatures are the signed one's: a good copy of it in the cache
    // must not make it pass.
    REQUIRE(
        c.run(c.job_dir("warm"), {"srun", "--sif-image=" + c.image("signed.sif").string(), "true"})
            .exit_code == 0);
    for (const auto& item : cases) {
        const fs::path work = c.job_dir("refused");
        const std::string image = c.image(item.image).string();
        const Job step = c.run(work, {"srun", "-n2", "--sif-image=" + image, "touch", "started"});
        INFO(item.image << ": " << step.describe());
        CHECK(step.exit_code != 0);
        CHECK(step.output.find("sifkit_spank: --sif-image=" + image) != std::string::npos);
        CHECK(step.output.find(item.reason) != std::string::npos);
        CHECK(step.output.find("the step does not start") != std::string::npos);
        CHECK_FALSE(fs::exists(work / "started"));  // no task ran
    }
    // The report says what is wrong with the tampered image.
    const Job tampered = c.run(c.job_dir("tampered"),
                               {"srun", "--sif-image=" + c.image("tampered.sif").string(), "true"});
    CHECK(tampered.output.find("invalid") != std::string::npos);
    CHECK(tampered.output.find("data object integrity compromised") != std::string::npos);

    // A batch job fails in its batch step, with the message in the job's output file.
    const fs::path work = c.job_dir("batch-refused");
    const Job batch = c.sbatch(
        work, {"--sif-image=" + c.image("untrusted.sif").string(), "--wrap", "touch started"});
    INFO(batch.describe());
    CHECK(batch.exit_code != 0);
    CHECK(batch.output.find("refused: the image is not signed by a key this site trusts") !=
          std::string::npos);
    CHECK_FALSE(fs::exists(work / "started"));
}

TEST_CASE("a job stages only images its user may read, into copies the user cannot change",
          "[plugin]") {
    Cluster& c = Cluster::get();
    const std::string readable = c.image("signed.sif").string();
    const Job ok = c.run("/tmp", {"srun", "--uid=nobody", "--sif-image=" + readable, "sh", "-c",
                                  "echo $SIFKIT_IMAGE; echo changed >> $SIFKIT_IMAGE"});
    INFO(ok.describe());
    CHECK(ok.exit_code != 0);  // the append is refused...
    CHECK(ok.output.find("Permission denied") != std::string::npos);
    // ...in nobody's own directory of the cache, which root owns.
    CHECK(ok.output.find((c.plugin_cache() / "65534").string() + "/") != std::string::npos);
    struct stat info {};
    REQUIRE(::stat((c.plugin_cache() / "65534").c_str(), &info) == 0);
    CHECK(info.st_uid == 0);
    CHECK((info.st_mode & 0777) == 0711);

    const std::string secret = c.image("private.sif").string();  // mode 0600, root's
    const Job refused = c.run("/tmp", {"srun", "--uid=nobody", "--sif-image=" + secret, "true"});
    INFO(refused.describe());
    CHECK(refused.exit_code != 0);
    CHECK(refused.output.find("--sif-image=" + secret + ": Permission denied") !=
          std::string::npos);
}
