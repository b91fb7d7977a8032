// Loading trusted keys from files and directories.
#include "sifkit/sign/trusted_keys.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <span>
#include <sstream>
#include <vector>

#include "sifkit/sif/error.hpp"

namespace sifkit::sign {

namespace {

bool is_key_file_name(const std::filesystem::path& path) {
    const auto extension = path.extension();
    const auto name = path.filename();
    return extension == ".pub" || extension == ".pem" || extension == ".asc" ||
           extension == ".gpg" || name == "pgp-public" || name == "global-pgp-public";
}

}  // namespace

void TrustedKeys::add_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw Error(ErrorKind::io, std::string("cannot open key file: ") + std::strerror(errno),
                    path.string());
    }
    // Only the start is needed to tell the formats apart; the loaders read the file themselves.
    std::string head(4096, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(in.gcount()));
    if (head.empty()) {
        throw Error(ErrorKind::invalid_input, "an empty file, no key", path.string());
    }
    const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(head.data()),
                                              head.size());
    if (PgpCertificate::is_armored_public_key(head) ||
        PgpCertificate::first_packet_tag(bytes) >= 0 ||
        head.find("-----BEGIN PGP PRIVATE KEY BLOCK-----") != std::string::npos) {
        for (PgpCertificate& certificate : PgpCertificate::load(path)) {
            pgp_.push_back(std::move(certificate));
        }
    } else {
        pem_.push_back(PublicKey::load(path));
    }
}

void TrustedKeys::add_directory(const std::filesystem::path& dir) {
    require_readable_directory(dir.string());
    std::error_code ec;
    std::vector<std::filesystem::directory_entry> entries;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        entries.push_back(entry);
    }
    if (ec) {
        throw Error(ErrorKind::io, "cannot list the directory: " + ec.message(), dir.string());
    }
    std::sort(entries.begin(), entries.end());
    const std::size_t before = size();
    for (const auto& entry : entries) {
        const auto& path = entry.path();
        if (!entry.is_regular_file(ec)) {
            skipped_.push_back({path, "not a regular file"});
        } else if (!is_key_file_name(path)) {
            skipped_.push_back(
                {path, "not a key file name (*.pub, *.pem, *.asc, *.gpg, pgp-public)"});
        } else if (entry.file_size(ec) == 0) {
            skipped_.push_back({path, "empty"});
        } else {
            try {
                add_file(path);
            } catch (const Error& e) {
                skipped_.push_back({path, e.detail()});
            }
        }
    }
    if (size() == before) {
        std::string why = "no key loads from the directory";
        if (!skipped_.empty()) {
            // The warnings are not printed when this throws: name the first reason here.
            const auto& first = skipped_.front();
            why += ": " + first.path.filename().string() + ": " + first.reason;
            if (skipped_.size() > 1) {
                why += " (and " + std::to_string(skipped_.size() - 1) + " more skipped)";
            }
        }
        throw Error(ErrorKind::not_found, why, dir.string());
    }
}

void TrustedKeys::apply_to(VerifyOptions& options) const {
    for (const PublicKey& key : pem_) {
        options.keys.push_back(&key);
    }
    for (const PgpCertificate& certificate : pgp_) {
        options.pgp_keys.push_back(&certificate);
    }
    for (const auto& [keyid, subject] : subjects_) {
        options.certificate_subjects[keyid] = subject;
    }
}

}  // namespace sifkit::sign
