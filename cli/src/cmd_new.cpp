// sifkit new: create an empty image (siftool new), with the reference library's create options.
#include <string>

#include "commands.hpp"
#include "sifkit/sif/atomic_file.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/image.hpp"
#include "time_option.hpp"

namespace sifkit::cli {
namespace {

struct NewOptions {
    std::string path;
    std::string launch;
    std::string id;
    std::int64_t capacity = sif::kDefaultDescriptorCapacity;
    std::string arch;
    TimeOption time;
};

// "\n" in the launch script option stands for a newline, as in the reference oracle.
std::string unescape_newlines(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == 'n') {
            out += '\n';
            ++i;
        } else {
            out += text[i];
        }
    }
    return out;
}

void run(const NewOptions& o) {
    sif::CreateOptions create;
    create.launch_script = unescape_newlines(o.launch);
    create.descriptor_capacity = o.capacity;
    create.time = o.time.resolve();
    if (o.time.deterministic) {
        create.id = sif::Uuid();
    }
    if (!o.id.empty()) {
        create.id = sif::Uuid::parse(o.id);
        if (!create.id) {
            throw Error(ErrorKind::usage, "--id is not a UUID: " + o.id);
        }
    } else if (!create.id && create.time) {
        // Reproducible builds (SOURCE_DATE_EPOCH or --time): the ID follows from the inputs.
        create.id = sif::Uuid::derive("sifkit new\n" + std::to_string(*create.time) + "\n" +
                                      create.launch_script + "\n" + std::to_string(o.capacity));
    }
    if (!o.arch.empty()) {
        const auto arch = sif::Arch::from_go_name(o.arch);
        if (!arch) {
            throw Error(ErrorKind::usage, "unknown architecture: " + o.arch);
        }
        create.arch = *arch;
    }
    // The reference creates images with mode 0755 (they are executable through the launch
    // script); the file appears whole or not at all.
    sif::AtomicFile output(o.path, sif::AtomicFile::Overwrite::replace, 0755);
    sif::Image image = sif::Image::create(output.storage(), create);
    image.sync();
    output.commit();
}

}  // namespace

void register_new(CLI::App& app) {
    auto options = std::make_shared<NewOptions>();
    CLI::App* cmd = app.add_subcommand("new", "Create an empty SIF image");
    cmd->add_option("SIF_PATH", options->path, "Image to create (replaced if it exists)")
        ->required();
    cmd->add_option("--launch", options->launch,
                    "Launch script, at most 31 bytes (\\n stands for a newline)");
    cmd->add_option("--id", options->id, "Image UUID (default: random)");
    cmd->add_option("--capacity", options->capacity, "Number of descriptor slots")
        ->capture_default_str();
    cmd->add_option("--arch", options->arch, "Header architecture (Go name, e.g. amd64)");
    options->time.add_to(*cmd);
    cmd->footer(
        "Examples:\n"
        "  sifkit new image.sif\n"
        "  sifkit new --deterministic --launch '#!/usr/bin/env run-singularity\\n' image.sif");
    cmd->callback([options] { run(*options); });
}

}  // namespace sifkit::cli
