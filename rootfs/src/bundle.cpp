#include "sifkit/rootfs/bundle.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "runtime_config.hpp"
#include "sifkit/rootfs/image_root.hpp"
#include "sifkit/rootfs/inspect.hpp"
#include "sifkit/sif/error.hpp"
#include "staging.hpp"
#include "unpack_into.hpp"

namespace sifkit::rootfs {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr const char* kDefaultPath =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

std::vector<std::string> strings(const Json& runtime, const char* key) {
    std::vector<std::string> out;
    if (runtime.contains(key) && runtime[key].is_array()) {
        for (const Json& item : runtime[key]) {
            if (item.is_string()) {
                out.push_back(item.get<std::string>());
            }
        }
    }
    return out;
}

// Whether a definition file has a %runscript section: the image was built to run it, rather
// than its base image's entrypoint (Apptainer's `run` runs it).
bool defines_runscript(const std::string& deffile) {
    std::size_t start = 0;
    while (start < deffile.size()) {
        const auto end = std::min(deffile.find('\n', start), deffile.size());
        std::string line = deffile.substr(start, end - start);
        line.erase(0, line.find_first_not_of(" \t"));
        std::transform(line.begin(), line.end(), line.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (line.rfind("%runscript", 0) == 0 &&
            (line.size() == 10 || line[10] == ' ' || line[10] == '\t' || line[10] == '\r')) {
            return true;
        }
        start = end + 1;
    }
    return false;
}

bool has_run_action(const sif::Image& image) {
    try {
        return open_root(image).stat("/.singularity.d/actions/run", true).type == FileType::regular;
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::not_found) {
            throw;
        }
    }
    return false;
}

}  // namespace

BundleProcess bundle_process(const sif::Image& image, const std::vector<std::string>& extra_args) {
    const ImageMetadata metadata = read_metadata(image);
    BundleProcess process;
    const bool built_runscript = metadata.runscript && metadata.deffile &&
                                 defines_runscript(*metadata.deffile) && has_run_action(image);
    if (metadata.config && !built_runscript) {
        const Json runtime = Json::parse(*metadata.config, nullptr, false);
        if (runtime.is_discarded() || !runtime.is_object()) {
            throw Error(ErrorKind::invalid_input, "the image's OCI config is not a JSON object",
                        image.name());
        }
        process.args = strings(runtime, "Entrypoint");
        const std::vector<std::string> cmd =
            extra_args.empty() ? strings(runtime, "Cmd") : extra_args;
        process.args.insert(process.args.end(), cmd.begin(), cmd.end());
        process.env = strings(runtime, "Env");
        if (runtime.contains("WorkingDir") && runtime["WorkingDir"].is_string() &&
            !runtime["WorkingDir"].get<std::string>().empty()) {
            process.cwd = runtime["WorkingDir"].get<std::string>();
        }
    } else if (metadata.runscript) {
        // Apptainer's run action sources the environment scripts first; without it (very old
        // images) the runscript runs alone.
        const bool has_action = built_runscript || has_run_action(image);
        process.args = has_action
                           ? std::vector<std::string>{"/.singularity.d/actions/run"}
                           : std::vector<std::string>{"/bin/sh", "/.singularity.d/runscript"};
        process.args.insert(process.args.end(), extra_args.begin(), extra_args.end());
    } else {
        process.args = extra_args;
    }
    if (process.args.empty()) {
        throw Error(ErrorKind::invalid_input,
                    "the image defines nothing to run (no entrypoint, command or runscript); "
                    "give the command as arguments",
                    image.name());
    }
    const bool has_path =
        std::any_of(process.env.begin(), process.env.end(),
                    [](const std::string& e) { return e.rfind("PATH=", 0) == 0; });
    if (!has_path) {
        process.env.insert(process.env.begin(), kDefaultPath);
    }
    return process;
}

UnpackReport make_bundle(const sif::Image& image, const fs::path& directory,
                         const BundleOptions& options) {
    const BundleProcess process = bundle_process(image, options.args);
    const SquashfsImage root = open_root(image);
    StagingDirectory staging(directory, options.overwrite);
    // The bundle is staged whole, so its rootfs needs no staging of its own.
    const fs::path rootfs = staging.path() / "rootfs";
    if (::mkdir(rootfs.c_str(), 0700) != 0) {
        throw_errno("cannot create", (staging.destination() / "rootfs").string());
    }
    UnpackOptions unpack;
    unpack.devices = options.devices;
    unpack.setuid = options.setuid;
    unpack.xattrs = options.xattrs;
    UnpackReport report =
        unpack_into(root, rootfs, (staging.destination() / "rootfs").string(), unpack);
    detail::RuntimeConfig config;
    config.args = process.args;
    config.env = process.env;
    config.cwd = process.cwd;
    config.writable = options.writable;
    write_whole_file(staging.path() / "config.json", detail::runtime_config(config).dump(2) + "\n");
    if (const auto left = staging.commit()) {
        report.replaced_tree_left = left->string();
    }
    return report;
}

}  // namespace sifkit::rootfs
