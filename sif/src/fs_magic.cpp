// File system magic numbers of partitions, and the source that checks them while streaming.
#include "sifkit/sif/fs_magic.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "sifkit/sif/error.hpp"

namespace sifkit::sif {
namespace {

struct FsMagic {
    std::string_view article_and_name;  // "a squashfs": how the mismatch message names it
    std::string_view name;              // "squashfs": what the declaration says
    std::uint64_t offset;
    std::string_view bytes;
    std::string_view shown;  // the magic as the message shows it
};

// squashfs: the superblock's s_magic "hsqs" (0x73717368 little-endian) at 0. ext3 (ext2/ext4
// alike): s_magic 0xEF53 little-endian at 56 in the superblock, which starts at 1024.
// Encrypted squashfs: Apptainer stores a LUKS2 container holding the squashfs, and LUKS headers
// start with "LUKS\xba\xbe".
std::optional<FsMagic> magic_of(FsType type) {
    using namespace std::string_view_literals;
    switch (type) {
        case FsType::squashfs:
            return FsMagic{"a squashfs", "squashfs", 0, "hsqs"sv, "\"hsqs\""};
        case FsType::ext3:
            return FsMagic{"an ext3", "ext3", 1080, "\x53\xEF"sv, "0xEF53"};
        case FsType::encrypted_squashfs:
            return FsMagic{"an encrypted squashfs", "encrypted squashfs", 0, "LUKS\xBA\xBE"sv,
                           "LUKS"};
        case FsType::immutable_object:
        case FsType::raw:
            return std::nullopt;
    }
    return std::nullopt;  // codes outside the table: nothing known to check
}

bool has_magic(const FsMagic& magic, std::span<const std::byte> head) {
    if (head.size() < magic.offset + magic.bytes.size()) {
        return false;
    }
    return std::memcmp(head.data() + magic.offset, magic.bytes.data(), magic.bytes.size()) == 0;
}

}  // namespace

std::optional<std::string> fs_magic_mismatch(FsType type, std::span<const std::byte> head) {
    const std::optional<FsMagic> magic = magic_of(type);
    if (!magic || has_magic(*magic, head)) {
        return std::nullopt;
    }
    return "not " + std::string(magic->article_and_name) + " file system (no " +
           std::string(magic->shown) + " magic at offset " + std::to_string(magic->offset) + ")";
}

FsMagicCheckedSource::FsMagicCheckedSource(ByteSource& inner, FsType type, std::string declared_by)
    : inner_(inner), type_(type), declared_by_(std::move(declared_by)) {}

void FsMagicCheckedSource::check() {
    if (checked_) {
        return;
    }
    checked_ = true;
    const std::optional<FsMagic> magic = magic_of(type_);
    if (!magic) {
        return;
    }
    // Standard input cannot be rewound: the bytes read for the check are kept and passed on
    // first. FileSource fills the buffer, but other sources may deliver less at a time.
    head_.resize(kFsMagicWindow);
    std::size_t filled = 0;
    while (filled < head_.size()) {
        const std::size_t n = inner_.read(std::span<std::byte>(head_).subspan(filled));
        if (n == 0) {
            inner_ended_ = true;
            break;
        }
        filled += n;
    }
    head_.resize(filled);
    if (const auto problem = fs_magic_mismatch(type_, head_)) {
        throw Error(ErrorKind::invalid_input,
                    *problem + ", but " + declared_by_ + " declares " + std::string(magic->name),
                    inner_.name());
    }
}

std::size_t FsMagicCheckedSource::read(std::span<std::byte> data) {
    check();
    std::size_t done = 0;
    if (head_served_ < head_.size()) {
        done = std::min(data.size(), head_.size() - head_served_);
        std::memcpy(data.data(), head_.data() + head_served_, done);
        head_served_ += done;
    }
    if (done < data.size() && !inner_ended_) {
        const std::size_t n = inner_.read(data.subspan(done));
        inner_ended_ = n == 0;
        done += n;
    }
    return done;
}

}  // namespace sifkit::sif
