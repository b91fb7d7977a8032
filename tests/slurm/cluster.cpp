#include "cluster.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "sifkit/sif/image.hpp"

namespace slurm_test {
namespace {

namespace t = sifkit::test;

fs::path start_script() {
    return t::shared_dir() / "tools" / "slurm-local" / "start.sh";
}

fs::path stop_script() {
    return t::shared_dir() / "tools" / "slurm-local" / "stop.sh";
}

// Short (unix socket paths) and one per build tree, so that two builds never share a cluster.
fs::path cluster_dir() {
    if (const char* dir = std::getenv("SIFKIT_SLURM_DIR"); dir != nullptr && *dir != '\0') {
        return dir;
    }
    return fs::path("/tmp") /
           ("sifkit-slurm-" + t::sha256_hex(SIFKIT_SLURM_BUILD_DIR).substr(0, 8));
}

std::string random_hex(std::size_t digits) {
    std::random_device random;
    std::string text;
    while (text.size() < digits) {
        char chunk[9];
        std::snprintf(chunk, sizeof chunk, "%08x", random());
        text += chunk;
    }
    return text.substr(0, digits);
}

std::string random_uuid() {
    const std::string h = random_hex(32);
    return h.substr(0, 8) + "-" + h.substr(8, 4) + "-4" + h.substr(13, 3) + "-a" + h.substr(17, 3) +
           "-" + h.substr(20, 12);
}

// srun and salloc say "job N queued and waiting for resources" and "job N has been allocated
// resources" only when the job had to wait, which depends on the machine's load: drop those two
// notices so that a job's output is the same however busy the node is.
std::string without_queue_notices(const std::string& err) {
    std::istringstream lines(err);
    std::string kept;
    std::string line;
    while (std::getline(lines, line)) {
        const bool from_client = line.starts_with("srun: job ") || line.starts_with("salloc: job ");
        if (from_client && (line.ends_with(" queued and waiting for resources") ||
                            line.ends_with(" has been allocated resources"))) {
            continue;
        }
        kept += line + "\n";
    }
    return kept;
}

void require_ok(const t::RunResult& r) {
    if (r.exit_code != 0) {
        throw std::runtime_error(r.describe() + "\nstdout: " + r.out);
    }
}

// An exclusive flock held for the scope (prepare() runs in several test processes at once).
struct ScopedLock {
    int fd;
    explicit ScopedLock(const fs::path& file)
        : fd(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
        if (fd < 0 || ::flock(fd, LOCK_EX) != 0) {
            throw std::runtime_error("cannot lock " + file.string());
        }
    }
    ~ScopedLock() { ::close(fd); }
};

// The plugin line of slurm/examples/plugstack.conf, its paths replaced by this cluster's: the
// documented configuration is the one the tests run.
std::string plugstack_line(const Cluster& c) {
    std::istringstream example(t::read_file(t::repo_root() / "slurm/examples/plugstack.conf"));
    std::string line;
    while (std::getline(example, line) && !line.starts_with("required ")) {
    }
    if (!line.starts_with("required ")) {
        throw std::runtime_error("slurm/examples/plugstack.conf has no 'required' line");
    }
    const std::vector<std::pair<std::string, std::string>> paths = {
        {"/usr/local/lib/slurm/sifkit_spank.so", SIFKIT_SPANK_PLUGIN},
        {"/etc/sifkit/keys", c.keys_dir().string()},
        {"/usr/local/bin/sifkit", t::sifkit_bin().string()},
        {"/var/cache/sifkit", c.plugin_cache().string()}};
    for (const auto& [from, to] : paths) {
        const auto at = line.find(from);
        if (at == std::string::npos) {
            throw std::runtime_error("slurm/examples/plugstack.conf no longer names " + from);
        }
        line.replace(at, from.size(), to);
    }
    return line + "\n";
}

}  // namespace

PluginSettings::PluginSettings(fs::path conf, const std::vector<std::string>& arguments)
    : conf_(std::move(conf)), original_(t::read_file(conf_)) {
    std::istringstream words(original_);
    std::vector<std::string> kept;
    for (std::string word; words >> word;) {
        const std::string name = word.substr(0, word.find('=') + 1);
        const bool replaced = std::any_of(arguments.begin(), arguments.end(), [&](const auto& a) {
            return word.find('=') != std::string::npos && a.starts_with(name);
        });
        if (!replaced) {
            kept.push_back(word);
        }
    }
    kept.insert(kept.end(), arguments.begin(), arguments.end());
    std::string line;
    for (const std::string& word : kept) {
        line += (line.empty() ? "" : " ") + word;
    }
    t::write_file(conf_, line + "\n");
}

PluginSettings::~PluginSettings() {
    t::write_file(conf_, original_);
}

std::string Job::describe() const {
    return "job " + id + " -> exit " + std::to_string(exit_code) + "\n" + output;
}

std::vector<std::string> Cluster::missing_prerequisites() {
    std::vector<std::string> missing;
    std::error_code ec;
    if (!fs::exists(start_script(), ec)) {
        missing.push_back("slurm-local (" + start_script().string() + "; set SIFKIT_SHARED_DIR)");
    }
    if (::geteuid() != 0) {
        missing.push_back("root (slurm-local runs slurmctld, slurmd and munged as root)");
    }
    if (std::string(SIFKIT_SPANK_PLUGIN).empty()) {
        missing.push_back("sifkit_spank.so (not built: apt-get install libslurm-dev)");
    }
    for (const char* tool : {"python3", "unsquashfs", "chroot"}) {
        if (!t::find_in_path(tool) && !fs::exists(fs::path("/usr/sbin") / tool, ec)) {
            missing.push_back(std::string(tool) + " (scripts/install-deps)");
        }
    }
    return missing;
}

Cluster& Cluster::get() {
    static Cluster* cluster = [] {
        auto* c = new Cluster(cluster_dir());
        c->start();
        c->prepare();
        return c;
    }();
    return *cluster;
}

void Cluster::start() {
    const auto started = t::run({"bash", start_script().string(), dir_.string()});
    if (started.exit_code != 0) {
        throw std::runtime_error("slurm-local did not start: " + started.describe());
    }
}

void Cluster::prepare() {
    const fs::path root = dir_ / "sifkit";
    fs::create_directories(root);
    const ScopedLock lock(dir_ / "sifkit.lock");
    const fs::path conf = plugin_conf();
    const std::string line = plugstack_line(*this);
    if (fs::exists(root / "ready") && fs::exists(conf) && t::read_file(conf) == line) {
        return;
    }
    for (const auto& sub : {"keys", "images", "jobs"}) {
        fs::create_directories(root / sub);
    }
    for (const auto& name : {"site", "other"}) {
        fs::remove(root / (std::string(name) + ".key"));
        fs::remove(root / (std::string(name) + ".pub"));
        require_ok(run_sifkit({"key", "generate", "--type", "ed25519", (root / name).string()}));
    }
    fs::copy_file(root / "site.pub", keys_dir() / "site.pub", fs::copy_options::overwrite_existing);
    make_layout(root / "oci");
    make_image(layout(), image("signed.sif"), key("site.key"));
    make_image(layout(), image("unsigned.sif"), {});
    make_image(layout(), image("untrusted.sif"), key("other.key"));
    fs::copy_file(image("signed.sif"), image("tampered.sif"), fs::copy_options::overwrite_existing);
    tamper(image("tampered.sif"));
    fs::copy_file(image("signed.sif"), image("private.sif"), fs::copy_options::overwrite_existing);
    fs::permissions(image("private.sif"), fs::perms::owner_read | fs::perms::owner_write);
    // Jobs of other users (nobody) must reach the images and the cache.
    for (const fs::path& p : {dir_, root, image("")}) {
        fs::permissions(p, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                               fs::perms::others_read | fs::perms::others_exec);
    }
    fs::remove_all(plugin_cache());
    std::ofstream(conf) << line;  // srun and slurmstepd read it at the next step
    std::ofstream(root / "ready") << "ok\n";
}

int Cluster::teardown() {
    const fs::path dir = cluster_dir();
    std::error_code ec;
    if (!fs::exists(dir / "run", ec)) {
        return 0;
    }
    if (!fs::exists(stop_script(), ec)) {
        std::printf("SKIPPED: %s not found; a cluster may still run under %s\n",
                    stop_script().c_str(), dir.c_str());
        return t::kSkipExitCode;
    }
    const auto stopped = t::run({"bash", stop_script().string(), dir.string()});
    fs::remove_all(dir / "sifkit", ec);
    fs::remove(dir / "etc" / "plugstack.conf.d" / "sifkit.conf", ec);
    if (stopped.exit_code != 0) {
        std::fprintf(stderr, "%s\n", stopped.describe().c_str());
    }
    return stopped.exit_code;
}

fs::path Cluster::unique_image(const std::string& name) const {
    const fs::path out = image(name + "-" + random_hex(8) + ".sif");
    make_image(layout(), out, key("site.key"), random_uuid());
    return out;
}

fs::path Cluster::job_dir(const std::string& name) const {
    const fs::path dir = dir_ / "sifkit" / "jobs" / (name + "-" + random_hex(8));
    fs::create_directories(dir);
    // Sticky and open to all, as /tmp: jobs run as nobody write their output here, and cache
    // directories inside stay safe for sifkit.
    fs::permissions(dir, fs::perms::all | fs::perms::sticky_bit);
    return dir;
}

std::vector<std::string> Cluster::env(std::vector<std::string> extra) const {
    const char* path = std::getenv("PATH");
    std::vector<std::string> env = {
        "SLURM_CONF=" + (dir_ / "etc" / "slurm.conf").string(),
        "PATH=" + t::sifkit_bin().parent_path().string() + ":" +
            (path != nullptr ? path : "/usr/bin:/bin"),
        "SIFKIT=" + t::sifkit_bin().string(),
        "SIFKIT_KEYS=" + keys_dir().string(),
        "SIFKIT_RUNTIME=" + (t::repo_root() / "tests/slurm/sif-runtime").string(),
        "SIFKIT_CACHE",
        "SIFKIT_IMAGE",
        "IMAGE"};
    env.insert(env.end(), extra.begin(), extra.end());
    return env;
}

Job Cluster::sbatch(const fs::path& workdir, const std::vector<std::string>& args,
                    const std::vector<std::string>& extra_env) const {
    std::vector<std::string> argv = {"sbatch", "--wait", "--parsable", "--output=slurm-%j.out"};
    argv.insert(argv.end(), args.begin(), args.end());
    t::RunOptions options;
    options.env = env(extra_env);
    options.cwd = workdir;
    const auto result = t::run(argv, options);
    Job job;
    job.exit_code = result.exit_code;
    job.id = result.out.substr(0, result.out.find_first_of(";\n"));
    const fs::path out = workdir / ("slurm-" + job.id + ".out");
    std::error_code ec;
    job.output = fs::exists(out, ec) ? t::read_file(out) : "(no output file)\n" + result.err;
    return job;
}

Job Cluster::run(const fs::path& workdir, const std::vector<std::string>& argv,
                 const std::vector<std::string>& extra_env) const {
    t::RunOptions options;
    options.env = env(extra_env);
    options.cwd = workdir;
    const auto result = t::run(argv, options);
    return Job{result.exit_code, {}, result.out + without_queue_notices(result.err)};
}

std::vector<std::string> Cluster::plugin_log(const std::string& job) const {
    return lines_with(t::read_file(slurmd_log()), "sifkit_spank: job " + job + " ");
}

}  // namespace slurm_test
