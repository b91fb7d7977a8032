// Loading trusted keys from files and directories.
#include "sifkit/sign/trusted_keys.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <vector>

#include "sifkit/sif/error.hpp"

namespace sifkit::sign {

void TrustedKeys::add_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw Error(ErrorKind::io, "cannot open key file", path.string());
    }
    // Only the start is needed to tell the formats apart; the loaders read the file themselves.
    std::string head(4096, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(in.gcount()));
    if (PgpCertificate::is_armored_public_key(head)) {
        for (PgpCertificate& certificate : PgpCertificate::load(path)) {
            pgp_.push_back(std::move(certificate));
        }
    } else {
        pem_.push_back(PublicKey::load(path));
    }
}

void TrustedKeys::add_directory(const std::filesystem::path& dir) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
        throw Error(ErrorKind::not_found, "not a directory of keys", dir.string());
    }
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        const auto extension = entry.path().extension();
        if (entry.is_regular_file() && (extension == ".pub" || extension == ".pem")) {
            files.push_back(entry.path());
        }
    }
    if (ec) {
        throw Error(ErrorKind::io, "cannot list the directory: " + ec.message(), dir.string());
    }
    if (files.empty()) {
        throw Error(ErrorKind::not_found, "no *.pub or *.pem key files", dir.string());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
        add_file(file);
    }
}

void TrustedKeys::apply_to(VerifyOptions& options) const {
    for (const PublicKey& key : pem_) {
        options.keys.push_back(&key);
    }
    for (const PgpCertificate& certificate : pgp_) {
        options.pgp_keys.push_back(&certificate);
    }
}

}  // namespace sifkit::sign
