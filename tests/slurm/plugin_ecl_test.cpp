// The plugin's ecl=FILE with the site setup of docs/slurm.md: slurm/examples/ecl.toml, its site
// paths and key IDs replaced by the test cluster's. The documented job script runs an image
// the list allows; images it refuses start no task, and the job's output names the rule.
#include <catch2/catch.hpp>

#include "cluster.hpp"

using namespace slurm_test;
namespace t = sifkit::test;

namespace {

std::string key_id(const fs::path& pub) {
    const auto id = run_sifkit({"key", "fingerprint", pub.string()});
    REQUIRE(id.exit_code == 0);
    return id.out.substr(0, id.out.find('\n'));
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
    REQUIRE(text.find(from) != std::string::npos);  // the example still names it
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
    }
}

}  // namespace

TEST_CASE("ecl= with the documented site list: allowed, refused by rule, refused by directory",
          "[ecl]") {
    Cluster& c = Cluster::get();
    const fs::path root = c.dir() / "sifkit";
    // production: the cluster's images (signed.sif is signed by the site key); contrib: images
    // that need the site key and the "author" key (other.key) both.
    const fs::path production = fs::canonical(c.image("signed.sif").parent_path());
    const fs::path contrib = root / "contrib";
    fs::create_directories(contrib);
    fs::copy_file(c.image("signed.sif"), contrib / "site-only.sif",
                  fs::copy_options::overwrite_existing);
    fs::copy_file(c.image("signed.sif"), contrib / "reviewed.sif",
                  fs::copy_options::overwrite_existing);
    REQUIRE(run_sifkit(
                {"sign", (contrib / "reviewed.sif").string(), "--key", c.key("other.key").string()})
                .exit_code == 0);
    fs::permissions(contrib / "reviewed.sif", fs::perms::others_read, fs::perm_options::add);
    fs::permissions(contrib / "site-only.sif", fs::perms::others_read, fs::perm_options::add);
    // Both keys trusted: the list, not the key directory, says which directory wants which.
    const fs::path keys = root / "ecl-keys";
    fs::create_directories(keys);
    for (const char* name : {"site.pub", "other.pub"}) {
        fs::copy_file(c.key(name), keys / name, fs::copy_options::overwrite_existing);
    }

    std::string ecl = t::read_file(t::repo_root() / "slurm/examples/ecl.toml");
    replace_all(ecl, "/shared/images/production", production.string());
    replace_all(ecl, "/shared/images/contrib", fs::canonical(contrib).string());
    replace_all(ecl, "SHA256:oxHmi7WZ0HCDsKhFDTrSn+2UK8ATB3sSWp3o+n+HK44",
                key_id(c.key("site.pub")));
    const std::string author = key_id(c.key("other.pub"));
    replace_all(ecl, "SHA256:fRseYN9ea+B+kXedqtf/nyVXIE89FJw4nDK+aBjWrg8", author);
    const fs::path ecl_file = root / "ecl.toml";
    t::write_file(ecl_file, ecl);
    const PluginSettings settings(c.plugin_conf(),
                                  {"ecl=" + ecl_file.string(), "trusted_keys=" + keys.string()});

    // The documented batch script, every step of it on the allowed image.
    const fs::path work = c.job_dir("ecl-production");
    const Job job = c.sbatch(work, {"--sif-image=" + c.image("signed.sif").string(),
                                    (t::repo_root() / "slurm/examples/spank-run.sbatch").string()});
    INFO(job.describe());
    CHECK(job.exit_code == 0);
    CHECK(job.output.find("refused") == std::string::npos);

    const Job reviewed = c.run(
        c.job_dir("ecl-reviewed"),
        {"srun", "--sif-image=" + (contrib / "reviewed.sif").string(), "printenv", "SIFKIT_IMAGE"});
    INFO(reviewed.describe());
    CHECK(reviewed.exit_code == 0);
    CHECK(reviewed.output.starts_with((c.plugin_cache() / "0").string()));

    const fs::path refused_dir = c.job_dir("ecl-site-only");
    const Job site_only =
        c.run(refused_dir,
              {"srun", "--sif-image=" + (contrib / "site-only.sif").string(), "touch", "started"});
    INFO(site_only.describe());
    CHECK(site_only.exit_code != 0);
    CHECK(site_only.output.find("refused: the site's execution control list (ecl=) refuses the "
                                "image (sifkit stage exit 14)") != std::string::npos);
    CHECK(site_only.output.find("ecl: refused (ECL " + ecl_file.string() +
                                ": execgroup 'contrib' (whitestrict, dirpath " +
                                fs::canonical(contrib).string() +
                                ", line 14): every listed signer must sign every group; "
                                "missing " +
                                author + ")") != std::string::npos);
    CHECK_FALSE(fs::exists(refused_dir / "started"));

    // The same signed bytes as the production image, from the job's directory.
    const fs::path elsewhere = c.job_dir("ecl-elsewhere");
    fs::copy_file(c.image("signed.sif"), elsewhere / "copy.sif");
    const Job outside = c.run(elsewhere, {"srun", "--sif-image=copy.sif", "touch", "started"});
    INFO(outside.describe());
    CHECK(outside.exit_code != 0);
    CHECK(outside.output.find("ecl: refused (ECL " + ecl_file.string() + ": directory " +
                              fs::canonical(elsewhere).string() + " is in no execgroup") !=
          std::string::npos);
    CHECK_FALSE(fs::exists(elsewhere / "started"));
}

TEST_CASE("a malformed ecl= file fails the step with the line that is wrong", "[ecl]") {
    Cluster& c = Cluster::get();
    const fs::path ecl_file = c.dir() / "sifkit" / "ecl-malformed.toml";
    t::write_file(ecl_file,
                  "activated = true\n\n[[execgroup]]\n  tagname = \"site\"\n"
                  "  mode = \"whitelist\"\n  keyfps = [\"ACDA783E6BF92B6D3789C166EFF4766457E"
                  "482E1\"]\n");
    const PluginSettings settings(c.plugin_conf(), {"ecl=" + ecl_file.string()});
    const fs::path work = c.job_dir("ecl-malformed");
    const std::string image = c.image("signed.sif").string();
    const Job step = c.run(work, {"srun", "--sif-image=" + image, "touch", "started"});
    INFO(step.describe());
    CHECK(step.exit_code != 0);
    CHECK(step.output.find("--sif-image=" + image +
                           " refused: the file is not a valid SIF image, or the site's ecl= list "
                           "is malformed (sifkit stage exit 4)") != std::string::npos);
    CHECK(step.output.find("sifkit: " + ecl_file.string() +
                           ": line 6: unknown key 'keyfps' in [[execgroup]]") != std::string::npos);
    CHECK_FALSE(fs::exists(work / "started"));
}
