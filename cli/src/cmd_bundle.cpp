// sifkit bundle: an OCI runtime bundle (config.json + rootfs) that runc runs.
#include "commands.hpp"
#include "output.hpp"
#include "sifkit/rootfs/bundle.hpp"
#include "sifkit/sif/image.hpp"

namespace sifkit::cli {
namespace {

struct BundleCliOptions {
    std::string image;
    std::string directory;
    std::vector<std::string> args;
    bool force = false;
    bool writable = false;
    bool no_devices = false;
    bool no_setuid = false;
    bool no_xattrs = false;
};

}  // namespace

void register_bundle(CLI::App& app) {
    auto o = std::make_shared<BundleCliOptions>();
    CLI::App* cmd = app.add_subcommand("bundle", "Make an OCI runtime bundle (runc) of an image");
    cmd->add_option("IMAGE", o->image, "SIF or OCI-SIF image")->required();
    cmd->add_option("DIRECTORY", o->directory, "Bundle directory to create")->required();
    cmd->add_option("ARGS", o->args, "Run arguments (replace CMD, or go to the runscript)");
    cmd->add_flag("-f,--force", o->force, "Replace DIRECTORY if it exists");
    cmd->add_flag("--writable", o->writable, "Writable root file system (root.readonly false)");
    cmd->add_flag("--no-devices", o->no_devices, "Create no character or block device nodes");
    cmd->add_flag("--no-setuid", o->no_setuid,
                  "Clear setuid/setgid bits of files, set no file capabilities");
    cmd->add_flag("--no-xattrs", o->no_xattrs, "Set no extended attributes");
    cmd->footer(
        "Examples:\n  sifkit bundle app.sif app.bundle && runc run --bundle app.bundle app1\n"
        "  sifkit bundle app.sif app.bundle -- --verbose input.txt\n"
        "  sifkit bundle --no-devices --no-setuid untrusted.sif app.bundle");
    cmd->callback([o] {
        const sif::Image image = sif::Image::open(o->image);
        rootfs::BundleOptions options;
        options.args = o->args;
        options.overwrite = o->force;
        options.writable = o->writable;
        options.devices = !o->no_devices;
        options.setuid = !o->no_setuid;
        options.xattrs = !o->no_xattrs;
        const rootfs::UnpackReport report = rootfs::make_bundle(image, o->directory, options);
        report_unpack_skips(report, o->directory);
        report_replaced_tree_left(o->directory, report.replaced_tree_left);
    });
}

}  // namespace sifkit::cli
