// Keys in PKCS#11 tokens through OpenSSL's pkcs11 engine (libp11). The ENGINE interface is
// deprecated in OpenSSL 3, but it is what Debian ships for PKCS#11 (there is no pkcs11
// provider package in bookworm); it is confined to this file.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/engine.h>
#include <openssl/evp.h>

#include <mutex>

#include "evp_key.hpp"
#include "openssl_handles.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sign/keys.hpp"

namespace sifkit::sign {
namespace {

using EnginePtr = detail::OpensslPtr<ENGINE, ENGINE_free>;

// The query attribute `name` of an RFC 7512 URI ("...?module-path=X&pin-value=Y"), percent
// escapes left as they are (paths and PINs rarely need them).
std::string query_attribute(const std::string& uri, const std::string& name) {
    const auto query = uri.find('?');
    if (query == std::string::npos) {
        return {};
    }
    std::size_t at = query + 1;
    while (at < uri.size()) {
        const std::size_t end = std::min(uri.find('&', at), uri.size());
        const std::string_view pair = std::string_view(uri).substr(at, end - at);
        if (pair.starts_with(name + "=")) {
            return std::string(pair.substr(name.size() + 1));
        }
        at = end + 1;
    }
    return {};
}

// The URI without the query attribute `name` (libp11 refuses attributes it does not know).
std::string without_attribute(const std::string& uri, const std::string& name) {
    const auto query = uri.find('?');
    if (query == std::string::npos) {
        return uri;
    }
    std::string kept;
    std::size_t at = query + 1;
    while (at < uri.size()) {
        const std::size_t end = std::min(uri.find('&', at), uri.size());
        const std::string pair = uri.substr(at, end - at);
        if (!pair.starts_with(name + "=")) {
            kept += (kept.empty() ? "" : "&") + pair;
        }
        at = end + 1;
    }
    return uri.substr(0, query) + (kept.empty() ? "" : "?" + kept);
}

// One engine per module for the whole process: the keys it loads keep using it.
ENGINE* engine_for(const std::string& module, const std::string& uri) {
    static std::mutex lock;
    static std::vector<std::pair<std::string, ENGINE*>> engines;
    const std::lock_guard guard(lock);
    for (const auto& [path, engine] : engines) {
        if (path == module) {
            return engine;
        }
    }
    ENGINE_load_dynamic();
    EnginePtr engine(ENGINE_by_id("pkcs11"));
    if (engine == nullptr) {
        throw Error(ErrorKind::unsupported,
                    "PKCS#11 keys need OpenSSL's pkcs11 engine: apt-get install "
                    "libengine-pkcs11-openssl",
                    uri);
    }
    if ((!module.empty() &&
         ENGINE_ctrl_cmd_string(engine.get(), "MODULE_PATH", module.c_str(), 0) != 1) ||
        ENGINE_init(engine.get()) != 1) {
        throw Error(ErrorKind::invalid_input,
                    "cannot start the PKCS#11 module" + (module.empty() ? "" : " " + module), uri);
    }
    // Kept for the whole process (see above), so never freed.
    return engines.emplace_back(module, engine.release()).second;
}

}  // namespace

PrivateKey PrivateKey::from_pkcs11(const std::string& uri, const std::string& pin) {
    const std::string origin = uri.substr(0, uri.find('?'));  // never the PIN in messages
    const std::string module = query_attribute(uri, "module-path");
    ENGINE* engine = engine_for(module, origin);
    // The PIN goes to the engine, not in the URI it is given: libp11 prints URIs it cannot use.
    const std::string uri_pin = query_attribute(uri, "pin-value");
    const std::string& use_pin = uri_pin.empty() ? pin : uri_pin;
    if (!use_pin.empty() && ENGINE_ctrl_cmd_string(engine, "PIN", use_pin.c_str(), 0) != 1) {
        throw Error(ErrorKind::invalid_input, "the PKCS#11 engine refused the PIN", origin);
    }
    const std::string object =
        without_attribute(without_attribute(uri, "module-path"), "pin-value");
    detail::EvpPkeyPtr pkey(ENGINE_load_private_key(engine, object.c_str(), nullptr, nullptr));
    if (pkey == nullptr) {
        throw Error(ErrorKind::not_found,
                    "no private key in the token for this URI (or the PIN is wrong)", origin);
    }
    PrivateKey key;
    key.pkey_ = std::move(pkey);
    key.origin_ = origin;
    key.type_ = detail::key_type_of(key.pkey_.get(), key.origin_);
    if (key.type_ == KeyType::ed25519) {
        throw Error(ErrorKind::unsupported,
                    "an Ed25519 key in a token: OpenSSL's pkcs11 engine cannot sign with it; "
                    "use an ECDSA or RSA key",
                    key.origin_);
    }
    return key;
}

}  // namespace sifkit::sign
