// Image IDs through libuuid.
#include "sifkit/sif/uuid.hpp"

#include <uuid/uuid.h>

#include <algorithm>
#include <cstring>

namespace sifkit::sif {
namespace {

// Namespace of the name-based IDs sifkit derives (a fixed random UUID; never change it, or
// reproducible builds would change their IDs).
constexpr Uuid::Bytes kSifkitNamespace{0x8d, 0x3b, 0x6c, 0x1e, 0x52, 0x0f, 0x4a, 0x77,
                                       0x9e, 0x21, 0xc4, 0x5a, 0x07, 0xd9, 0x3e, 0x6b};

}  // namespace

Uuid Uuid::random() {
    Bytes bytes{};
    uuid_generate_random(bytes.data());
    return Uuid(bytes);
}

Uuid Uuid::derive(std::string_view seed) {
    Bytes bytes{};
    uuid_generate_sha1(bytes.data(), kSifkitNamespace.data(), seed.data(), seed.size());
    return Uuid(bytes);
}

std::optional<Uuid> Uuid::parse(std::string_view text) {
    // libuuid accepts exactly the 36-character form; copy to get a terminating NUL.
    if (text.size() != 36) {
        return std::nullopt;
    }
    char buffer[37];
    std::memcpy(buffer, text.data(), 36);
    buffer[36] = '\0';
    Bytes bytes{};
    if (uuid_parse(buffer, bytes.data()) != 0) {
        return std::nullopt;
    }
    return Uuid(bytes);
}

bool Uuid::is_nil() const noexcept {
    return std::all_of(bytes_.begin(), bytes_.end(), [](std::uint8_t b) { return b == 0; });
}

std::string Uuid::to_string() const {
    char buffer[37];
    uuid_unparse_lower(bytes_.data(), buffer);
    return std::string(buffer, 36);
}

}  // namespace sifkit::sif
