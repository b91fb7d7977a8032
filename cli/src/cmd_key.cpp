// sifkit key generate / fingerprint: PEM key pairs for DSSE signing (the OpenPGP keyring
// subcommands are in cmd_key_ring.cpp).
#include <fcntl.h>
#include <sys/stat.h>

#include <cstdlib>

#include "commands.hpp"
#include "output.hpp"
#include "passphrase.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sign/cosign_key.hpp"
#include "sifkit/sign/keys.hpp"

namespace sifkit::cli {
namespace {

struct KeyOptions {
    std::string type = "ed25519";
    std::string name;
    std::string passphrase_file;
    std::string passphrase_env;
    bool force = false;
    std::string key;
};

// cosign's key pair: ECDSA P-256, the private key in cosign's encrypted format.
constexpr std::string_view kCosignType = "cosign";

sign::PrivateKey generate(const std::string& type) {
    if (type == kCosignType)
        return sign::PrivateKey::generate(sign::KeyType::ecdsa_p256);
    if (type == "ed25519")
        return sign::PrivateKey::generate(sign::KeyType::ed25519);
    if (type == "ecdsa-p256")
        return sign::PrivateKey::generate(sign::KeyType::ecdsa_p256);
    if (type == "ecdsa-p384")
        return sign::PrivateKey::generate(sign::KeyType::ecdsa_p384);
    if (type == "rsa-3072")
        return sign::PrivateKey::generate(sign::KeyType::rsa);
    throw Error(ErrorKind::usage, "unknown key type " + type +
                                      " (ed25519, ecdsa-p256, ecdsa-p384, rsa-3072, cosign)");
}

// The passphrase sealing a new cosign key: --passphrase-file/--passphrase-env, else
// COSIGN_PASSWORD, else asked twice on the terminal (as cosign generate-key-pair does).
std::string new_cosign_passphrase(const KeyOptions& o) {
    if (!o.passphrase_file.empty() || !o.passphrase_env.empty()) {
        return read_passphrase(o.passphrase_file, o.passphrase_env);
    }
    if (const auto given = cosign_passphrase("Passphrase for the new cosign key: ")) {
        if (std::getenv("COSIGN_PASSWORD") == nullptr &&
            prompt_passphrase("Passphrase again: ").value_or(std::string()) != *given) {
            throw Error(ErrorKind::usage, "the two passphrases differ");
        }
        return *given;
    }
    throw Error(ErrorKind::usage,
                "no passphrase for the cosign key: set COSIGN_PASSWORD (it may be empty), or give "
                "--passphrase-file or --passphrase-env");
}

}  // namespace

void register_key(CLI::App& app) {
    auto o = std::make_shared<KeyOptions>();
    CLI::App* key = app.add_subcommand(
        "key", "Generate signing keys, show key IDs, manage the OpenPGP keyring");
    key->require_subcommand(1);

    CLI::App* gen =
        key->add_subcommand("generate", "Write NAME.key (PKCS#8, mode 0600) and NAME.pub");
    gen->add_option("NAME", o->name, "Base name of the key files (--type cosign: default cosign)");
    gen->add_option("--type", o->type,
                    "ed25519, ecdsa-p256, ecdsa-p384, rsa-3072, or cosign (cosign's own key pair: "
                    "an ECDSA P-256 key sealed with scrypt and NaCl secretbox)")
        ->capture_default_str();
    gen->add_option("--passphrase-file", o->passphrase_file,
                    "Encrypt the private key with the first line of this file");
    gen->add_option("--passphrase-env", o->passphrase_env,
                    "Encrypt the private key with the value of this environment variable");
    gen->add_flag("-f,--force", o->force, "Replace existing key files");
    gen->footer(
        "Examples:\n  sifkit key generate --type ed25519 site-signing\n"
        "  COSIGN_PASSWORD=... sifkit key generate --type cosign   # cosign.key, cosign.pub");
    gen->callback([o] {
        const bool cosign = o->type == kCosignType;
        if (o->name.empty() && !cosign) {
            throw Error(ErrorKind::usage, "NAME is required (the base name of the key files)");
        }
        const std::string name = o->name.empty() ? std::string(kCosignType) : o->name;
        const sign::PrivateKey k = generate(o->type);
        const std::string private_pem =
            cosign ? sign::cosign_private_key_pem(k, new_cosign_passphrase(*o))
                   : k.to_pem(read_passphrase(o->passphrase_file, o->passphrase_env));
        write_file_atomically(name + ".key", private_pem, 0600, o->force);
        write_file_atomically(name + ".pub", k.public_key().to_pem(), 0644, o->force);
        write_stdout(k.public_key().keyid() + "\n");
    });

    CLI::App* fp =
        key->add_subcommand("fingerprint", "Print the key ID recorded in DSSE envelopes");
    fp->add_option("KEY", o->key, "PEM public or private key")->required();
    fp->add_option("--passphrase-file", o->passphrase_file,
                   "Passphrase of an encrypted private key (else asked on the terminal)");
    fp->footer("Example:\n  sifkit key fingerprint site-signing.pub");
    fp->callback([o] {
        try {
            write_stdout(sign::PublicKey::load(o->key).keyid() + "\n");
        } catch (const Error&) {
            // An encrypted key's passphrase: from --passphrase-file, else asked on the terminal.
            const auto k = sign::PrivateKey::load(o->key, [&]() -> std::optional<std::string> {
                if (!o->passphrase_file.empty()) {
                    return read_passphrase(o->passphrase_file, {});
                }
                return prompt_passphrase("Passphrase for " + o->key + ": ");
            });
            write_stdout(k.public_key().keyid() + "\n");
        }
    });
    register_keyring_commands(*key);
}

}  // namespace sifkit::cli
