// sifkit extract: one object's raw bytes (or the root file system's partition) to a file or
// standard output, streamed.
#include "commands.hpp"
#include "io_progress.hpp"
#include "output.hpp"
#include "sifkit/rootfs/image_root.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/image.hpp"

namespace sifkit::cli {
namespace {

struct ExtractOptions {
    std::string image;
    std::string output;
    std::optional<std::uint32_t> object;
    bool partition = false;
    bool force = false;
};

void run(const ExtractOptions& o) {
    if (o.object.has_value() == o.partition) {
        throw Error(ErrorKind::usage, "give exactly one of --object ID and --partition");
    }
    const sif::Image image = sif::Image::open(o.image);
    const sif::Descriptor& d = o.partition ? rootfs::root_object(image) : image.object(*o.object);
    if (o.output == "-" && d.type() == sif::DataType::partition) {
        refuse_binary_on_terminal("a partition", o.force);
    }
    IoProgress progress("extract " + o.image, static_cast<std::uint64_t>(d.size),
                        IoProgress::Counter::read, true);
    write_object(image, d, o.output, o.force);
}

}  // namespace

void register_extract(CLI::App& app) {
    auto o = std::make_shared<ExtractOptions>();
    CLI::App* cmd = app.add_subcommand("extract", "Write an object's raw bytes to a file");
    cmd->add_option("IMAGE", o->image, "SIF image")->required();
    cmd->add_option("OUTPUT", o->output, "File to write (created atomically), - for stdout")
        ->required();
    cmd->add_option("--object", o->object, "ID of the object");
    cmd->add_flag("--partition", o->partition,
                  "The root file system's partition (OCI-SIF: its squashfs layer)");
    cmd->add_flag("-f,--force", o->force,
                  "Replace OUTPUT if it exists; write a partition to - even on a terminal");
    cmd->footer(
        "Examples:\n  sifkit extract app.sif --object 1 recipe.def\n"
        "  sifkit extract app.sif --partition rootfs.squashfs");
    cmd->callback([o] { run(*o); });
}

}  // namespace sifkit::cli
