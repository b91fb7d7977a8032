// The plugin's ecl=FILE: the stage it runs judges the image by the site's execution control
// list, by the directory of the file it reads, and a refused image starts no task.
#include <catch2/catch.hpp>

#include "cluster.hpp"

using namespace slurm_test;

TEST_CASE("ecl= lets an image in a listed directory through and refuses one elsewhere", "[ecl]") {
    Cluster& c = Cluster::get();
    const auto id = run_sifkit({"key", "fingerprint", c.key("site.pub").string()});
    REQUIRE(id.exit_code == 0);
    const fs::path images = fs::canonical(c.image("signed.sif").parent_path());
    const fs::path ecl = c.dir() / "sifkit" / "ecl.toml";
    sifkit::test::write_file(ecl,
                             "activated = true\n\n"
                             "[[execgroup]]\n"
                             "  tagname = \"site-images\"\n"
                             "  mode = \"whitelist\"\n"
                             "  dirpath = \"" +
                                 images.string() + "\"\n  keyid = [\"" +
                                 id.out.substr(0, id.out.find('\n')) + "\"]\n");
    const PluginSettings settings(c.plugin_conf(), {"ecl=" + ecl.string()});

    const fs::path work = c.job_dir("ecl-allowed");
    const Job allowed = c.run(work, {"srun", "--sif-image=" + c.image("signed.sif").string(),
                                     "printenv", "SIFKIT_IMAGE"});
    INFO(allowed.describe());
    CHECK(allowed.exit_code == 0);
    CHECK(allowed.output.starts_with((c.plugin_cache() / "0").string()));

    // The same signed bytes, from the job's directory, which no execgroup names.
    const fs::path elsewhere = c.job_dir("ecl-refused");
    fs::copy_file(c.image("signed.sif"), elsewhere / "copy.sif");
    const Job refused = c.run(elsewhere, {"srun", "--sif-image=copy.sif", "touch", "started"});
    INFO(refused.describe());
    CHECK(refused.exit_code != 0);
    CHECK(refused.output.find("--sif-image=copy.sif refused: the site's execution control list "
                              "(ecl=) refuses the image (sifkit stage exit 14)") !=
          std::string::npos);
    CHECK(refused.output.find("ecl: refused (ECL " + ecl.string() + ": directory " +
                              fs::canonical(elsewhere).string() + " is in no execgroup") !=
          std::string::npos);
    CHECK_FALSE(fs::exists(elsewhere / "started"));
}
