// Digest inputs of the reference signer (format §9.2).
#include "sifkit/sif/integrity.hpp"

#include "byte_order.hpp"

namespace sifkit::sif {

std::array<std::byte, kHeaderDigestInputSize> header_digest_input(const Header& header) noexcept {
    std::array<std::byte, kHeaderDigestInputSize> out{};
    std::span<std::byte> bytes(out);
    detail::store_array(bytes, 0, header.launch_script);
    detail::store_array(bytes, 32, header.magic);
    detail::store_array(bytes, 42, header.version);
    detail::store_array(bytes, 45, header.id.bytes());
    return out;
}

std::array<std::byte, kDescriptorDigestInputSize> descriptor_digest_input(
    const Descriptor& descriptor, std::uint32_t relative_id) noexcept {
    std::array<std::byte, kDescriptorDigestInputSize> out{};
    std::span<std::byte> bytes(out);
    detail::store_le(bytes, 0, descriptor.data_type);
    bytes[4] = descriptor.used ? std::byte{1} : std::byte{0};
    detail::store_le(bytes, 5, relative_id);
    detail::store_le(bytes, 9, descriptor.link_raw);
    detail::store_le(bytes, 13, descriptor.size);
    detail::store_le(bytes, 21, descriptor.created_at);
    detail::store_le(bytes, 29, descriptor.uid);
    detail::store_le(bytes, 37, descriptor.gid);
    detail::store_array(bytes, 45, descriptor.name);
    detail::store_array(bytes, 173, descriptor.extra);
    return out;
}

}  // namespace sifkit::sif
