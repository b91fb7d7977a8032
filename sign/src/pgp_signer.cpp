// GPGME wiring for PgpSigner: one context per signer, detached canonical-text signatures,
// loopback pinentry (our passphrase source) for key files, gpg-agent's own for gpg's keys.
#include "sifkit/sign/pgp_signer.hpp"

#include <gpgme.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>

#include "gnupg_home.hpp"
#include "key_file.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sign/clearsign.hpp"

namespace sifkit::sign {
namespace {

struct ReleaseContext {
    void operator()(gpgme_ctx_t ctx) const noexcept { gpgme_release(ctx); }
};
using Context = std::unique_ptr<std::remove_pointer_t<gpgme_ctx_t>, ReleaseContext>;
struct ReleaseData {
    void operator()(gpgme_data_t data) const noexcept { gpgme_data_release(data); }
};
using Data = std::unique_ptr<std::remove_pointer_t<gpgme_data_t>, ReleaseData>;
struct ReleaseKey {
    void operator()(gpgme_key_t key) const noexcept { gpgme_key_unref(key); }
};
using Key = std::unique_ptr<std::remove_pointer_t<gpgme_key_t>, ReleaseKey>;
struct FreeBytes {
    void operator()(char* bytes) const noexcept { gpgme_free(bytes); }
};
using Bytes = std::unique_ptr<char, FreeBytes>;

void check(gpgme_error_t err, const std::string& what, const std::string& file = {}) {
    if (gpgme_err_code(err) != GPG_ERR_NO_ERROR) {
        const auto kind = gpgme_err_code(err) == GPG_ERR_BAD_PASSPHRASE ||
                                  gpgme_err_code(err) == GPG_ERR_NO_PASSPHRASE ||
                                  gpgme_err_code(err) == GPG_ERR_CANCELED
                              ? ErrorKind::denied
                              : ErrorKind::invalid_input;
        throw Error(kind, what + ": " + gpgme_strerror(err), file);
    }
}

void initialize_gpgme() {
    static std::once_flag once;
    std::call_once(once, [] {
        gpgme_check_version(nullptr);
        if (gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP) != 0) {
            throw Error(ErrorKind::unsupported,
                        "OpenPGP signing needs GnuPG (gpg) installed: apt-get install gnupg");
        }
    });
}

Data data_of(std::string_view bytes) {
    gpgme_data_t data = nullptr;
    check(gpgme_data_new_from_mem(&data, bytes.data(), bytes.size(), 1), "preparing data");
    return Data(data);
}

std::string take_bytes(Data data) {
    std::size_t size = 0;
    const Bytes bytes(gpgme_data_release_and_get_mem(data.release(), &size));
    return std::string(bytes != nullptr ? bytes.get() : "", size);
}

PgpFingerprint fingerprint_of(const char* hex, const std::string& origin) {
    PgpFingerprint fingerprint{};
    if (hex == nullptr || std::strlen(hex) != 2 * fingerprint.size()) {
        throw Error(ErrorKind::unsupported, "not a v4 OpenPGP key (no 20-byte fingerprint)",
                    origin);
    }
    for (std::size_t i = 0; i < fingerprint.size(); ++i) {
        fingerprint[i] = static_cast<std::uint8_t>(std::stoul(std::string(hex + 2 * i, 2), 0, 16));
    }
    return fingerprint;
}

}  // namespace

struct PgpSigner::State {
    std::unique_ptr<detail::TemporaryGnupgHome> home;  // key files only
    Context context;
    Key key;
    PgpFingerprint fingerprint{};
    std::string origin;  // the key file or the gpg key name, for errors
    PassphraseSource passphrase;
    bool asked = false;

    static gpgme_error_t give_passphrase(void* hook, const char*, const char*, int previous_bad,
                                         int fd) {
        auto* state = static_cast<State*>(hook);
        if (previous_bad != 0 || state->asked || !state->passphrase) {
            return gpg_error(previous_bad != 0 ? GPG_ERR_BAD_PASSPHRASE : GPG_ERR_NO_PASSPHRASE);
        }
        state->asked = true;
        const std::optional<std::string> passphrase = state->passphrase();
        if (!passphrase) {
            return gpg_error(GPG_ERR_NO_PASSPHRASE);
        }
        const std::string line = *passphrase + "\n";
        if (gpgme_io_writen(fd, line.data(), line.size()) != 0) {
            return gpg_error(GPG_ERR_CANCELED);
        }
        return 0;
    }

    void open_context(const char* home_dir) {
        initialize_gpgme();
        gpgme_ctx_t ctx = nullptr;
        check(gpgme_new(&ctx), "starting GPGME", origin);
        context.reset(ctx);
        check(gpgme_set_protocol(ctx, GPGME_PROTOCOL_OpenPGP), "selecting OpenPGP", origin);
        if (home_dir != nullptr) {
            check(gpgme_ctx_set_engine_info(ctx, GPGME_PROTOCOL_OpenPGP, nullptr, home_dir),
                  "selecting the GnuPG home", origin);
        }
        gpgme_set_armor(ctx, 0);
        gpgme_set_textmode(ctx, 1);  // signature type 0x01, as the reference signs
        gpgme_set_offline(ctx, 1);
    }
};

PgpSigner::PgpSigner(std::unique_ptr<State> state) : state_(std::move(state)) {}
PgpSigner::PgpSigner(PgpSigner&&) noexcept = default;
PgpSigner& PgpSigner::operator=(PgpSigner&&) noexcept = default;
PgpSigner::~PgpSigner() = default;

PgpSigner PgpSigner::from_key_file(const std::filesystem::path& file, PassphraseSource passphrase) {
    auto state = std::make_unique<State>();
    state->origin = file.string();
    state->passphrase = std::move(passphrase);
    const std::string content = detail::read_key_file(file, detail::kMaxKeyringSize);
    const auto bytes = reinterpret_cast<const std::uint8_t*>(content.data());
    const int tag = PgpCertificate::first_packet_tag(std::span(bytes, content.size()));
    if (tag != 5 && content.find("-----BEGIN PGP PRIVATE KEY BLOCK-----") == std::string::npos) {
        throw Error(ErrorKind::invalid_input,
                    tag == 6 || PgpCertificate::is_armored_public_key(content)
                        ? "an OpenPGP public key: signing needs the secret key"
                        : "not an OpenPGP secret key (armored or binary)",
                    file.string());
    }
    state->home = std::make_unique<detail::TemporaryGnupgHome>();
    state->open_context(state->home->path().c_str());
    gpgme_ctx_t ctx = state->context.get();
    check(gpgme_set_pinentry_mode(ctx, GPGME_PINENTRY_MODE_LOOPBACK), "passphrase mode",
          file.string());
    gpgme_set_passphrase_cb(ctx, &State::give_passphrase, state.get());
    Data key_data = data_of(content);
    check(gpgme_op_import(ctx, key_data.get()), "importing the key", file.string());
    const gpgme_import_result_t imported = gpgme_op_import_result(ctx);
    if (imported == nullptr || imported->secret_imported + imported->secret_unchanged == 0) {
        throw Error(ErrorKind::invalid_input, "gpg found no secret key in the file", file.string());
    }
    // The primary key of the (first) certificate: its fingerprint goes into the descriptor.
    gpgme_key_t key = nullptr;
    check(gpgme_op_keylist_start(ctx, nullptr, 1), "listing the key", file.string());
    check(gpgme_op_keylist_next(ctx, &key), "listing the key", file.string());
    state->key.reset(key);
    gpgme_op_keylist_end(ctx);
    state->fingerprint =
        fingerprint_of(key->subkeys != nullptr ? key->subkeys->fpr : nullptr, file.string());
    return PgpSigner(std::move(state));
}

PgpSigner PgpSigner::from_gpg(const std::string& name) {
    auto state = std::make_unique<State>();
    state->origin = "gpg key " + name;
    state->open_context(nullptr);
    gpgme_ctx_t ctx = state->context.get();
    check(gpgme_op_keylist_start(ctx, name.c_str(), 1), "looking up the key", state->origin);
    std::vector<Key> found;
    for (gpgme_key_t key = nullptr; gpgme_op_keylist_next(ctx, &key) == 0;) {
        found.emplace_back(key);
    }
    gpgme_op_keylist_end(ctx);
    if (found.size() != 1) {
        throw Error(found.empty() ? ErrorKind::not_found : ErrorKind::usage,
                    found.empty() ? "gpg has no secret key " + name
                                  : std::to_string(found.size()) + " secret keys match " + name +
                                        ": name one by its fingerprint");
    }
    state->key = std::move(found.front());
    state->fingerprint = fingerprint_of(
        state->key->subkeys != nullptr ? state->key->subkeys->fpr : nullptr, state->origin);
    return PgpSigner(std::move(state));
}

const PgpFingerprint& PgpSigner::fingerprint() const noexcept {
    return state_->fingerprint;
}

std::string PgpSigner::clearsign(std::string_view text) const {
    gpgme_ctx_t ctx = state_->context.get();
    gpgme_signers_clear(ctx);
    check(gpgme_signers_add(ctx, state_->key.get()), "selecting the key", state_->origin);
    Data in = data_of(text);
    gpgme_data_t out_data = nullptr;
    check(gpgme_data_new(&out_data), "preparing data");
    Data out(out_data);
    const gpgme_error_t signed_ok = gpgme_op_sign(ctx, in.get(), out.get(), GPGME_SIG_MODE_DETACH);
    if (!state_->home && (gpgme_err_code(signed_ok) == GPG_ERR_ENOTTY ||
                          gpgme_err_code(signed_ok) == GPG_ERR_NO_PIN_ENTRY)) {
        // gpg-agent needs its pinentry, and a batch job has no terminal for it.
        throw Error(ErrorKind::denied,
                    "signing: gpg-agent cannot ask for the passphrase here (no terminal): "
                    "unlock the key in the agent first, or sign with --pgp-key FILE "
                    "--passphrase-file",
                    state_->origin);
    }
    check(signed_ok, "signing", state_->origin);
    const gpgme_sign_result_t result = gpgme_op_sign_result(ctx);
    if (result == nullptr || result->signatures == nullptr || result->invalid_signers != nullptr) {
        throw Error(ErrorKind::invalid_input, "gpg made no signature with the key", state_->origin);
    }
    const char* hash = gpgme_hash_algo_name(result->signatures->hash_algo);
    const std::string packets = take_bytes(std::move(out));
    return clearsigned_message(
        text, hash != nullptr ? hash : "SHA256",
        std::span(reinterpret_cast<const std::uint8_t*>(packets.data()), packets.size()));
}

}  // namespace sifkit::sign
