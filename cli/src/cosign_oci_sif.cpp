#include "cosign_oci_sif.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "exit_codes.hpp"
#include "output.hpp"
#include "sifkit/oci2sif/cosign_signature.hpp"
#include "sifkit/rootfs/oci_sif.hpp"
#include "sifkit/sif/clock.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/image.hpp"
#include "sifkit/sign/cosign.hpp"

namespace sifkit::cli {
namespace {

void require_oci_sif(const sif::Image& image, const char* command) {
    if (!rootfs::is_oci_sif(image)) {
        throw Error(ErrorKind::usage,
                    std::string("not an OCI-SIF image; ") + command +
                        " --cosign is for OCI-SIF images (convert --format oci-sif), a SIF is "
                        "signed with --key",
                    image.name());
    }
}

[[noreturn]] void refuse(const std::string& path, const std::string& reason, int code) {
    // The one line of the failure, also with -q (quiet silences reports, not errors).
    std::fprintf(stderr, "sifkit: %s: cosign: %s\n", path.c_str(), reason.c_str());
    throw VerifyFailed{code};
}

}  // namespace

void cosign_sign_oci_sif(const std::string& path, const std::function<sign::PrivateKey()>& load_key,
                         std::optional<std::int64_t> time) {
    sif::Image image = sif::Image::open(path, sif::OpenMode::read_write);
    require_oci_sif(image, "sign");
    const rootfs::OciSifImage oci = rootfs::read_oci_sif(image);
    const sign::PrivateKey key = load_key();
    // cosign records when it signed; a given time (--time, SOURCE_DATE_EPOCH) replaces the clock.
    const std::int64_t timestamp = time.value_or(sif::unix_now());
    const sign::CosignSignature signature = sign::sign_cosign(
        oci.manifest.digest, key, "", std::string("sifkit/") + SIFKIT_VERSION, timestamp);
    const std::string ref = oci2sif::append_cosign_signatures(
        image, oci.manifest.digest, {{signature.payload, signature.signature}}, time);
    image.sync();
    write_stdout("signed " + oci.manifest.digest + " with " + key.public_key().keyid() +
                 "; cosign signature manifest " + ref + "\n");
}

void cosign_verify_oci_sif(const std::string& path, const std::vector<std::string>& key_paths,
                           bool json) {
    if (key_paths.empty()) {
        throw Error(ErrorKind::usage, "verify --cosign needs --key (a PEM public key, cosign.pub)");
    }
    std::vector<sign::PublicKey> keys;
    for (const auto& key_path : key_paths) {
        keys.push_back(sign::PublicKey::load(key_path));
    }
    std::vector<const sign::PublicKey*> trusted;
    for (const auto& key : keys) {
        trusted.push_back(&key);
    }
    const sif::Image image = sif::Image::open(path);
    require_oci_sif(image, "verify");
    rootfs::OciSifImage oci;
    std::vector<sign::CosignSignature> signatures;
    try {
        oci = rootfs::read_oci_sif(image);
        // The signature names the manifest, the manifest the blobs by digest: the layers are
        // covered only if their bytes match (SingularityCE checks them first too).
        rootfs::check_oci_blob_digests(image);
        for (const auto& found : rootfs::read_cosign_signatures(image, oci)) {
            signatures.push_back({found.payload, found.signature});
        }
    } catch (const Error& error) {
        if (error.kind() != ErrorKind::invalid_image) {
            throw;
        }
        refuse(path, "image tampered: " + error.detail(), kExitSignatureInvalid);
    }
    const sign::CosignVerdict verdict =
        sign::verify_cosign(oci.manifest.digest, signatures, trusted);
    using Outcome = sign::CosignVerdict::Outcome;
    switch (verdict.outcome) {
        case Outcome::verified:
            break;
        case Outcome::not_signed:
            refuse(path, verdict.reason, kExitNotSigned);
        case Outcome::invalid:
            refuse(path, verdict.reason, kExitSignatureInvalid);
        case Outcome::untrusted:
            refuse(path, verdict.reason, kExitUntrusted);
    }
    if (json) {
        nlohmann::ordered_json report;
        report["image"] = path;
        report["status"] = "verified";
        report["manifest_digest"] = oci.manifest.digest;
        report["key"] = verdict.key;
        report["signatures"] = signatures.size();
        report["payload"] = verdict.payload;
        write_stdout(report.dump(2) + "\n");
        return;
    }
    write_stdout("verified " + oci.manifest.digest + ": cosign signature by " + verdict.key + " (" +
                 std::to_string(signatures.size()) + " signature(s) in the image)\n");
}

}  // namespace sifkit::cli
