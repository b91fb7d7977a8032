// A 585-byte data object descriptor (format §4) and the typed `extra` layouts (§5.1).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <variant>

#include "sifkit/sif/types.hpp"

namespace sifkit::sif {

// Partition extra: file system, partition type and architecture (11 bytes).
struct PartitionInfo {
    FsType fs_type = FsType::squashfs;
    PartType part_type = PartType::primary_system;
    Arch arch;
    friend bool operator==(const PartitionInfo&, const PartitionInfo&) = default;
};

// Signature extra: hash type and the signer's 20-byte OpenPGP fingerprint (zero = none).
struct SignatureInfo {
    HashType hash_type = HashType::sha256;
    std::array<std::uint8_t, kFingerprintSize> fingerprint{};
    bool has_fingerprint() const noexcept;
    friend bool operator==(const SignatureInfo&, const SignatureInfo&) = default;
};

// Crypto message extra: format and message type.
struct CryptoMessageInfo {
    FormatType format_type = FormatType::openpgp;
    MessageType message_type = MessageType::clear_signature;
    friend bool operator==(const CryptoMessageInfo&, const CryptoMessageInfo&) = default;
};

// OCI root index / blob extra: the OCI digest as text ("sha256:<64 hex>").
struct OciDigest {
    std::string value;
    // True for "ALG:HEX" with a lower-case algorithm and lower-case hex that fits the field.
    bool well_formed() const noexcept;
    friend bool operator==(const OciDigest&, const OciDigest&) = default;
};

// The typed content of `extra` for a new object; monostate = all zero.
using Extra = std::variant<std::monostate, PartitionInfo, SignatureInfo, CryptoMessageInfo,
                           SbomFormat, OciDigest>;

// Encodes a typed extra into the 384-byte field (rest zero).
std::array<std::byte, kExtraSize> encode_extra(const Extra& extra);

// What a descriptor's link points at.
class Link {
  public:
    enum class Kind { none, object, group };

    Link() noexcept = default;
    static Link to_object(std::uint32_t id) noexcept { return Link(id); }
    static Link to_group(std::uint32_t group) noexcept { return Link(group | kGroupMask); }
    static Link from_raw(std::uint32_t raw) noexcept { return Link(raw); }

    Kind kind() const noexcept;
    // The object or group ID (mask bits removed); 0 for none.
    std::uint32_t target() const noexcept { return raw_ & ~kGroupMask; }
    std::uint32_t raw() const noexcept { return raw_; }

    friend bool operator==(const Link&, const Link&) = default;

  private:
    explicit Link(std::uint32_t raw) noexcept : raw_(raw) {}
    std::uint32_t raw_ = 0;
};

// A default-constructed Descriptor is an unused slot: all 585 bytes zero.
struct Descriptor {
    std::int32_t data_type = 0;  // raw code; compare with DataType via type()
    bool used = false;
    std::uint32_t id = 0;
    std::uint32_t group_raw = 0;  // group OR'ed with kGroupMask (0 in unused slots)
    std::uint32_t link_raw = 0;
    std::int64_t offset = 0;
    std::int64_t size = 0;
    std::int64_t size_with_padding = 0;  // size plus the alignment padding before the object
    std::int64_t created_at = 0;
    std::int64_t modified_at = 0;
    std::int64_t uid = 0;  // deprecated by the format; kept as found
    std::int64_t gid = 0;
    std::array<char, kNameSize> name{};
    std::array<std::byte, kExtraSize> extra{};

    DataType type() const noexcept { return static_cast<DataType>(data_type); }
    // Group ID without the mask; 0 = no group.
    std::uint32_t group() const noexcept { return group_raw & ~kGroupMask; }
    Link link() const noexcept { return Link::from_raw(link_raw); }
    // Name without its NUL padding.
    std::string name_text() const;
    // End offset of the object data (offset + size).
    std::int64_t end() const noexcept { return offset + size; }

    bool is_partition_of(PartType type) const noexcept;

    // Typed views of `extra`. Each throws a usage Error when the descriptor is of another type.
    PartitionInfo partition() const;
    SignatureInfo signature() const;
    CryptoMessageInfo crypto_message() const;
    SbomFormat sbom_format() const;
    OciDigest oci_digest() const;  // text up to the first NUL

    std::array<std::byte, kDescriptorSize> encode() const noexcept;
    static Descriptor decode(std::span<const std::byte, kDescriptorSize> bytes) noexcept;

    friend bool operator==(const Descriptor&, const Descriptor&) = default;
};

}  // namespace sifkit::sif
