// Adding objects (format §6): slot and placement exactly as the reference library chooses them.
#include <algorithm>
#include <limits>
#include <vector>

#include "layout.hpp"
#include "sifkit/sif/clock.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/image.hpp"

namespace sifkit::sif {
namespace {

constexpr std::size_t kCopyChunk = 1 << 20;
constexpr std::uint32_t kMaxGroup = ~kGroupMask;
// Alignments above this are refused: they would only waste space and risk overflow.
constexpr std::uint64_t kMaxAlignment = std::uint64_t{1} << 30;

// The typed extra each data type takes; monostate (all zero) is accepted for every type whose
// extra is optional in the reference library.
void check_extra(const ObjectSpec& spec, const std::string& file) {
    auto mismatch = [&](const char* wanted) {
        throw Error(ErrorKind::usage,
                    std::string(display_name(spec.type)) + " object needs " + wanted, file);
    };
    const bool none = std::holds_alternative<std::monostate>(spec.extra);
    switch (spec.type) {
        case DataType::partition: {
            const auto* p = std::get_if<PartitionInfo>(&spec.extra);
            if (p == nullptr) {
                mismatch("partition metadata (file system, partition type, architecture)");
            }
            if (!p->arch.known()) {
                throw Error(ErrorKind::usage, "partition architecture is unknown", file);
            }
            return;
        }
        case DataType::signature:
            if (!none && !std::holds_alternative<SignatureInfo>(spec.extra)) {
                mismatch("signature metadata");
            }
            return;
        case DataType::crypto_message:
            if (!none && !std::holds_alternative<CryptoMessageInfo>(spec.extra)) {
                mismatch("crypto message metadata");
            }
            return;
        case DataType::sbom:
            if (!none && !std::holds_alternative<SbomFormat>(spec.extra)) {
                mismatch("an SBOM format");
            }
            return;
        case DataType::oci_root_index:
        case DataType::oci_blob: {
            const auto* digest = std::get_if<OciDigest>(&spec.extra);
            if (digest == nullptr || !digest->well_formed()) {
                mismatch("an OCI digest (ALGORITHM:HEX)");
            }
            return;
        }
        default:
            if (!none) {
                mismatch("no type-specific metadata");
            }
            return;
    }
}

void check_spec(const ObjectSpec& spec, const std::string& file) {
    if (spec.name.size() > kNameSize) {
        throw Error(ErrorKind::usage,
                    "object name is " + std::to_string(spec.name.size()) + " bytes; at most " +
                        std::to_string(kNameSize) + " fit",
                    file);
    }
    if (spec.group > kMaxGroup) {
        throw Error(ErrorKind::usage, "group ID " + std::to_string(spec.group) + " is too large",
                    file);
    }
    if (spec.alignment && *spec.alignment > kMaxAlignment) {
        throw Error(ErrorKind::usage,
                    "alignment " + std::to_string(*spec.alignment) + " is larger than 1 GiB", file);
    }
    check_extra(spec, file);
}

bool is_primary(const ObjectSpec& spec) {
    const auto* p = std::get_if<PartitionInfo>(&spec.extra);
    return spec.type == DataType::partition && p != nullptr &&
           p->part_type == PartType::primary_system;
}

}  // namespace

ObjectWriter Image::begin_object(const ObjectSpec& spec, const UpdateOptions& options) {
    require_writable("add an object");
    return start_object(spec, options, std::nullopt);
}

ObjectWriter Image::start_object(const ObjectSpec& spec, const UpdateOptions& options,
                                 std::optional<std::size_t> replaced_slot) {
    check_spec(spec, name());

    const auto free_slot =
        std::find_if(slots_.begin(), slots_.end(), [](const Descriptor& d) { return !d.used; });
    if (free_slot == slots_.end()) {
        throw Error(ErrorKind::conflict,
                    "descriptor table is full (" + std::to_string(slots_.size()) + " of " +
                        std::to_string(slots_.size()) +
                        " slots used); create the image with a larger capacity",
                    name());
    }
    if (is_primary(spec)) {
        const Descriptor* primary = primary_partition();
        if (primary != nullptr && (!replaced_slot || &slots_[*replaced_slot] != primary)) {
            throw Error(ErrorKind::conflict,
                        "image already has a primary partition (object " +
                            std::to_string(primary->id) + ")",
                        name());
        }
    }

    const std::uint64_t alignment =
        spec.alignment.value_or(spec.type == DataType::partition ? kPartitionAlignment : 0);
    const auto start = static_cast<std::uint64_t>(header_.data_end());
    const std::uint64_t offset = detail::next_aligned(start, alignment);
    const std::int64_t time = options.time.value_or(unix_now());
    writer_active_ = true;
    return ObjectWriter(*this, static_cast<std::size_t>(free_slot - slots_.begin()), replaced_slot,
                        spec, time, start, offset);
}

const Descriptor& Image::add(const ObjectSpec& spec, ByteSource& source,
                             const UpdateOptions& options) {
    ObjectWriter writer = begin_object(spec, options);
    writer.write_all(source);
    return writer.commit();
}

ObjectWriter::ObjectWriter(Image& image, std::size_t slot, std::optional<std::size_t> replaced_slot,
                           ObjectSpec spec, std::int64_t time, std::uint64_t start,
                           std::uint64_t offset)
    : image_(&image),
      slot_(slot),
      replaced_slot_(replaced_slot),
      spec_(std::move(spec)),
      time_(time),
      start_(start),
      offset_(offset) {}

ObjectWriter::ObjectWriter(ObjectWriter&& other) noexcept
    : image_(other.image_),
      slot_(other.slot_),
      replaced_slot_(other.replaced_slot_),
      spec_(std::move(other.spec_)),
      time_(other.time_),
      start_(other.start_),
      offset_(other.offset_),
      size_(other.size_),
      done_(other.done_) {
    other.done_ = true;
}

ObjectWriter::~ObjectWriter() {
    if (!done_) {
        abandon();
    }
}

void ObjectWriter::write_at(std::uint64_t offset, std::span<const std::byte> data) {
    constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (done_) {
        throw Error(ErrorKind::usage, "object writer already finished", image_->name());
    }
    if (offset > kMax - offset_ || data.size() > kMax - offset_ - offset) {
        throw Error(ErrorKind::usage, "object would extend past the largest file offset",
                    image_->name());
    }
    image_->storage_->write_at(offset_ + offset, data);
    size_ = std::max<std::uint64_t>(size_, offset + data.size());
}

void ObjectWriter::write(std::span<const std::byte> data) {
    write_at(size_, data);
}

std::size_t ObjectWriter::read_at(std::uint64_t offset, std::span<std::byte> data) {
    if (offset >= size_) {
        return 0;
    }
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(data.size(), size_ - offset));
    return image_->storage_->read_at(offset_ + offset, data.first(n));
}

void ObjectWriter::truncate(std::uint64_t size) {
    if (size < size_) {
        image_->storage_->truncate(offset_ + size);
    }
    size_ = size;
}

std::uint64_t ObjectWriter::write_all(ByteSource& source) {
    std::vector<std::byte> buffer(kCopyChunk);
    std::uint64_t total = 0;
    for (;;) {
        const std::size_t n = source.read(buffer);
        if (n == 0) {
            return total;
        }
        write(std::span<const std::byte>(buffer.data(), n));
        total += n;
    }
}

const Descriptor& ObjectWriter::commit(std::optional<Extra> final_extra) {
    if (done_) {
        throw Error(ErrorKind::usage, "object writer already finished", image_->name());
    }
    Image& image = *image_;
    if (final_extra) {
        spec_.extra = std::move(*final_extra);
        check_extra(spec_, image.name());
    }

    Descriptor d;
    d.data_type = static_cast<std::int32_t>(spec_.type);
    d.used = true;
    d.id = static_cast<std::uint32_t>(slot_ + 1);  // the reference's rule: IDs follow slots
    d.group_raw = spec_.group | kGroupMask;
    d.link_raw = spec_.link.raw();
    d.offset = static_cast<std::int64_t>(offset_);
    d.size = static_cast<std::int64_t>(size_);
    d.size_with_padding = static_cast<std::int64_t>(offset_ - start_ + size_);
    d.created_at = d.modified_at = spec_.time.value_or(time_);
    std::copy(spec_.name.begin(), spec_.name.end(), d.name.begin());
    d.extra = encode_extra(spec_.extra);

    // Interruption-safe order: (data is already written) 1. grow the data section in the header,
    // 2. publish the descriptor, 3. finish the header. Between 1 and 2 the image is the old one
    // with unreferenced bytes at its end; between 2 and 3 only the advisory free count is stale.
    // A replacement publishes the new descriptor and clears the old one in the same single write
    // of the table range holding both, so no reader ever sees both objects or neither.
    Header& h = image.header_;
    const Header saved = h;
    const std::optional<Descriptor> replaced =
        replaced_slot_ ? std::optional<Descriptor>(image.slots_[*replaced_slot_]) : std::nullopt;
    try {
        h.data_size += d.size_with_padding;
        h.modified_at = time_;
        image.write_header();

        image.slots_[slot_] = d;
        if (replaced_slot_) {
            image.slots_[*replaced_slot_] = Descriptor{};
        }
        const std::size_t other = replaced_slot_.value_or(slot_);
        image.write_slots(std::min(slot_, other), std::max(slot_, other));
    } catch (...) {
        h = saved;
        image.slots_[slot_] = Descriptor{};
        if (replaced) {
            image.slots_[*replaced_slot_] = *replaced;
        }
        throw;
    }

    // Published: a failure from here on must not make the destructor give the space back, or
    // the descriptor just written would point past the end of the file.
    if (size_ > 0) {  // nothing is written for an empty object, even past the end of file
        image.file_size_ = std::max<std::uint64_t>(image.file_size_, offset_ + size_);
    }
    done_ = true;
    image.writer_active_ = false;

    if (d.is_partition_of(PartType::primary_system)) {
        h.arch = d.partition().arch;
    } else if (replaced && replaced->is_partition_of(PartType::primary_system)) {
        h.arch = Arch();  // as remove() leaves it
    }
    image.refresh_free_count();
    image.write_header();
    return image.slots_[slot_];
}

void ObjectWriter::abandon() noexcept {
    done_ = true;
    image_->writer_active_ = false;
    try {
        // Give back what this writer appended; bytes before the old end of file are not ours.
        if (image_->storage_->size() > image_->file_size_) {
            image_->storage_->truncate(image_->file_size_);
        }
    } catch (...) {
        // The object was never published; leftover bytes past the data section are harmless.
    }
}

}  // namespace sifkit::sif
