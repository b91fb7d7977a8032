// sifkit list / info / header: show the descriptor table, one descriptor, the global header.
#include <sstream>

#include "commands.hpp"
#include "json_view.hpp"
#include "output.hpp"
#include "sifkit/sif/image.hpp"
#include "siftool_text.hpp"

namespace sifkit::cli {
namespace {

struct InspectOptions {
    std::uint32_t id = 0;
    std::string image;
    bool json = false;
};

}  // namespace

void register_list(CLI::App& app) {
    auto o = std::make_shared<InspectOptions>();
    CLI::App* cmd = app.add_subcommand("list", "List the data objects of a SIF image");
    cmd->add_option("SIF_PATH", o->image, "Image")->required();
    cmd->add_flag("--json", o->json, "Print JSON (fields in docs/cli.md)");
    cmd->footer("Examples:\n  sifkit list image.sif\n  sifkit list --json image.sif");
    cmd->callback([o] {
        const sif::Image image = sif::Image::open(o->image);
        if (o->json) {
            print_json(list_json(image));
            return;
        }
        std::ostringstream out;
        write_list_text(out, image);
        write_stdout(out.str());
    });
}

void register_info(CLI::App& app) {
    auto o = std::make_shared<InspectOptions>();
    CLI::App* cmd = app.add_subcommand("info", "Show one data object's descriptor");
    cmd->add_option("ID", o->id, "ID of the object")->required();
    cmd->add_option("SIF_PATH", o->image, "Image")->required();
    cmd->add_flag("--json", o->json, "Print JSON (fields in docs/cli.md)");
    cmd->footer("Examples:\n  sifkit info 1 image.sif\n  sifkit info --json 1 image.sif");
    cmd->callback([o] {
        const sif::Image image = sif::Image::open(o->image);
        const sif::Descriptor& d = image.object(o->id);
        if (o->json) {
            print_json(descriptor_json(image, d));
            return;
        }
        std::ostringstream out;
        write_info_text(out, d);
        write_stdout(out.str());
    });
}

void register_header(CLI::App& app) {
    auto o = std::make_shared<InspectOptions>();
    CLI::App* cmd = app.add_subcommand("header", "Show the global header of a SIF image");
    cmd->add_option("SIF_PATH", o->image, "Image")->required();
    cmd->add_flag("--json", o->json, "Print JSON (fields in docs/cli.md)");
    cmd->footer("Examples:\n  sifkit header image.sif\n  sifkit header --json image.sif");
    cmd->callback([o] {
        const sif::Image image = sif::Image::open(o->image);
        if (o->json) {
            print_json(header_json(image));
            return;
        }
        std::ostringstream out;
        write_header_text(out, image);
        write_stdout(out.str());
    });
}

}  // namespace sifkit::cli
