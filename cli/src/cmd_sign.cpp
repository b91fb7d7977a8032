// sifkit sign: DSSE signatures compatible with the reference library.
#include "certificate_options.hpp"
#include "commands.hpp"
#include "output.hpp"
#include "passphrase.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sign/certificate.hpp"
#include "sifkit/sign/sign.hpp"
#include "time_option.hpp"

namespace sifkit::cli {

namespace {

struct SignCliOptions {
    std::string image;
    std::vector<std::string> keys;
    std::vector<std::uint32_t> groups;
    std::vector<std::uint32_t> objects;
    bool all = false;
    std::string passphrase_file;
    std::string passphrase_env;
    TimeOption time;
    CertificateCliOptions certificate;
};

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
    auto* group =
        cmd->add_option("-g,--group", o->groups, "Sign group N whole (repeatable; default: all)");
    auto* object = cmd->add_option(
        "--object", o->objects,
        "Sign just object ID; objects are split by group, one signature each (repeatable)");
    cmd->add_flag("--all", o->all, "Sign every group (the default)")
        ->excludes(group)
        ->excludes(object);
    cmd->add_option("--passphrase-file", o->passphrase_file, "Passphrase of encrypted keys");
    cmd->add_option("--passphrase-env", o->passphrase_env,
                    "Environment variable holding the passphrase of encrypted keys");
    o->time.add_to(*cmd);
    o->certificate.add_signing_to(*cmd);
    cmd->footer(
        "Examples:\n  sifkit sign image.sif --key site-signing.key\n"
        "  sifkit sign image.sif --key a.key --key b.key --object 1 --object 2\n"
        "  sifkit sign image.sif --key signer.key --certificate signer.pem "
        "--certificate-intermediates ca-chain.pem");
    cmd->callback([o] {
        const std::string passphrase = read_passphrase(o->passphrase_file, o->passphrase_env);
        std::vector<sign::PrivateKey> keys;
        for (const auto& path : o->keys) {
            keys.push_back(sign::PrivateKey::load(path, passphrase));
        }
        if (o->certificate.given()) {
            if (keys.size() != 1) {
                throw Error(ErrorKind::usage,
                            "--certificate signs with exactly one --key, its own");
            }
            sign::check_signing_certificate(o->certificate.certificate, keys.front(),
                                            o->certificate.intermediates);
        }
        sign::SignOptions options;
        for (const auto& k : keys) {
            options.keys.push_back(&k);
        }
        options.groups = o->groups;
        options.objects = o->objects;
        options.time = o->time.resolve();
        sif::Image image = sif::Image::open(o->image, sif::OpenMode::read_write);
        const auto added = sign::sign_image(image, options);
        image.sync();
        write_stdout("signed " + std::to_string(added.size()) + " group(s); signature object(s) " +
                     join_ids(added) + "\n");
    });
}

}  // namespace sifkit::cli
