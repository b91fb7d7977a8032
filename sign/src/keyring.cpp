#include "sifkit/sign/keyring.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <span>

#include "armor.hpp"
#include "sifkit/sif/atomic_file.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/storage.hpp"

namespace sifkit::sign {
namespace {

std::string upper(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return text;
}

bool is_hex(const std::string& text) {
    return !text.empty() && std::all_of(text.begin(), text.end(),
                                        [](unsigned char c) { return std::isxdigit(c) != 0; });
}

}  // namespace

std::filesystem::path PgpKeyring::default_dir() {
    if (const char* dir = std::getenv("SIFKIT_KEYRING"); dir != nullptr && *dir != '\0') {
        return dir;
    }
    if (const char* config = std::getenv("XDG_CONFIG_HOME"); config != nullptr && *config == '/') {
        return std::filesystem::path(config) / "sifkit" / "keys";
    }
    const char* home = std::getenv("HOME");
    if (home == nullptr || *home == '\0') {
        throw Error(ErrorKind::usage, "no keyring directory: set SIFKIT_KEYRING or HOME");
    }
    return std::filesystem::path(home) / ".config" / "sifkit" / "keys";
}

std::filesystem::path PgpKeyring::file_of(const PgpCertificate& certificate) const {
    return dir_ / (certificate.fingerprint_hex() + ".gpg");
}

std::vector<PgpCertificate> PgpKeyring::list() const {
    std::error_code ec;
    if (!std::filesystem::exists(dir_, ec)) {
        return {};
    }
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
        if (entry.path().extension() == ".gpg" && entry.is_regular_file(ec)) {
            files.push_back(entry.path());
        }
    }
    if (ec) {
        throw Error(ErrorKind::io, "cannot list the keyring: " + ec.message(), dir_.string());
    }
    std::sort(files.begin(), files.end());
    std::vector<PgpCertificate> certificates;
    for (const auto& file : files) {
        for (PgpCertificate& certificate : PgpCertificate::load(file)) {
            certificates.push_back(std::move(certificate));
        }
    }
    return certificates;
}

PgpKeyring::ImportResult PgpKeyring::import(const PgpCertificate& certificate) {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (ec) {
        throw Error(ErrorKind::io, "cannot make the keyring directory: " + ec.message(),
                    dir_.string());
    }
    const auto path = file_of(certificate);
    ImportResult result = ImportResult::added;
    if (std::ifstream old(path, std::ios::binary); old) {
        const std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(old),
                                              std::istreambuf_iterator<char>()};
        if (bytes == certificate.packets()) {
            return ImportResult::unchanged;
        }
        result = ImportResult::updated;
    }
    sif::AtomicFile file(path, sif::AtomicFile::Overwrite::replace, 0644);
    file.storage()->write_at(0, std::as_bytes(std::span(certificate.packets())));
    file.commit();
    return result;
}

std::vector<PgpCertificate> PgpKeyring::find(const std::string& selector) const {
    const std::string wanted = upper(selector);
    if (!is_hex(wanted) || wanted.size() < 16 || wanted.size() > 40) {
        throw Error(ErrorKind::usage, "\"" + selector +
                                          "\" is not a fingerprint (40 hex digits) or a key ID "
                                          "(its last 16 or more)");
    }
    std::vector<PgpCertificate> found;
    for (PgpCertificate& certificate : list()) {
        const std::string fingerprint = certificate.fingerprint_hex();
        if (fingerprint.ends_with(wanted)) {
            found.push_back(std::move(certificate));
        }
    }
    if (found.empty()) {
        throw Error(ErrorKind::not_found, "no key " + wanted + " in the keyring", dir_.string());
    }
    return found;
}

std::vector<PgpCertificate> PgpKeyring::remove(const std::string& selector) {
    std::vector<PgpCertificate> found = find(selector);
    for (const PgpCertificate& certificate : found) {
        std::error_code ec;
        std::filesystem::remove(file_of(certificate), ec);
        if (ec) {
            throw Error(ErrorKind::io, "cannot remove the key: " + ec.message(),
                        file_of(certificate).string());
        }
    }
    return found;
}

std::string armored(const PgpCertificate& certificate) {
    return detail::encode_armor("PGP PUBLIC KEY BLOCK", certificate.packets());
}

}  // namespace sifkit::sign
