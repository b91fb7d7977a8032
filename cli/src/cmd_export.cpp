// sifkit export: the root file system as a directory or a tar stream, or the image as an OCI
// layout, oci-archive or docker-archive (sifkit::rootfs does the work).
#include "commands.hpp"
#include "io_progress.hpp"
#include "output.hpp"
#include "progress_bar.hpp"
#include "sifkit/rootfs/image_root.hpp"
#include "sifkit/rootfs/oci_export.hpp"
#include "sifkit/rootfs/unpack.hpp"
#include "sifkit/sif/atomic_file.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/image.hpp"

namespace sifkit::cli {
namespace {

struct ExportOptions {
    std::string image;
    std::string destination;
    std::string format = "dir";
    std::string tag;
    bool keep_metadata = false;
    bool force = false;
    bool quiet = false;
    bool no_devices = false;
    bool no_setuid = false;
    bool no_xattrs = false;
};

// What was left out as asked, for the summary: "" or "; left out: 2 device node(s), ...".
std::string left_out_summary(const rootfs::UnpackReport& report) {
    std::vector<std::string> parts;
    const auto count = [](std::uint64_t n) { return std::to_string(n); };
    if (report.devices_left_out > 0) {
        parts.push_back(count(report.devices_left_out) + " device node(s)");
    }
    if (report.setuid_cleared > 0) {
        parts.push_back("the setuid/setgid bits of " + count(report.setuid_cleared) + " file(s)");
    }
    if (report.capabilities_left_out > 0) {
        parts.push_back(count(report.capabilities_left_out) + " file capability(ies)");
    }
    if (report.xattrs_left_out > 0) {
        parts.push_back(count(report.xattrs_left_out) + " xattr(s)");
    }
    std::string out;
    for (const std::string& part : parts) {
        out += (out.empty() ? "; left out: " : ", ") + part;
    }
    return out;
}

void run(const ExportOptions& o) {
    if (o.format != "dir" && (o.no_devices || o.no_setuid || o.no_xattrs)) {
        throw Error(ErrorKind::usage,
                    "--no-devices, --no-setuid and --no-xattrs are for --format dir (the other "
                    "formats keep the tree in tar form)",
                    o.destination);
    }
    const sif::Image image = sif::Image::open(o.image);
    // The image is read about once, whatever the format: its size is the work to do.
    IoProgress progress("export " + o.image, file_size_or_zero(o.image), IoProgress::Counter::read,
                        !o.quiet);
    if (o.format == "dir") {
        const rootfs::SquashfsImage fs = rootfs::open_root(image);
        rootfs::UnpackOptions options;
        options.overwrite = o.force;
        options.devices = !o.no_devices;
        options.setuid = !o.no_setuid;
        options.xattrs = !o.no_xattrs;
        const rootfs::UnpackReport report = rootfs::unpack_to_directory(fs, o.destination, options);
        progress.stop();
        report_unpack_skips(report, o.destination);
        report_replaced_tree_left(o.destination, report.replaced_tree_left);
        if (!o.quiet) {
            std::fprintf(stderr, "%s: %llu entries, %s of file data%s\n", o.destination.c_str(),
                         static_cast<unsigned long long>(report.entries),
                         human_bytes(report.bytes).c_str(), left_out_summary(report).c_str());
        }
        return;
    }
    if (o.format == "tar") {
        const rootfs::SquashfsImage fs = rootfs::open_root(image);
        if (o.destination == "-") {
            refuse_binary_on_terminal("a tar archive", o.force);
            rootfs::write_tar(fs, STDOUT_FILENO, kStdoutName);
            return;
        }
        sif::AtomicFile file(o.destination, o.force ? sif::AtomicFile::Overwrite::replace
                                                    : sif::AtomicFile::Overwrite::refuse);
        rootfs::write_tar(fs, file.fd(), o.destination);
        file.commit();
        return;
    }
    rootfs::OciExportOptions options;
    if (o.format == "oci") {
        options.format = rootfs::OciFormat::layout;
    } else if (o.format == "oci-archive") {
        options.format = rootfs::OciFormat::oci_archive;
    } else if (o.format == "docker-archive") {
        options.format = rootfs::OciFormat::docker_archive;
    } else {
        throw Error(ErrorKind::usage,
                    "--format must be dir, tar, oci, oci-archive or "
                    "docker-archive, not " +
                        o.format);
    }
    options.keep_singularity_metadata = o.keep_metadata;
    options.overwrite = o.force;
    options.tag = o.tag;
    const rootfs::OciExportResult result = rootfs::export_oci(image, o.destination, options);
    progress.stop();
    report_replaced_tree_left(o.destination, result.replaced_tree_left);
    if (!o.quiet) {
        write_stdout(o.destination + ": manifest " + result.manifest_digest + ", " +
                     std::to_string(result.layers) + " layer(s), " + human_bytes(result.bytes) +
                     "\n");
    }
}

}  // namespace

void register_export(CLI::App& app) {
    auto o = std::make_shared<ExportOptions>();
    CLI::App* cmd = app.add_subcommand(
        "export", "Write an image's root file system as a directory or tar, or as an OCI image");
    cmd->add_option("IMAGE", o->image, "SIF or OCI-SIF image")->required();
    cmd->add_option("DESTINATION", o->destination,
                    "Directory, file, or - (standard output, --format tar)")
        ->required();
    cmd->add_option("--format", o->format, "dir, tar, oci, oci-archive or docker-archive")
        ->capture_default_str();
    cmd->add_option("--tag", o->tag,
                    "oci/oci-archive: ref name (default latest); docker-archive: REPO:TAG");
    cmd->add_flag("--keep-singularity-metadata", o->keep_metadata,
                  "Keep /.singularity.d and its links in OCI exports");
    cmd->add_flag("-f,--force", o->force,
                  "Replace DESTINATION if it exists; write a tar to - even on a terminal");
    cmd->add_flag("-q,--quiet", o->quiet, "No summary");
    cmd->add_flag("--no-devices", o->no_devices, "dir: create no character or block device nodes");
    cmd->add_flag("--no-setuid", o->no_setuid,
                  "dir: clear setuid/setgid bits of files, set no file capabilities");
    cmd->add_flag("--no-xattrs", o->no_xattrs, "dir: set no extended attributes");
    cmd->footer(
        "Examples:\n  sifkit export app.sif rootfs/\n"
        "  sifkit export --no-devices --no-setuid untrusted.sif rootfs\n"
        "  sifkit export --format tar app.sif - | tar -tv\n"
        "  sifkit export --format oci app.sif layout && skopeo inspect oci:layout\n"
        "  sifkit export --format docker-archive --tag app:1 app.sif app.tar");
    cmd->callback([o] { run(*o); });
}

}  // namespace sifkit::cli
