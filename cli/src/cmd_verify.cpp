// sifkit verify / stage: check signatures against trusted keys; stage also copies the image,
// verifying the copy's bytes in the same read.
#include "commands.hpp"
#include "exit_codes.hpp"
#include "sifkit/sif/image.hpp"
#include "sifkit/sign/stage.hpp"
#include "verify_report.hpp"

namespace sifkit::cli {
namespace {

constexpr const char* kExitCodes =
    "Exit codes: 0 verified, 10 not signed, 11 signature invalid or image tampered,\n"
    "12 signed but by no trusted key, 4 unreadable or corrupt image, 2 usage error.\n";

struct StageCliOptions {
    std::string image;
    std::string destination;
    bool force = false;
    VerifyCliOptions verify;
};

}  // namespace

void register_verify(CLI::App& app) {
    auto o = std::make_shared<StageCliOptions>();
    CLI::App* cmd =
        app.add_subcommand("verify", "Verify an image's signatures against trusted keys");
    cmd->add_option("sif_path", o->image, "Image to verify")->required();
    o->verify.add_to(*cmd);
    cmd->footer(std::string(kExitCodes) +
                "Examples:\n  sifkit verify image.sif --key site-signing.pub\n"
                "  sifkit verify image.sif --keys-dir /etc/sifkit/keys --group 1 --json");
    cmd->callback([o] {
        sign::TrustedKeys keys;
        const sign::VerifyOptions options = o->verify.resolve(keys);
        const sif::Image image = sif::Image::open(o->image);
        const sign::VerifyReport report = sign::verify_image(image, options);
        print_report(o->image, report, o->verify.json);
        if (report.status != sign::VerifyStatus::verified) {
            throw VerifyFailed{exit_code_for(report.status)};
        }
    });
}

void register_stage(CLI::App& app) {
    auto o = std::make_shared<StageCliOptions>();
    CLI::App* cmd = app.add_subcommand(
        "stage", "Copy an image to DEST, verifying the copy in the same read; keep it if verified");
    cmd->add_option("sif_path", o->image, "Image to stage")->required();
    cmd->add_option("dest", o->destination, "Where the verified copy goes")->required();
    cmd->add_flag("-f,--force", o->force, "Replace DEST if it exists (otherwise exit 6)");
    o->verify.add_to(*cmd);
    cmd->footer(std::string(kExitCodes) + "6 DEST exists (without --force).\n" +
                "Example:\n  sifkit stage incoming/image.sif /srv/images/image.sif --key "
                "site-signing.pub");
    cmd->callback([o] {
        sign::TrustedKeys keys;
        const sign::VerifyOptions options = o->verify.resolve(keys);
        const sign::StageResult result = sign::stage_image(
            o->image, o->destination, options,
            o->force ? sif::AtomicFile::Overwrite::replace : sif::AtomicFile::Overwrite::refuse);
        print_report(
            o->image, result.report, o->verify.json,
            result.written ? "staged to " + o->destination : o->destination + ": not written");
        if (!result.written) {
            throw VerifyFailed{exit_code_for(result.report.status)};
        }
    });
}

}  // namespace sifkit::cli
