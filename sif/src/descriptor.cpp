// Encoding of descriptors (format §4) and of their typed extras (§5.1).
#include "sifkit/sif/descriptor.hpp"

#include <algorithm>
#include <cstring>

#include "byte_order.hpp"
#include "sifkit/sif/error.hpp"

namespace sifkit::sif {
namespace {

constexpr std::size_t kTypeAt = 0;
constexpr std::size_t kUsedAt = 4;
constexpr std::size_t kIdAt = 5;
constexpr std::size_t kGroupAt = 9;
constexpr std::size_t kLinkAt = 13;
constexpr std::size_t kOffsetAt = 17;
constexpr std::size_t kSizeAt = 25;
constexpr std::size_t kPaddedSizeAt = 33;
constexpr std::size_t kCreatedAt = 41;
constexpr std::size_t kModifiedAt = 49;
constexpr std::size_t kUidAt = 57;
constexpr std::size_t kGidAt = 65;
constexpr std::size_t kNameAt = 73;
constexpr std::size_t kExtraAt = 201;

// Layout of the typed extras.
constexpr std::size_t kFirstWordAt = 0;
constexpr std::size_t kSecondWordAt = 4;
constexpr std::size_t kPartitionArchAt = 8;
constexpr std::size_t kEntityAt = 4;

using ExtraBytes = std::array<std::byte, kExtraSize>;

struct ExtraEncoder {
    ExtraBytes& out;

    void operator()(std::monostate) const {}
    void operator()(const PartitionInfo& p) const {
        detail::store_le(std::span<std::byte>(out), kFirstWordAt,
                         static_cast<std::int32_t>(p.fs_type));
        detail::store_le(std::span<std::byte>(out), kSecondWordAt,
                         static_cast<std::int32_t>(p.part_type));
        detail::store_array(std::span<std::byte>(out), kPartitionArchAt, p.arch.bytes());
    }
    void operator()(const SignatureInfo& s) const {
        detail::store_le(std::span<std::byte>(out), kFirstWordAt,
                         static_cast<std::int32_t>(s.hash_type));
        detail::store_array(std::span<std::byte>(out), kEntityAt, s.fingerprint);
    }
    void operator()(const CryptoMessageInfo& m) const {
        detail::store_le(std::span<std::byte>(out), kFirstWordAt,
                         static_cast<std::int32_t>(m.format_type));
        detail::store_le(std::span<std::byte>(out), kSecondWordAt,
                         static_cast<std::int32_t>(m.message_type));
    }
    void operator()(SbomFormat format) const {
        detail::store_le(std::span<std::byte>(out), kFirstWordAt,
                         static_cast<std::int32_t>(format));
    }
    void operator()(const OciDigest& digest) const {
        if (digest.value.size() > kExtraSize) {
            throw Error(ErrorKind::usage,
                        "OCI digest longer than " + std::to_string(kExtraSize) + " bytes");
        }
        std::memcpy(out.data(), digest.value.data(), digest.value.size());
    }
};

std::int32_t extra_word(const Descriptor& d, std::size_t at) {
    return detail::load_le<std::int32_t>(std::span<const std::byte>(d.extra), at);
}

void require_type(const Descriptor& d, DataType wanted, const char* what) {
    if (d.type() != wanted) {
        throw Error(ErrorKind::usage, "object " + std::to_string(d.id) + " is not " + what +
                                          " (it is " + std::string(display_name(d.type())) + ")");
    }
}

}  // namespace

bool SignatureInfo::has_fingerprint() const noexcept {
    return std::any_of(fingerprint.begin(), fingerprint.end(),
                       [](std::uint8_t b) { return b != 0; });
}

bool OciDigest::well_formed() const noexcept {
    const auto colon = value.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == value.size() ||
        value.size() > kExtraSize) {
        return false;
    }
    const bool algorithm_ok =
        std::all_of(value.begin(), value.begin() + static_cast<long>(colon), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '.' ||
                   c == '_' || c == '-';
        });
    const bool hex_ok =
        std::all_of(value.begin() + static_cast<long>(colon) + 1, value.end(),
                    [](char c) { return (c >= 'a' && c <= 'f') || (c >= '0' && c <= '9'); });
    return algorithm_ok && hex_ok;
}

std::array<std::byte, kExtraSize> encode_extra(const Extra& extra) {
    ExtraBytes out{};
    std::visit(ExtraEncoder{out}, extra);
    return out;
}

Link::Kind Link::kind() const noexcept {
    // As the reference's LinkedID(): the ID is what is left after masking the group bits, and
    // an ID of 0 is no link whatever the flag bits say (0x80000000, 0xF0000000).
    if (target() == 0) {
        return Kind::none;
    }
    return (raw_ & kGroupMask) == kGroupMask ? Kind::group : Kind::object;
}

std::string Descriptor::name_text() const {
    return detail::trim_nul(name);
}

bool Descriptor::is_partition_of(PartType wanted) const noexcept {
    return type() == DataType::partition &&
           static_cast<PartType>(extra_word(*this, kSecondWordAt)) == wanted;
}

PartitionInfo Descriptor::partition() const {
    require_type(*this, DataType::partition, "a partition");
    PartitionInfo info;
    info.fs_type = static_cast<FsType>(extra_word(*this, kFirstWordAt));
    info.part_type = static_cast<PartType>(extra_word(*this, kSecondWordAt));
    Arch::Bytes arch{};
    detail::load_array(std::span<const std::byte>(extra), kPartitionArchAt, arch);
    info.arch = Arch(arch);
    return info;
}

SignatureInfo Descriptor::signature() const {
    require_type(*this, DataType::signature, "a signature");
    SignatureInfo info;
    info.hash_type = static_cast<HashType>(extra_word(*this, kFirstWordAt));
    detail::load_array(std::span<const std::byte>(extra), kEntityAt, info.fingerprint);
    return info;
}

CryptoMessageInfo Descriptor::crypto_message() const {
    require_type(*this, DataType::crypto_message, "a crypto message");
    return CryptoMessageInfo{static_cast<FormatType>(extra_word(*this, kFirstWordAt)),
                             static_cast<MessageType>(extra_word(*this, kSecondWordAt))};
}

SbomFormat Descriptor::sbom_format() const {
    require_type(*this, DataType::sbom, "an SBOM");
    return static_cast<SbomFormat>(extra_word(*this, kFirstWordAt));
}

OciDigest Descriptor::oci_digest() const {
    if (type() != DataType::oci_blob && type() != DataType::oci_root_index) {
        require_type(*this, DataType::oci_blob, "an OCI blob or root index");
    }
    const auto* begin = reinterpret_cast<const char*>(extra.data());
    const auto* end = static_cast<const char*>(std::memchr(begin, '\0', extra.size()));
    return OciDigest{std::string(begin, end ? end : begin + extra.size())};
}

std::array<std::byte, kDescriptorSize> Descriptor::encode() const noexcept {
    std::array<std::byte, kDescriptorSize> out{};
    std::span<std::byte> bytes(out);
    detail::store_le(bytes, kTypeAt, data_type);
    bytes[kUsedAt] = used ? std::byte{1} : std::byte{0};
    detail::store_le(bytes, kIdAt, id);
    detail::store_le(bytes, kGroupAt, group_raw);
    detail::store_le(bytes, kLinkAt, link_raw);
    detail::store_le(bytes, kOffsetAt, offset);
    detail::store_le(bytes, kSizeAt, size);
    detail::store_le(bytes, kPaddedSizeAt, size_with_padding);
    detail::store_le(bytes, kCreatedAt, created_at);
    detail::store_le(bytes, kModifiedAt, modified_at);
    detail::store_le(bytes, kUidAt, uid);
    detail::store_le(bytes, kGidAt, gid);
    detail::store_array(bytes, kNameAt, name);
    detail::store_array(bytes, kExtraAt, extra);
    return out;
}

Descriptor Descriptor::decode(std::span<const std::byte, kDescriptorSize> in) noexcept {
    std::span<const std::byte> bytes(in);
    Descriptor d;
    d.data_type = detail::load_le<std::int32_t>(bytes, kTypeAt);
    d.used = bytes[kUsedAt] != std::byte{0};
    d.id = detail::load_le<std::uint32_t>(bytes, kIdAt);
    d.group_raw = detail::load_le<std::uint32_t>(bytes, kGroupAt);
    d.link_raw = detail::load_le<std::uint32_t>(bytes, kLinkAt);
    d.offset = detail::load_le<std::int64_t>(bytes, kOffsetAt);
    d.size = detail::load_le<std::int64_t>(bytes, kSizeAt);
    d.size_with_padding = detail::load_le<std::int64_t>(bytes, kPaddedSizeAt);
    d.created_at = detail::load_le<std::int64_t>(bytes, kCreatedAt);
    d.modified_at = detail::load_le<std::int64_t>(bytes, kModifiedAt);
    d.uid = detail::load_le<std::int64_t>(bytes, kUidAt);
    d.gid = detail::load_le<std::int64_t>(bytes, kGidAt);
    detail::load_array(bytes, kNameAt, d.name);
    detail::load_array(bytes, kExtraAt, d.extra);
    return d;
}

}  // namespace sifkit::sif
