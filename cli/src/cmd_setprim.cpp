// sifkit setprim: make a System partition the primary one (siftool setprim).
#include "commands.hpp"
#include "sifkit/sif/image.hpp"
#include "time_option.hpp"

namespace sifkit::cli {
namespace {

struct SetprimOptions {
    std::uint32_t id = 0;
    std::string image;
    TimeOption time;
};

void run(const SetprimOptions& o) {
    sif::Image image = sif::Image::open(o.image, sif::OpenMode::read_write);
    image.set_primary(o.id, sif::UpdateOptions{o.time.resolve()});
    image.sync();
}

}  // namespace

void register_setprim(CLI::App& app) {
    auto o = std::make_shared<SetprimOptions>();
    CLI::App* cmd = app.add_subcommand("setprim", "Set the primary system partition");
    cmd->add_option("ID", o->id, "ID of a System partition")->required();
    cmd->add_option("SIF_PATH", o->image, "Image")->required();
    o->time.add_to(*cmd);
    cmd->footer("Example:\n  sifkit setprim 2 image.sif");
    cmd->callback([o] { run(*o); });
}

}  // namespace sifkit::cli
