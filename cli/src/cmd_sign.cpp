// sifkit sign / verify: DSSE signatures compatible with the reference library.
#include <sstream>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "passphrase.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sign/sign.hpp"
#include "sifkit/sign/verify.hpp"
#include "time_option.hpp"

namespace sifkit::cli {

namespace {

struct SignCliOptions {
    std::string image;
    std::vector<std::string> keys;
    std::vector<std::uint32_t> groups;
    std::string passphrase_file;
    std::string passphrase_env;
    bool json = false;
    TimeOption time;
};

int exit_code_for(sign::VerifyStatus status) {
    switch (status) {
        case sign::VerifyStatus::verified:
            return kExitOk;
        case sign::VerifyStatus::not_signed:
            return kExitNotSigned;
        case sign::VerifyStatus::untrusted:
            return kExitUntrusted;
        case sign::VerifyStatus::invalid:
            return kExitSignatureInvalid;
    }
    return kExitSignatureInvalid;
}

std::string join_ids(const std::vector<std::uint32_t>& ids) {
    std::string text;
    for (const auto id : ids) {
        text += (text.empty() ? "" : ",") + std::to_string(id);
    }
    return text.empty() ? "-" : text;
}

}  // namespace

void register_sign(CLI::App& app) {
    auto o = std::make_shared<SignCliOptions>();
    CLI::App* cmd = app.add_subcommand("sign", "Sign object groups with DSSE envelopes");
    cmd->add_option("sif_path", o->image, "Image to sign")->required();
    cmd->add_option("-k,--key", o->keys, "PEM private key (repeat for several signatures)")
        ->required();
    cmd->add_option("-g,--group", o->groups, "Sign only this group (repeatable; default: all)");
    cmd->add_option("--passphrase-file", o->passphrase_file, "Passphrase of encrypted keys");
    cmd->add_option("--passphrase-env", o->passphrase_env,
                    "Environment variable holding the passphrase of encrypted keys");
    o->time.add_to(*cmd);
    cmd->footer("Example:\n  sifkit sign image.sif --key site-signing.key");
    cmd->callback([o] {
        const std::string passphrase = read_passphrase(o->passphrase_file, o->passphrase_env);
        std::vector<sign::PrivateKey> keys;
        for (const auto& path : o->keys) {
            keys.push_back(sign::PrivateKey::load(path, passphrase));
        }
        sign::SignOptions options;
        for (const auto& k : keys) {
            options.keys.push_back(&k);
        }
        options.groups = o->groups;
        options.time = o->time.resolve();
        sif::Image image = sif::Image::open(o->image, sif::OpenMode::read_write);
        const auto added = sign::sign_image(image, options);
        image.sync();
        write_stdout("signed " + std::to_string(added.size()) + " group(s); signature object(s) " +
                     join_ids(added) + "\n");
    });
}

void register_verify(CLI::App& app) {
    auto o = std::make_shared<SignCliOptions>();
    CLI::App* cmd =
        app.add_subcommand("verify", "Verify an image's signatures against trusted keys");
    cmd->add_option("sif_path", o->image, "Image to verify")->required();
    cmd->add_option("-k,--key", o->keys, "Trusted PEM public key (repeatable)");
    cmd->add_option("-g,--group", o->groups, "Verify only this group (repeatable; default: all)");
    cmd->add_flag("--json", o->json, "Print the report as JSON (fields in docs/cli.md)");
    cmd->footer(
        "Exit codes: 0 verified, 10 not signed, 11 signature invalid or image tampered,\n"
        "12 signed but by no trusted key, 4 unreadable or corrupt image, 2 usage error.\n"
        "Example:\n  sifkit verify image.sif --key site-signing.pub");
    cmd->callback([o] {
        std::vector<sign::PublicKey> keys;
        for (const auto& path : o->keys) {
            keys.push_back(sign::PublicKey::load(path));
        }
        sign::VerifyOptions options;
        for (const auto& k : keys) {
            options.keys.push_back(&k);
        }
        options.groups = o->groups;
        const sif::Image image = sif::Image::open(o->image);
        const sign::VerifyReport report = sign::verify_image(image, options);
        if (o->json) {
            nlohmann::ordered_json j;
            j["image"] = o->image;
            j["status"] = std::string(sign::name_of(report.status));
            j["findings"] = nlohmann::ordered_json::array();
            for (const auto& f : report.findings) {
                j["findings"].push_back({{"signature_id", f.signature_id},
                                         {"group", f.group},
                                         {"objects", f.objects},
                                         {"format", f.format},
                                         {"status", std::string(sign::name_of(f.status))},
                                         {"keyids", f.keyids},
                                         {"reason", f.reason}});
            }
            print_json(j);
        } else {
            std::ostringstream out;
            for (const auto& f : report.findings) {
                out << (f.signature_id ? "signature " + std::to_string(f.signature_id)
                                       : std::string("image"))
                    << " group " << f.group << " objects " << join_ids(f.objects) << ": "
                    << sign::name_of(f.status);
                if (!f.keyids.empty()) {
                    out << " by";
                    for (const auto& id : f.keyids) {
                        out << ' ' << id;
                    }
                }
                if (!f.reason.empty()) {
                    out << " (" << f.reason << ")";
                }
                out << '\n';
            }
            out << o->image << ": " << sign::name_of(report.status) << '\n';
            write_stdout(out.str());
        }
        if (report.status != sign::VerifyStatus::verified) {
            throw VerifyFailed{exit_code_for(report.status)};
        }
    });
}

}  // namespace sifkit::cli
