// OpenPGP packet framing (RFC 4880 §4): a bounds-checked reader over packet bytes. Every length
// read from the input is checked against the bytes that are really there before anything is
// allocated or copied, so hostile lengths cost nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace sifkit::sign::detail {

// Packet tags this module reads (RFC 4880 §4.3).
inline constexpr int kTagSignature = 2;
inline constexpr int kTagSecretKey = 5;
inline constexpr int kTagPublicKey = 6;
inline constexpr int kTagTrust = 12;
inline constexpr int kTagUserId = 13;
inline constexpr int kTagPublicSubkey = 14;
inline constexpr int kTagUserAttribute = 17;

// Sequential reader over a byte range; every read throws an invalid_input Error naming `what`
// when the input is too short.
class ByteCursor {
  public:
    ByteCursor(std::span<const std::uint8_t> bytes, const char* what)
        : bytes_(bytes), what_(what) {}

    std::size_t remaining() const noexcept { return bytes_.size() - position_; }
    bool empty() const noexcept { return remaining() == 0; }
    std::size_t position() const noexcept { return position_; }

    std::uint8_t u8();
    std::uint16_t u16();  // big-endian
    std::uint32_t u32();  // big-endian
    std::span<const std::uint8_t> take(std::size_t n);
    // An MPI (§3.2): 2-byte bit count, then the big-endian magnitude (leading zeros stripped).
    std::span<const std::uint8_t> mpi();
    [[noreturn]] void fail(const std::string& detail) const;

  private:
    std::span<const std::uint8_t> bytes_;
    std::size_t position_ = 0;
    const char* what_;
};

struct Packet {
    int tag = 0;
    std::span<const std::uint8_t> body;
    std::span<const std::uint8_t> whole;  // header and body, as they were read
};

// Splits a packet sequence into packets (old and new header formats). Partial body lengths are
// refused: they are only allowed for data packets, which keys and signatures never are.
std::vector<Packet> split_packets(std::span<const std::uint8_t> bytes);

}  // namespace sifkit::sign::detail
