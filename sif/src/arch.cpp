// Architecture codes (format §3): "01".."12" for the Go architecture names.
#include <array>
#include <cstdio>
#include <string_view>

#include "sifkit/sif/types.hpp"

namespace sifkit::sif {
namespace {

// Index i holds the Go name of code i (index 0 = "00" = unknown).
constexpr std::array<std::string_view, 13> kGoNames{
    "unknown", "386",    "amd64",  "arm",      "arm64", "ppc64",  "ppc64le",
    "mips",    "mipsle", "mips64", "mips64le", "s390x", "riscv64"};

Arch arch_of_index(int index) noexcept {
    return Arch(Arch::Bytes{static_cast<char>('0' + index / 10),
                            static_cast<char>('0' + index % 10), '\0'});
}

}  // namespace

std::optional<Arch> Arch::from_go_name(std::string_view name) noexcept {
    for (std::size_t i = 1; i < kGoNames.size(); ++i) {
        if (kGoNames[i] == name) {
            return arch_of_index(static_cast<int>(i));
        }
    }
    return std::nullopt;
}

std::optional<Arch> Arch::from_number(int number) noexcept {
    if (number < 1 || number >= static_cast<int>(kGoNames.size())) {
        return std::nullopt;
    }
    return arch_of_index(number);
}

Arch Arch::host() noexcept {
#if defined(__x86_64__)
    return arch_of_index(2);
#elif defined(__aarch64__)
    return arch_of_index(4);
#elif defined(__i386__)
    return arch_of_index(1);
#elif defined(__arm__)
    return arch_of_index(3);
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return arch_of_index(6);
#elif defined(__powerpc64__)
    return arch_of_index(5);
#elif defined(__s390x__)
    return arch_of_index(11);
#elif defined(__riscv) && __riscv_xlen == 64
    return arch_of_index(12);
#else
    return Arch();
#endif
}

std::string_view Arch::go_name() const noexcept {
    const bool digits = bytes_[0] >= '0' && bytes_[0] <= '9' && bytes_[1] >= '0' &&
                        bytes_[1] <= '9' && bytes_[2] == '\0';
    if (!digits) {
        return kGoNames[0];
    }
    const int index = (bytes_[0] - '0') * 10 + (bytes_[1] - '0');
    if (index < 1 || index >= static_cast<int>(kGoNames.size())) {
        return kGoNames[0];
    }
    return kGoNames[static_cast<std::size_t>(index)];
}

std::string Arch::code() const {
    std::string text;
    for (std::size_t i = 0; i < 2; ++i) {
        const auto byte = static_cast<unsigned char>(bytes_[i]);
        if (byte >= 0x20 && byte < 0x7F) {
            text += static_cast<char>(byte);
        } else {
            std::array<char, 5> escaped{};
            std::snprintf(escaped.data(), escaped.size(), "\\x%02x", byte);
            text += escaped.data();
        }
    }
    return text;
}

}  // namespace sifkit::sif
