// OpenPGP packet framing and MPIs.
#include "pgp_packets.hpp"

#include "sifkit/sif/error.hpp"

namespace sifkit::sign::detail {

void ByteCursor::fail(const std::string& detail) const {
    throw Error(ErrorKind::invalid_input, std::string(what_) + ": " + detail);
}

std::span<const std::uint8_t> ByteCursor::take(std::size_t n) {
    if (n > remaining()) {
        fail("truncated (needs " + std::to_string(n) + " more bytes, has " +
             std::to_string(remaining()) + ")");
    }
    const auto out = bytes_.subspan(position_, n);
    position_ += n;
    return out;
}

std::uint8_t ByteCursor::u8() {
    return take(1)[0];
}

std::uint16_t ByteCursor::u16() {
    const auto b = take(2);
    return static_cast<std::uint16_t>(b[0] << 8 | b[1]);
}

std::uint32_t ByteCursor::u32() {
    const auto b = take(4);
    return static_cast<std::uint32_t>(b[0]) << 24 | static_cast<std::uint32_t>(b[1]) << 16 |
           static_cast<std::uint32_t>(b[2]) << 8 | b[3];
}

std::span<const std::uint8_t> ByteCursor::mpi() {
    const std::size_t bits = u16();
    return take((bits + 7) / 8);
}

std::vector<Packet> split_packets(std::span<const std::uint8_t> bytes) {
    ByteCursor in(bytes, "OpenPGP packet");
    std::vector<Packet> packets;
    while (!in.empty()) {
        const std::size_t start = in.position();
        const std::uint8_t first = in.u8();
        if ((first & 0x80) == 0) {
            in.fail("bad packet header byte");
        }
        Packet packet;
        std::size_t length = 0;
        if ((first & 0x40) != 0) {  // new format (§4.2.2)
            packet.tag = first & 0x3F;
            const std::uint8_t o1 = in.u8();
            if (o1 < 192) {
                length = o1;
            } else if (o1 < 224) {
                length = (static_cast<std::size_t>(o1 - 192) << 8) + in.u8() + 192;
            } else if (o1 == 255) {
                length = in.u32();
            } else {
                in.fail("partial body lengths are not allowed here");
            }
        } else {  // old format (§4.2.1)
            packet.tag = (first >> 2) & 0x0F;
            switch (first & 0x03) {
                case 0:
                    length = in.u8();
                    break;
                case 1:
                    length = in.u16();
                    break;
                case 2:
                    length = in.u32();
                    break;
                default:
                    length = in.remaining();  // indeterminate: the rest of the input
                    break;
            }
        }
        packet.body = in.take(length);
        packet.whole = bytes.subspan(start, in.position() - start);
        packets.push_back(packet);
    }
    return packets;
}

}  // namespace sifkit::sign::detail
