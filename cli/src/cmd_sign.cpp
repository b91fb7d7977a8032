// sifkit sign: DSSE and OpenPGP signatures compatible with the reference library.
#include "certificate_options.hpp"
#include "commands.hpp"
#include "cosign_oci_sif.hpp"
#include "io_progress.hpp"
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
    std::vector<std::string> pgp_keys;  // secret key files
    std::vector<std::string> gpg_keys;  // keys gpg holds
    std::vector<std::uint32_t> groups;
    std::vector<std::uint32_t> objects;
    bool all = false;
    bool cosign = false;
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
    CLI::App* cmd =
        app.add_subcommand("sign", "Sign object groups (DSSE envelopes, or OpenPGP as Apptainer)");
    cmd->add_option("SIF_PATH", o->image, "Image to sign")->required();
    cmd->add_option("-k,--key", o->keys,
                    "PEM private key, or a PKCS#11 URI (pkcs11:token=...;object=...) of a key "
                    "in a token (repeat for several signatures)");
    cmd->add_option("--pgp-key", o->pgp_keys,
                    "OpenPGP secret key file, armored or binary (repeatable): an OpenPGP "
                    "signature as apptainer sign makes");
    cmd->add_option("--gpg-key", o->gpg_keys,
                    "Fingerprint or user ID of a secret key gpg holds (gpg-agent, smartcards; "
                    "repeatable)");
    auto* group =
        cmd->add_option("-g,--group", o->groups, "Sign group N whole (repeatable; default: all)");
    auto* object = cmd->add_option(
        "--object", o->objects,
        "Sign just object ID; objects are split by group, one signature each (repeatable)");
    cmd->add_flag("--all", o->all, "Sign every group (the default)")
        ->excludes(group)
        ->excludes(object);
    cmd->add_option("--passphrase-file", o->passphrase_file,
                    "Passphrase of encrypted keys (else asked on the terminal)");
    cmd->add_option("--passphrase-env", o->passphrase_env,
                    "Environment variable holding the passphrase of encrypted keys");
    cmd->add_flag("--cosign", o->cosign,
                  "Sign an OCI-SIF image with a cosign signature, as SingularityCE 4.3's sign "
                  "--cosign (one --key: cosign.key, or a PEM private key; COSIGN_PASSWORD)");
    o->time.add_to(*cmd);
    o->certificate.add_signing_to(*cmd);
    cmd->footer(
        "Examples:\n  sifkit sign image.sif --key site-signing.key\n"
        "  sifkit sign image.sif --key a.key --key b.key --object 1 --object 2\n"
        "  sifkit sign image.sif --pgp-key release-secret.asc --passphrase-file pass.txt\n"
        "  sifkit sign image.sif --gpg-key ops@site.example\n"
        "  COSIGN_PASSWORD=... sifkit sign --cosign --key cosign.key image.oci.sif\n"
        "  sifkit sign image.sif --key signer.key --certificate signer.pem "
        "--certificate-intermediates ca-chain.pem");
    cmd->callback([o] {
        const std::string passphrase = read_passphrase(o->passphrase_file, o->passphrase_env);
        const bool passphrase_given = !o->passphrase_file.empty() || !o->passphrase_env.empty();
        if (o->cosign) {
            if (o->keys.size() != 1 || !o->pgp_keys.empty() || !o->gpg_keys.empty() ||
                !o->groups.empty() || !o->objects.empty() || o->certificate.given()) {
                throw Error(ErrorKind::usage,
                            "--cosign signs the whole OCI image with exactly one --key");
            }
            const std::string& path = o->keys.front();
            const auto load_key = [&] {
                return sign::PrivateKey::load(path, [&]() -> std::optional<std::string> {
                    if (passphrase_given) {
                        return passphrase;
                    }
                    return cosign_passphrase("Passphrase for " + path + ": ");
                });
            };
            cosign_sign_oci_sif(o->image, load_key, o->time.resolve());
            return;
        }
        if (o->keys.empty() && o->pgp_keys.empty() && o->gpg_keys.empty()) {
            throw Error(ErrorKind::usage, "no signing key: give --key, --pgp-key or --gpg-key");
        }
        // An encrypted key's passphrase: from the options, else asked on the terminal.
        const auto passphrase_for = [&](const std::string& path) {
            return [&, path]() -> std::optional<std::string> {
                if (passphrase_given) {
                    return passphrase;
                }
                return prompt_passphrase("Passphrase for " + path + ": ");
            };
        };
        std::vector<sign::PrivateKey> keys;
        for (const auto& path : o->keys) {
            if (!sign::PrivateKey::is_pkcs11_uri(path)) {
                keys.push_back(sign::PrivateKey::load(path, passphrase_for(path)));
                continue;
            }
            // A token's PIN: from the URI's pin-value, the passphrase options, or the terminal.
            std::string pin = passphrase;
            if (!passphrase_given && path.find("pin-value=") == std::string::npos) {
                pin = prompt_passphrase("PIN for " + path.substr(0, path.find('?')) + ": ")
                          .value_or(std::string());
            }
            keys.push_back(sign::PrivateKey::from_pkcs11(path, pin));
        }
        std::vector<sign::PgpSigner> signers;
        for (const auto& path : o->pgp_keys) {
            signers.push_back(sign::PgpSigner::from_key_file(path, passphrase_for(path)));
        }
        for (const auto& name : o->gpg_keys) {
            signers.push_back(sign::PgpSigner::from_gpg(name));
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
        for (const auto& signer : signers) {
            options.pgp_signers.push_back(&signer);
        }
        options.groups = o->groups;
        options.objects = o->objects;
        options.time = o->time.resolve();
        sif::Image image = sif::Image::open(o->image, sif::OpenMode::read_write);
        // Not with --gpg-key: gpg-agent's pinentry may need the terminal meanwhile.
        IoProgress progress("sign " + o->image, file_size_or_zero(o->image),
                            IoProgress::Counter::read, o->gpg_keys.empty());
        const auto added = sign::sign_image(image, options);
        image.sync();
        progress.stop();
        // One DSSE envelope (for every --key together) and one object per OpenPGP key a group.
        const std::size_t per_group = (keys.empty() ? 0 : 1) + signers.size();
        write_stdout("signed " + std::to_string(added.size() / per_group) +
                     " group(s); signature object(s) " + join_ids(added) + "\n");
    });
}

}  // namespace sifkit::cli
