// sifkit key list / import / export / remove: the OpenPGP keyring directory (sign/keyring.hpp),
// shown the way `apptainer key list` shows its keyring.
#include <ctime>

#include "commands.hpp"
#include "output.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sign/keyring.hpp"

namespace sifkit::cli {
namespace {

struct KeyringOptions {
    std::string keyring;
    std::vector<std::string> files;
    std::string selector;
    std::string output;
    bool armor = false;
    bool json = false;
    bool force = false;

    sign::PgpKeyring open() const {
        return sign::PgpKeyring(keyring.empty() ? sign::PgpKeyring::default_dir()
                                                : std::filesystem::path(keyring));
    }
};

// Go's time.Time format, which Apptainer's listing uses ("2006-01-02 15:04:05 -0700 MST"), in UTC.
std::string creation_time(std::uint32_t seconds) {
    const std::time_t t = seconds;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char text[64];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
    return text;
}

const char* algorithm_name(std::uint8_t algorithm) {
    switch (algorithm) {
        case 1:
            return "rsa";
        case 22:
            return "eddsa";
        default:
            return "unsupported";
    }
}

void add_keyring_option(CLI::App* command, const std::shared_ptr<KeyringOptions>& o) {
    command->add_option("--keyring", o->keyring,
                        "Keyring directory (default: $SIFKIT_KEYRING, else "
                        "$XDG_CONFIG_HOME/sifkit/keys or ~/.config/sifkit/keys)");
}

void list(const KeyringOptions& o) {
    const sign::PgpKeyring keyring = o.open();
    const auto certificates = keyring.list();
    if (o.json) {
        nlohmann::ordered_json keys = nlohmann::ordered_json::array();
        for (const auto& c : certificates) {
            keys.push_back({{"fingerprint", c.fingerprint_hex()},
                            {"user_id", c.user_id()},
                            {"created", c.primary().created},
                            {"algorithm", algorithm_name(c.primary().algorithm)},
                            {"bits", c.primary().bit_length()},
                            {"file", c.origin()}});
        }
        print_json({{"keyring", keyring.dir().string()}, {"keys", keys}});
        return;
    }
    std::string out = "Public key listing (" + keyring.dir().string() + "):\n\n";
    for (std::size_t i = 0; i < certificates.size(); ++i) {
        const auto& c = certificates[i];
        const std::string indent(std::to_string(i).size() + 2, ' ');
        out += std::to_string(i) + ") U: " + c.user_id() + "\n";
        out += indent + "C: " + creation_time(c.primary().created) + "\n";
        out += indent + "F: " + c.fingerprint_hex() + "\n";
        out += indent + "L: " + std::to_string(c.primary().bit_length()) + "\n";
        out += indent + "--------\n";
    }
    write_stdout(out);
}

void import(const KeyringOptions& o) {
    sign::PgpKeyring keyring = o.open();
    std::string out;
    for (const auto& file : o.files) {
        for (const auto& certificate : sign::PgpCertificate::load(file)) {
            const auto result = keyring.import(certificate);
            const char* what = result == sign::PgpKeyring::ImportResult::added     ? "added"
                               : result == sign::PgpKeyring::ImportResult::updated ? "updated"
                                                                                   : "unchanged";
            out += certificate.fingerprint_hex() + " " + what + ": " + certificate.user_id() + "\n";
        }
    }
    write_stdout(out);
}

void export_keys(const KeyringOptions& o) {
    std::string text;
    for (const auto& certificate : o.open().find(o.selector)) {
        if (o.armor) {
            text += sign::armored(certificate);
        } else {
            text.append(certificate.packets().begin(), certificate.packets().end());
        }
    }
    if (o.output == "-") {
        write_stdout(text);
        return;
    }
    write_file_atomically(o.output, text, 0644, o.force);
}

}  // namespace

void register_keyring_commands(CLI::App& key) {
    auto o = std::make_shared<KeyringOptions>();

    CLI::App* ls = key.add_subcommand("list", "List the OpenPGP keys of the keyring");
    add_keyring_option(ls, o);
    ls->add_flag("--json", o->json, "Print the keys as JSON");
    ls->footer("Example:\n  sifkit key list --keyring /etc/sifkit/keys");
    ls->callback([o] { list(*o); });

    CLI::App* imp = key.add_subcommand(
        "import", "Add OpenPGP public keys (armored or binary, Apptainer keyrings, gpg exports)");
    add_keyring_option(imp, o);
    imp->add_option("FILES", o->files, "Key files or keyrings")->required();
    imp->footer(
        "Examples:\n  gpg --export ops@site.example > ops.gpg && sifkit key import ops.gpg\n"
        "  sifkit key import ~/.apptainer/keys/pgp-public");
    imp->callback([o] { import(*o); });

    CLI::App* exp = key.add_subcommand("export", "Write keys of the keyring to a file");
    add_keyring_option(exp, o);
    exp->add_option("KEY", o->selector, "Fingerprint, or key ID (its last 16 hex digits)")
        ->required();
    exp->add_option("OUTPUT", o->output, "Output file ('-': standard output)")->required();
    exp->add_flag("-a,--armor", o->armor, "ASCII armor, as gpg --armor");
    exp->add_flag("-f,--force", o->force, "Replace an existing output file");
    exp->footer(
        "Example:\n  sifkit key export --armor 12045C8C0B1004D058DE4BEDA20C27EE7FF7BA84 "
        "unit.asc");
    exp->callback([o] { export_keys(*o); });

    CLI::App* rm = key.add_subcommand("remove", "Remove keys from the keyring");
    add_keyring_option(rm, o);
    rm->add_option("KEY", o->selector, "Fingerprint, or key ID (its last 16 hex digits)")
        ->required();
    rm->footer("Example:\n  sifkit key remove A20C27EE7FF7BA84");
    rm->callback([o] {
        std::string out;
        for (const auto& certificate : o->open().remove(o->selector)) {
            out += certificate.fingerprint_hex() + " removed: " + certificate.user_id() + "\n";
        }
        write_stdout(out);
    });
}

}  // namespace sifkit::cli
