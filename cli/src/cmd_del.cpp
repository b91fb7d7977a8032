// sifkit del: delete a data object (siftool del), optionally zeroing and compacting.
#include "commands.hpp"
#include "sifkit/sif/image.hpp"
#include "time_option.hpp"

namespace sifkit::cli {
namespace {

struct DelOptions {
    std::uint32_t id = 0;
    std::string image;
    bool zero = false;
    bool compact = false;
    TimeOption time;
};

void run(const DelOptions& o) {
    sif::Image image = sif::Image::open(o.image, sif::OpenMode::read_write);
    image.remove(o.id, sif::DeleteOptions{o.zero, o.compact, o.time.resolve()});
    image.sync();
}

}  // namespace

void register_del(CLI::App& app) {
    auto o = std::make_shared<DelOptions>();
    CLI::App* cmd = app.add_subcommand("del", "Delete a data object from a SIF image");
    cmd->add_option("ID", o->id, "ID of the object")->required();
    cmd->add_option("SIF_PATH", o->image, "Image")->required();
    cmd->add_flag("--zero", o->zero, "Overwrite the object's data with zeros");
    cmd->add_flag("--compact", o->compact,
                  "Give the space back (only possible for the last object in the file)");
    o->time.add_to(*cmd);
    cmd->footer("Examples:\n  sifkit del 1 image.sif\n  sifkit del --zero --compact 3 image.sif");
    cmd->callback([o] { run(*o); });
}

}  // namespace sifkit::cli
