// sifkit dump: write one object's raw bytes to standard output or a file (siftool dump).
#include "commands.hpp"
#include "output.hpp"
#include "sifkit/sif/image.hpp"

namespace sifkit::cli {
namespace {

struct DumpOptions {
    std::uint32_t id = 0;
    std::string image;
    std::string output;
    bool force = false;
};

void run(const DumpOptions& o) {
    const sif::Image image = sif::Image::open(o.image);
    write_object(image, image.object(o.id), o.output, o.force);
}

}  // namespace

void register_dump(CLI::App& app) {
    auto o = std::make_shared<DumpOptions>();
    CLI::App* cmd = app.add_subcommand("dump", "Write a data object's bytes to standard output");
    cmd->add_option("ID", o->id, "ID of the object")->required();
    cmd->add_option("SIF_PATH", o->image, "Image")->required();
    cmd->add_option("-o,--output", o->output, "Write to this file instead (created atomically)");
    cmd->add_flag("-f,--force", o->force, "Replace the --output file if it exists");
    cmd->footer(
        "Examples:\n  sifkit dump 1 image.sif > recipe.def\n"
        "  sifkit dump -o rootfs.squashfs 3 image.sif");
    cmd->callback([o] { run(*o); });
}

}  // namespace sifkit::cli
