// The real one-node Slurm the tests submit to: ../shared/tools/slurm-local/start.sh runs munged,
// slurmctld and slurmd on 127.0.0.1 with every file under one directory, and this suite adds
// the sifkit_spank plugin (configured from slurm/examples/plugstack.conf), trusted keys and
// test images there. Every test process calls cluster(): the first one starts everything (under
// a lock), the others find it up. ctest's slurm.teardown fixture stops it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "helpers.hpp"

namespace slurm_test {

// The plugin's plugstack.conf line with some arguments changed, for as long as this object
// lives (srun and slurmstepd read it at each step); the documented line is back afterwards.
class PluginSettings {
  public:
    // `arguments`: NAME=VALUE, each replacing the argument of that NAME or added.
    PluginSettings(fs::path conf, const std::vector<std::string>& arguments);
    ~PluginSettings();
    PluginSettings(const PluginSettings&) = delete;
    PluginSettings& operator=(const PluginSettings&) = delete;

  private:
    fs::path conf_;
    std::string original_;
};

struct Job {
    int exit_code = -1;  // the job's exit code (sbatch --wait), or srun's
    std::string id;
    std::string output;  // the job's output file, or srun's stdout + stderr
    std::string describe() const;
};

class Cluster {
  public:
    // Prerequisites that are missing here (empty when the suite can run).
    static std::vector<std::string> missing_prerequisites();
    // Starts the cluster and prepares keys, images and the plugin configuration, once.
    static Cluster& get();
    // Stops the cluster of this build (ctest's cleanup fixture) and removes the test files.
    static int teardown();

    const fs::path& dir() const noexcept { return dir_; }
    // Keys the plugin trusts (site.pub), and site.key / other.key to sign with.
    fs::path keys_dir() const { return dir_ / "sifkit" / "keys"; }
    fs::path key(const std::string& name) const { return dir_ / "sifkit" / name; }
    // signed.sif, unsigned.sif, tampered.sif, untrusted.sif, private.sif (mode 0600).
    fs::path image(const std::string& name) const { return dir_ / "sifkit" / "images" / name; }
    fs::path layout() const { return dir_ / "sifkit" / "oci" / "demo"; }
    // A signed image no other test uses (a fresh image ID, so a fresh cache key).
    fs::path unique_image(const std::string& name) const;
    // The plugin's cache_dir, and the copies it makes for the job user `uid`.
    fs::path plugin_cache() const { return dir_ / "sifkit" / "spank-cache"; }
    fs::path slurmd_log() const { return dir_ / "log" / "slurmd.log"; }
    // A fresh, empty working directory for jobs (their output files land there).
    fs::path job_dir(const std::string& name) const;

    // The environment of submissions: SLURM_CONF, sifkit first in PATH, and what the example
    // scripts read (SIFKIT_KEYS, SIFKIT_RUNTIME = the stand-in for apptainer, SIFKIT).
    std::vector<std::string> env(std::vector<std::string> extra = {}) const;

    // sbatch --wait: the job's exit code and output file (cwd = `workdir`).
    Job sbatch(const fs::path& workdir, const std::vector<std::string>& args,
               const std::vector<std::string>& extra_env = {}) const;
    // srun (or salloc) in `workdir`, output captured.
    Job run(const fs::path& workdir, const std::vector<std::string>& argv,
            const std::vector<std::string>& extra_env = {}) const;
    // The lines of slurmd's log that the plugin wrote for `job`.
    std::vector<std::string> plugin_log(const std::string& job) const;
    // The plugin's configuration file (plugstack.conf.d/sifkit.conf).
    fs::path plugin_conf() const { return dir_ / "etc" / "plugstack.conf.d" / "sifkit.conf"; }

  private:
    explicit Cluster(fs::path dir) : dir_(std::move(dir)) {}
    void start();
    void prepare();
    fs::path dir_;
};

}  // namespace slurm_test
