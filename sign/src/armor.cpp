// ASCII armor decoding with the CRC-24 check, and encoding.
#include "armor.hpp"

#include "sifkit/sif/base64.hpp"
#include "sifkit/sif/error.hpp"

namespace sifkit::sign::detail {
namespace {

constexpr std::string_view kBegin = "-----BEGIN ";
constexpr std::string_view kEnd = "-----END ";
constexpr std::string_view kDashes = "-----";

[[noreturn]] void fail(const std::string& detail) {
    throw Error(ErrorKind::invalid_input, "malformed ASCII armor: " + detail);
}

// "LABEL" of a "-----BEGIN LABEL-----" or "-----END LABEL-----" line; empty when it is not one.
std::string_view label_of(std::string_view line, std::string_view prefix) {
    line = trim_blanks(line);
    if (!line.starts_with(prefix) || !line.ends_with(kDashes) ||
        line.size() < prefix.size() + kDashes.size()) {
        return {};
    }
    return line.substr(prefix.size(), line.size() - prefix.size() - kDashes.size());
}

}  // namespace

std::string_view trim_blanks(std::string_view line) noexcept {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) {
        line.remove_suffix(1);
    }
    return line;
}

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        const auto end = text.find('\n');
        std::string_view line = text.substr(0, end);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        lines.push_back(line);
        if (end == std::string_view::npos) {
            break;
        }
        text.remove_prefix(end + 1);
    }
    return lines;
}

std::uint32_t crc24(std::span<const std::uint8_t> data) noexcept {
    std::uint32_t crc = 0xB704CEU;
    for (const std::uint8_t byte : data) {
        crc ^= static_cast<std::uint32_t>(byte) << 16;
        for (int i = 0; i < 8; ++i) {
            crc <<= 1;
            if ((crc & 0x1000000U) != 0) {
                crc ^= 0x1864CFBU;
            }
        }
    }
    return crc & 0xFFFFFFU;
}

ArmorBlock decode_armor(const std::vector<std::string_view>& lines, std::size_t first,
                        std::size_t& next) {
    ArmorBlock block;
    block.label = std::string(label_of(lines.at(first), kBegin));
    if (block.label.empty()) {
        fail("no BEGIN line");
    }
    std::size_t i = first + 1;
    // Headers ("Key: value") end at the first blank line. A block without headers may also go
    // straight to the data, which some writers do.
    std::size_t scan = i;
    while (scan < lines.size() && !trim_blanks(lines[scan]).empty() &&
           trim_blanks(lines[scan]).find(": ") != std::string_view::npos) {
        ++scan;
    }
    if (scan < lines.size() && trim_blanks(lines[scan]).empty()) {
        i = scan + 1;
    }
    std::string base64;
    std::string_view checksum;
    for (;; ++i) {
        if (i >= lines.size()) {
            fail("no END line for " + block.label);
        }
        const std::string_view line = trim_blanks(lines[i]);
        if (line.starts_with(kEnd)) {
            if (label_of(line, kEnd) != block.label) {
                fail("END line does not match BEGIN " + block.label);
            }
            break;
        }
        if (!checksum.empty()) {
            fail("data after the checksum line");
        }
        if (line.starts_with('=')) {
            checksum = line.substr(1);
            if (checksum.empty()) {
                fail("empty checksum line");
            }
            continue;
        }
        base64 += line;
    }
    next = i + 1;
    auto data = sif::base64_decode(base64);
    if (!data) {
        fail("bad base64 in " + block.label);
    }
    block.data = std::move(*data);
    if (!checksum.empty()) {
        const auto crc = sif::base64_decode(checksum);
        if (!crc || crc->size() != 3) {
            fail("bad checksum line");
        }
        const std::uint32_t stored = static_cast<std::uint32_t>((*crc)[0]) << 16 |
                                     static_cast<std::uint32_t>((*crc)[1]) << 8 | (*crc)[2];
        if (stored != crc24(block.data)) {
            fail("CRC-24 checksum mismatch in " + block.label);
        }
    }
    return block;
}

std::vector<ArmorBlock> decode_armor_blocks(std::string_view text, std::string_view label) {
    const std::vector<std::string_view> lines = split_lines(text);
    std::vector<ArmorBlock> blocks;
    for (std::size_t i = 0; i < lines.size();) {
        if (label_of(lines[i], kBegin) == label) {
            std::size_t next = i;
            blocks.push_back(decode_armor(lines, i, next));
            i = next;
        } else {
            ++i;
        }
    }
    return blocks;
}

std::string encode_armor(std::string_view label, std::span<const std::uint8_t> data) {
    const std::string body = sif::base64_encode(data);
    std::string out = std::string(kBegin) + std::string(label) + std::string(kDashes) + "\n\n";
    for (std::size_t at = 0; at < body.size(); at += 64) {
        out += body.substr(at, 64);
        out += '\n';
    }
    const std::uint32_t crc = crc24(data);
    const std::uint8_t crc_bytes[3] = {static_cast<std::uint8_t>(crc >> 16),
                                       static_cast<std::uint8_t>(crc >> 8),
                                       static_cast<std::uint8_t>(crc)};
    out += "=" + sif::base64_encode(std::span<const std::uint8_t>(crc_bytes));
    out += "\n" + std::string(kEnd) + std::string(label) + std::string(kDashes) + "\n";
    return out;
}

}  // namespace sifkit::sign::detail
