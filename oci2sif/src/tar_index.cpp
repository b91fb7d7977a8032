#include "tar_index.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "sifkit/oci2sif/blob_store.hpp"
#include "sifkit/sif/error.hpp"

namespace sifkit::oci2sif {
namespace {

constexpr std::size_t kBlock = 512;
// Limits that keep a hostile archive from making the index allocate without bound.
constexpr std::uint64_t kMaxExtendedHeader = 1 << 20;
constexpr std::size_t kMaxMembers = 1 << 20;
constexpr int kMaxLinkHops = 16;

using Block = std::array<char, kBlock>;

std::string_view field(const Block& block, std::size_t offset, std::size_t length) {
    const char* begin = block.data() + offset;
    const auto* nul = static_cast<const char*>(std::memchr(begin, '\0', length));
    return std::string_view(begin, nul != nullptr ? static_cast<std::size_t>(nul - begin) : length);
}

// Numeric fields are octal text, or big-endian base-256 when the first byte has its high bit set
// (GNU and star use that for sizes beyond 8 GiB).
std::optional<std::uint64_t> number(const Block& block, std::size_t offset, std::size_t length) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(block.data() + offset);
    if ((bytes[0] & 0x80U) != 0) {
        if ((bytes[0] & 0x40U) != 0) {
            return std::nullopt;  // negative
        }
        std::uint64_t value = bytes[0] & 0x3FU;
        for (std::size_t i = 1; i < length; ++i) {
            if (value > (UINT64_MAX >> 8)) {
                return std::nullopt;
            }
            value = (value << 8) | bytes[i];
        }
        return value;
    }
    std::uint64_t value = 0;
    bool digits = false;
    for (std::size_t i = 0; i < length; ++i) {
        const char c = static_cast<char>(bytes[i]);
        if (c == ' ' && !digits) {
            continue;
        }
        if (c < '0' || c > '7') {
            break;
        }
        if (value > (UINT64_MAX >> 3)) {
            return std::nullopt;
        }
        value = (value << 3) | static_cast<std::uint64_t>(c - '0');
        digits = true;
    }
    return value;
}

bool all_zero(const Block& block) {
    return std::all_of(block.begin(), block.end(), [](char c) { return c == '\0'; });
}

bool checksum_ok(const Block& block) {
    const auto recorded = number(block, 148, 8);
    if (!recorded) {
        return false;
    }
    std::uint64_t unsigned_sum = 0;
    std::int64_t signed_sum = 0;
    for (std::size_t i = 0; i < kBlock; ++i) {
        const char c = (i >= 148 && i < 156) ? ' ' : block[i];
        unsigned_sum += static_cast<unsigned char>(c);
        signed_sum += static_cast<signed char>(c);
    }
    return *recorded == unsigned_sum || static_cast<std::int64_t>(*recorded) == signed_sum;
}

std::uint64_t padded(std::uint64_t size) {
    return (size + kBlock - 1) / kBlock * kBlock;
}

// Applies the records of a pax extended header ("LEN key=value\n"...) that matter for locating
// members: path, linkpath and size.
void apply_pax(std::string_view records, std::optional<std::string>& path,
               std::optional<std::string>& link, std::uint64_t& size, bool& has_size,
               const std::string& archive, std::uint64_t offset) {
    while (!records.empty()) {
        const auto space = records.find(' ');
        std::uint64_t length = 0;
        bool ok = space != std::string_view::npos && space > 0;
        for (std::size_t i = 0; ok && i < space; ++i) {
            ok = records[i] >= '0' && records[i] <= '9' && length < (1U << 30);
            length = length * 10 + static_cast<std::uint64_t>(records[i] - '0');
        }
        if (!ok || length <= space + 1 || length > records.size() || records[length - 1] != '\n') {
            throw Error(ErrorKind::invalid_input, "malformed pax extended header", archive, offset);
        }
        const std::string_view record = records.substr(space + 1, length - space - 2);
        records.remove_prefix(length);
        const auto equals = record.find('=');
        if (equals == std::string_view::npos) {
            throw Error(ErrorKind::invalid_input, "malformed pax record", archive, offset);
        }
        const auto key = record.substr(0, equals);
        const auto value = record.substr(equals + 1);
        if (key == "path") {
            path = std::string(value);
        } else if (key == "linkpath") {
            link = std::string(value);
        } else if (key == "size") {
            std::uint64_t v = 0;
            for (const char c : value) {
                if (c < '0' || c > '9' || v > UINT64_MAX / 10) {
                    throw Error(ErrorKind::invalid_input, "bad pax size record", archive, offset);
                }
                v = v * 10 + static_cast<std::uint64_t>(c - '0');
            }
            size = v;
            has_size = true;
        }
    }
}

std::string read_extended(const SharedFile& archive, std::uint64_t offset, std::uint64_t size) {
    if (size > kMaxExtendedHeader) {
        throw Error(ErrorKind::invalid_input,
                    "extended header of " + std::to_string(size) + " bytes is too large",
                    archive.name(), offset);
    }
    std::string text(static_cast<std::size_t>(size), '\0');
    if (archive.read_at(offset, std::as_writable_bytes(std::span<char>(text))) != text.size()) {
        throw Error(ErrorKind::invalid_input, "truncated extended header", archive.name(), offset);
    }
    return text;
}

}  // namespace

// The magic numbers of compressed files, to say what is wrong when an archive is compressed.
const char* compression_of(const Block& block, std::size_t size) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(block[i]); };
    if (size >= 2 && byte(0) == 0x1F && byte(1) == 0x8B) {
        return "gzip";
    }
    if (size >= 4 && byte(0) == 0x28 && byte(1) == 0xB5 && byte(2) == 0x2F && byte(3) == 0xFD) {
        return "zstd";
    }
    if (size >= 6 && std::memcmp(block.data(),
                                 "\xFD"
                                 "7zXZ",
                                 5) == 0) {
        return "xz";
    }
    if (size >= 3 && std::memcmp(block.data(), "BZh", 3) == 0) {
        return "bzip2";
    }
    return nullptr;
}

TarIndex TarIndex::build(const SharedFile& archive) {
    TarIndex index;
    std::uint64_t offset = 0;
    std::optional<std::string> long_path;
    std::optional<std::string> long_link;
    // A plain value and a flag rather than std::optional: GCC 12 at -O3 misreads the latter.
    std::uint64_t pax_size = 0;
    bool has_pax_size = false;
    bool extended_pending = false;  // an extended header was read and its member not yet
    const std::string& name = archive.name();
    while (true) {
        Block block{};
        const std::size_t got =
            archive.read_at(offset, std::as_writable_bytes(std::span<char>(block)));
        if (got == 0) {
            if (extended_pending) {
                throw Error(ErrorKind::invalid_input, "truncated: an extended header has no member",
                            name, offset);
            }
            break;  // no end-of-archive marker: tolerated, as GNU tar does
        }
        if (offset == 0) {
            if (const char* compression = compression_of(block, got)) {
                throw Error(ErrorKind::invalid_input,
                            std::string("is ") + compression +
                                "-compressed; an image archive must be an uncompressed tar "
                                "(decompress it first)",
                            name);
            }
        }
        if (got < kBlock) {
            throw Error(ErrorKind::invalid_input,
                        offset == 0 ? "not an uncompressed tar archive (too short)"
                                    : "truncated tar header",
                        name, offset);
        }
        if (all_zero(block)) {
            break;
        }
        if (!checksum_ok(block)) {
            throw Error(ErrorKind::invalid_input,
                        offset == 0 ? "not an uncompressed tar archive (bad header checksum)"
                                    : "bad tar header checksum",
                        name, offset);
        }
        const auto header_size = number(block, 124, 12);
        if (!header_size) {
            throw Error(ErrorKind::invalid_input, "bad size field in tar header", name, offset);
        }
        const std::uint64_t size = has_pax_size ? pax_size : *header_size;
        const std::uint64_t data = offset + kBlock;
        const char type = block[156];
        const bool carries_data = type != '1' && type != '2' && type != '5';
        if (carries_data && (size > archive.size() || data + size > archive.size())) {
            throw Error(
                ErrorKind::invalid_input,
                "member claims " + std::to_string(size) + " bytes, more than the archive holds",
                name, offset);
        }
        if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
            if (data + *header_size > archive.size()) {
                throw Error(ErrorKind::invalid_input, "truncated extended header", name, offset);
            }
            extended_pending = type != 'g';
            if (type == 'x') {
                apply_pax(read_extended(archive, data, *header_size), long_path, long_link,
                          pax_size, has_pax_size, name, offset);
            } else if (type == 'L' || type == 'K') {
                auto text = read_extended(archive, data, *header_size);
                text.erase(std::find(text.begin(), text.end(), '\0'), text.end());
                (type == 'L' ? long_path : long_link) = std::move(text);
            }
            offset = data + padded(*header_size);
            continue;
        }
        std::string path;
        if (long_path) {
            path = *long_path;
        } else {
            path = std::string(field(block, 0, 100));
            const bool ustar = std::memcmp(block.data() + 257, "ustar\0", 6) == 0;
            const auto prefix = field(block, 345, 155);
            if (ustar && !prefix.empty()) {
                path = std::string(prefix) + "/" + path;
            }
        }
        TarMember member;
        member.data_offset = data;
        member.size = size;
        member.link_target = long_link ? *long_link : std::string(field(block, 157, 100));
        switch (type) {
            case '0':
            case '\0':
            case '7':
                member.type = TarMember::Type::file;
                break;
            case '1':
                member.type = TarMember::Type::hardlink;
                member.size = 0;
                break;
            case '2':
                member.type = TarMember::Type::symlink;
                member.size = 0;
                break;
            case '5':
                member.type = TarMember::Type::directory;
                member.size = 0;
                break;
            default:
                member.type = TarMember::Type::other;
                break;
        }
        if (const auto clean = normalize_store_path(path)) {
            if (index.members_.size() >= kMaxMembers) {
                throw Error(ErrorKind::invalid_input, "too many members", name, offset);
            }
            index.members_.insert_or_assign(*clean, std::move(member));
        }
        // Regular files and unknown types carry data; links and directories do not, whatever
        // their size field says (pax size applies only to data-carrying entries).
        const std::uint64_t skip = (type == '1' || type == '2' || type == '5') ? 0 : size;
        offset = data + padded(skip);
        long_path.reset();
        long_link.reset();
        has_pax_size = false;
        extended_pending = false;
    }
    return index;
}

std::optional<TarMember> TarIndex::find(std::string_view path) const {
    auto clean = normalize_store_path(path);
    for (int hop = 0; clean && hop < kMaxLinkHops; ++hop) {
        const auto it = members_.find(*clean);
        if (it == members_.end()) {
            return std::nullopt;
        }
        const TarMember& member = it->second;
        if (member.type == TarMember::Type::symlink) {
            // Relative to the link's directory; absolute targets do not point into the archive.
            const auto slash = clean->rfind('/');
            const std::string base = slash == std::string::npos ? "" : clean->substr(0, slash + 1);
            clean = normalize_store_path(base + member.link_target);
        } else if (member.type == TarMember::Type::hardlink) {
            clean = normalize_store_path(member.link_target);
        } else {
            return member;
        }
    }
    return std::nullopt;
}

}  // namespace sifkit::oci2sif
