// Encoding of the 128-byte global header (format §3).
#include "sifkit/sif/header.hpp"

#include "byte_order.hpp"

namespace sifkit::sif {
namespace {

// Field offsets inside the header.
constexpr std::size_t kLaunchAt = 0;
constexpr std::size_t kMagicAt = 32;
constexpr std::size_t kVersionAt = 42;
constexpr std::size_t kArchAt = 45;
constexpr std::size_t kIdAt = 48;
constexpr std::size_t kCreatedAt = 64;
constexpr std::size_t kModifiedAt = 72;
constexpr std::size_t kFreeAt = 80;
constexpr std::size_t kTotalAt = 88;
constexpr std::size_t kDescrOffsetAt = 96;
constexpr std::size_t kDescrSizeAt = 104;
constexpr std::size_t kDataOffsetAt = 112;
constexpr std::size_t kDataSizeAt = 120;

}  // namespace

std::string Header::launch_script_text() const {
    return detail::trim_nul(launch_script);
}

std::string Header::version_text() const {
    return detail::trim_nul(version);
}

std::array<std::byte, kHeaderSize> Header::encode() const noexcept {
    std::array<std::byte, kHeaderSize> out{};
    std::span<std::byte> bytes(out);
    detail::store_array(bytes, kLaunchAt, launch_script);
    detail::store_array(bytes, kMagicAt, magic);
    detail::store_array(bytes, kVersionAt, version);
    detail::store_array(bytes, kArchAt, arch.bytes());
    detail::store_array(bytes, kIdAt, id.bytes());
    detail::store_le(bytes, kCreatedAt, created_at);
    detail::store_le(bytes, kModifiedAt, modified_at);
    detail::store_le(bytes, kFreeAt, descriptors_free);
    detail::store_le(bytes, kTotalAt, descriptors_total);
    detail::store_le(bytes, kDescrOffsetAt, descriptors_offset);
    detail::store_le(bytes, kDescrSizeAt, descriptors_size);
    detail::store_le(bytes, kDataOffsetAt, data_offset);
    detail::store_le(bytes, kDataSizeAt, data_size);
    return out;
}

Header Header::decode(std::span<const std::byte, kHeaderSize> in) noexcept {
    std::span<const std::byte> bytes(in);
    Header header;
    detail::load_array(bytes, kLaunchAt, header.launch_script);
    detail::load_array(bytes, kMagicAt, header.magic);
    detail::load_array(bytes, kVersionAt, header.version);
    Arch::Bytes arch{};
    detail::load_array(bytes, kArchAt, arch);
    header.arch = Arch(arch);
    Uuid::Bytes id{};
    detail::load_array(bytes, kIdAt, id);
    header.id = Uuid(id);
    header.created_at = detail::load_le<std::int64_t>(bytes, kCreatedAt);
    header.modified_at = detail::load_le<std::int64_t>(bytes, kModifiedAt);
    header.descriptors_free = detail::load_le<std::int64_t>(bytes, kFreeAt);
    header.descriptors_total = detail::load_le<std::int64_t>(bytes, kTotalAt);
    header.descriptors_offset = detail::load_le<std::int64_t>(bytes, kDescrOffsetAt);
    header.descriptors_size = detail::load_le<std::int64_t>(bytes, kDescrSizeAt);
    header.data_offset = detail::load_le<std::int64_t>(bytes, kDataOffsetAt);
    header.data_size = detail::load_le<std::int64_t>(bytes, kDataSizeAt);
    return header;
}

}  // namespace sifkit::sif
