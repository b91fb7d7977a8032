// Names of the format's codes: siftool's display strings and sifkit's stable tokens.
#include "sifkit/sif/types.hpp"

namespace sifkit::sif {

std::string_view display_name(DataType type) noexcept {
    switch (type) {
        case DataType::deffile:
            return "Def.FILE";
        case DataType::env_vars:
            return "Env.Vars";
        case DataType::labels:
            return "JSON.Labels";
        case DataType::partition:
            return "FS";
        case DataType::signature:
            return "Signature";
        case DataType::generic_json:
            return "JSON.Generic";
        case DataType::generic:
            return "Generic/Raw";
        case DataType::crypto_message:
            return "Cryptographic Message";
        case DataType::sbom:
            return "SBOM";
        case DataType::oci_root_index:
            return "OCI.RootIndex";
        case DataType::oci_blob:
            return "OCI.Blob";
    }
    return "Unknown";
}

std::string_view token(DataType type) noexcept {
    switch (type) {
        case DataType::deffile:
            return "deffile";
        case DataType::env_vars:
            return "env-vars";
        case DataType::labels:
            return "labels";
        case DataType::partition:
            return "partition";
        case DataType::signature:
            return "signature";
        case DataType::generic_json:
            return "generic-json";
        case DataType::generic:
            return "generic";
        case DataType::crypto_message:
            return "crypto-message";
        case DataType::sbom:
            return "sbom";
        case DataType::oci_root_index:
            return "oci-root-index";
        case DataType::oci_blob:
            return "oci-blob";
    }
    return "unknown";
}

std::string_view display_name(FsType type) noexcept {
    switch (type) {
        case FsType::squashfs:
            return "Squashfs";
        case FsType::ext3:
            return "Ext3";
        case FsType::immutable_object:
            return "Archive";
        case FsType::raw:
            return "Raw";
        case FsType::encrypted_squashfs:
            return "Encrypted squashfs";
    }
    return "Unknown";
}

std::string_view token(FsType type) noexcept {
    switch (type) {
        case FsType::squashfs:
            return "squashfs";
        case FsType::ext3:
            return "ext3";
        case FsType::immutable_object:
            return "archive";
        case FsType::raw:
            return "raw";
        case FsType::encrypted_squashfs:
            return "encrypted-squashfs";
    }
    return "unknown";
}

std::string_view display_name(PartType type) noexcept {
    switch (type) {
        case PartType::system:
            return "System";
        case PartType::primary_system:
            return "*System";
        case PartType::data:
            return "Data";
        case PartType::overlay:
            return "Overlay";
    }
    return "Unknown";
}

std::string_view token(PartType type) noexcept {
    switch (type) {
        case PartType::system:
            return "system";
        case PartType::primary_system:
            return "primary-system";
        case PartType::data:
            return "data";
        case PartType::overlay:
            return "overlay";
    }
    return "unknown";
}

// Go's crypto.Hash names, which siftool prints.
std::string_view display_name(HashType type) noexcept {
    switch (type) {
        case HashType::sha256:
            return "SHA-256";
        case HashType::sha384:
            return "SHA-384";
        case HashType::sha512:
            return "SHA-512";
        case HashType::blake2s_256:
            return "BLAKE2s-256";
        case HashType::blake2b_256:
            return "BLAKE2b-256";
    }
    return "Unknown";
}

std::string_view token(HashType type) noexcept {
    switch (type) {
        case HashType::sha256:
            return "sha256";
        case HashType::sha384:
            return "sha384";
        case HashType::sha512:
            return "sha512";
        case HashType::blake2s_256:
            return "blake2s-256";
        case HashType::blake2b_256:
            return "blake2b-256";
    }
    return "unknown";
}

std::string_view display_name(FormatType type) noexcept {
    switch (type) {
        case FormatType::openpgp:
            return "OpenPGP";
        case FormatType::pem:
            return "PEM";
    }
    return "Unknown";
}

std::string_view token(FormatType type) noexcept {
    switch (type) {
        case FormatType::openpgp:
            return "openpgp";
        case FormatType::pem:
            return "pem";
    }
    return "unknown";
}

std::string_view display_name(MessageType type) noexcept {
    switch (type) {
        case MessageType::clear_signature:
            return "Clear Signature";
        case MessageType::rsa_oaep:
            return "RSA-OAEP";
    }
    return "Unknown";
}

std::string_view token(MessageType type) noexcept {
    switch (type) {
        case MessageType::clear_signature:
            return "clear-signature";
        case MessageType::rsa_oaep:
            return "rsa-oaep";
    }
    return "unknown";
}

std::string_view display_name(SbomFormat format) noexcept {
    switch (format) {
        case SbomFormat::cyclonedx_json:
            return "cyclonedx-json";
        case SbomFormat::cyclonedx_xml:
            return "cyclonedx-xml";
        case SbomFormat::github_json:
            return "github-json";
        case SbomFormat::spdx_json:
            return "spdx-json";
        case SbomFormat::spdx_rdf:
            return "spdx-rdf";
        case SbomFormat::spdx_tag_value:
            return "spdx-tag-value";
        case SbomFormat::spdx_yaml:
            return "spdx-yaml";
        case SbomFormat::syft_json:
            return "syft-json";
    }
    return "unknown";
}

std::optional<SbomFormat> parse_sbom_format(std::string_view name) noexcept {
    if (name == "github") {
        return SbomFormat::github_json;
    }
    for (int code = 1; code <= 8; ++code) {
        const auto format = static_cast<SbomFormat>(code);
        if (display_name(format) == name) {
            return format;
        }
    }
    return std::nullopt;
}

}  // namespace sifkit::sif
