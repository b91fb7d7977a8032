// Copy-and-verify in one pass (see stage_copy.hpp): the checks made before the copy, and the
// copy that hashes objects as their bytes stream past.
#include "stage_copy.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "cache_dir.hpp"
#include "disk_space.hpp"
#include "object_digests.hpp"
#include "select.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/file_io.hpp"
#include "sifkit/sif/header.hpp"
#include "sifkit/sif/unique_fd.hpp"
#include "sifkit/sign/clearsign.hpp"
#include "sifkit/sign/dsse.hpp"
#include "sifkit/sign/metadata.hpp"
#include "verify_internal.hpp"

namespace sifkit::sign {
namespace {

constexpr std::size_t kChunk = 8U << 20;
// The loader refuses larger tables; the planner never buffers more than this.
constexpr std::uint64_t kMaxTableBytes = std::uint64_t{65536} * sif::kDescriptorSize;

// Hashes the objects of the image as its bytes stream past. It learns the layout from the
// header and descriptor table in the stream itself; an object that starts before the table has
// been seen (unusual layouts) is simply not pre-hashed and is hashed later from the copy.
class StreamPlanner {
  public:
    void feed(std::uint64_t position, std::span<const std::byte> chunk) {
        collect(header_, 0, sif::kHeaderSize, position, chunk);
        if (!table_range_ && header_.size() == sif::kHeaderSize) {
            plan_table();
        }
        if (table_range_ && !planned_) {
            collect(table_, table_range_->first, table_range_->second, position, chunk);
            if (table_.size() == table_range_->second - table_range_->first) {
                plan_objects(position);
            }
        }
        for (Pending& p : pending_) {
            const std::uint64_t begin = std::max(p.offset, position);
            const std::uint64_t end = std::min(p.offset + p.size, position + chunk.size());
            if (begin < end) {
                p.hasher.update(chunk.subspan(begin - position, end - begin));
            }
        }
    }

    // Digests of the objects that streamed past completely after planning.
    void hand_over(detail::ObjectDigests& digests, std::uint64_t copied) {
        for (Pending& p : pending_) {
            if (p.offset + p.size <= copied) {
                digests.remember(static_cast<std::int64_t>(p.offset),
                                 static_cast<std::int64_t>(p.size), p.hasher.finish());
            }
        }
    }

  private:
    struct Pending {
        std::uint64_t offset;
        std::uint64_t size;
        Hasher hasher;
    };

    // Appends the part of the chunk inside [begin, end) to `out` (which holds its prefix).
    static void collect(std::vector<std::byte>& out, std::uint64_t begin, std::uint64_t end,
                        std::uint64_t position, std::span<const std::byte> chunk) {
        const std::uint64_t want = begin + out.size();
        if (want >= end || want < position || want >= position + chunk.size()) {
            return;
        }
        const std::uint64_t n = std::min(end, position + chunk.size()) - want;
        const auto first = chunk.begin() + static_cast<std::ptrdiff_t>(want - position);
        out.insert(out.end(), first, first + static_cast<std::ptrdiff_t>(n));
    }

    void plan_table() {
        const sif::Header header =
            sif::Header::decode(std::span<const std::byte, sif::kHeaderSize>(header_));
        const std::int64_t count = header.descriptors_total;
        if (header.descriptors_offset < 0 || count < 0 ||
            static_cast<std::uint64_t>(count) * sif::kDescriptorSize > kMaxTableBytes) {
            planned_ = true;  // not a loadable image: nothing to pre-hash
            return;
        }
        const auto begin = static_cast<std::uint64_t>(header.descriptors_offset);
        table_range_.emplace(begin,
                             begin + static_cast<std::uint64_t>(count) * sif::kDescriptorSize);
    }

    void plan_objects(std::uint64_t position) {
        planned_ = true;
        for (std::size_t i = 0; i + sif::kDescriptorSize <= table_.size();
             i += sif::kDescriptorSize) {
            const sif::Descriptor d =
                sif::Descriptor::decode(std::span<const std::byte, sif::kDescriptorSize>(
                    table_.data() + i, sif::kDescriptorSize));
            if (!d.used || d.type() == sif::DataType::signature || d.offset < 0 || d.size <= 0 ||
                static_cast<std::uint64_t>(d.offset) < position) {
                continue;
            }
            pending_.push_back(Pending{static_cast<std::uint64_t>(d.offset),
                                       static_cast<std::uint64_t>(d.size),
                                       Hasher(DigestAlgorithm::sha256)});
        }
        table_.clear();
        table_.shrink_to_fit();
    }

    std::vector<std::byte> header_;
    std::optional<std::pair<std::uint64_t, std::uint64_t>> table_range_;
    std::vector<std::byte> table_;
    bool planned_ = false;
    std::vector<Pending> pending_;
};

// Thrown by MetadataOnlyStorage when verification wants object data; not a sifkit::Error, so
// that nothing on the way mistakes it for a verdict about the image.
struct ObjectDataNeeded {};

// The source, as the checks before the copy may read it: until restrict_to() everything (the
// loader reads the header and the table only), then only the given byte ranges.
class MetadataOnlyStorage final : public sif::Storage {
  public:
    explicit MetadataOnlyStorage(const StageSource& source)
        : fd_(::fcntl(source.fd(), F_DUPFD_CLOEXEC, 0)),
          name_(source.name()),
          size_(source.size()) {
        if (!fd_) {
            throw_errno("cannot duplicate descriptor of", name_);
        }
    }

    void restrict_to(std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges) {
        ranges_ = std::move(ranges);
        restricted_ = true;
    }

    const std::string& name() const override { return name_; }
    // The size at open: the copy never reads further either.
    std::uint64_t size() override { return size_; }

    std::size_t read_at(std::uint64_t offset, std::span<std::byte> data) override {
        if (restricted_ && !allowed(offset, data.size())) {
            throw ObjectDataNeeded{};
        }
        return sif::read_full_at(fd_.get(), offset, data, name_, "cannot read");
    }
    void write_at(std::uint64_t, std::span<const std::byte>) override { read_only(); }
    void truncate(std::uint64_t) override { read_only(); }
    void sync() override { read_only(); }

  private:
    bool allowed(std::uint64_t offset, std::uint64_t size) const {
        return std::any_of(ranges_.begin(), ranges_.end(), [&](const auto& range) {
            return offset >= range.first && size <= range.second &&
                   offset - range.first <= range.second - size;
        });
    }
    [[noreturn]] void read_only() const {
        throw Error(ErrorKind::internal, "the image to stage is opened read-only", name_);
    }

    sif::UniqueFd fd_;
    std::string name_;
    std::uint64_t size_;
    bool restricted_ = false;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges_;  // (offset, size)
};

// The metadata a current-format signature claims (as verify_current tells DSSE from OpenPGP);
// nullopt for legacy SIFHASH signatures and anything that does not parse, which verification
// then refuses or skips without object data.
std::optional<ImageMetadata> claimed_metadata(const std::string& text) {
    try {
        if (!is_clearsigned(text) && text.starts_with('{')) {
            return ImageMetadata::parse(DsseEnvelope::parse(text).payload);
        }
        const ClearsignedMessage message = ClearsignedMessage::parse(text);
        if (!detail::is_legacy_signature(text)) {
            return ImageMetadata::parse(message.plaintext);
        }
    } catch (const Error&) {
    }
    return std::nullopt;
}

// Takes every object's digest to be the one the signatures of its own group claim. Signatures
// of a group are all checked together, so two of them claiming different data make the check
// fail here, as it must with the real data; a claim about another group's object is left out,
// since that group may not be checked at all (--group).
void assume_claimed_digests(const sif::Image& image, detail::ObjectDigests& digests) {
    std::map<std::uint32_t, sif::Descriptor> by_id;
    for (const sif::Descriptor& d : image.objects()) {
        by_id.emplace(d.id, d);
    }
    for (const sif::Descriptor& signature : image.objects()) {
        if (signature.type() != sif::DataType::signature ||
            signature.link().kind() != sif::Link::Kind::group) {
            continue;
        }
        const auto metadata = claimed_metadata(detail::read_signature(image, signature));
        const std::vector<std::uint32_t> members =
            detail::group_ids(image, signature.link().target());
        if (!metadata || members.empty()) {
            continue;
        }
        const std::set<std::uint32_t> group(members.begin(), members.end());
        for (const ObjectMetadata& claim : metadata->objects) {
            const std::uint32_t id = members.front() + claim.relative_id;
            const auto found = by_id.find(id);
            if (found != by_id.end() && group.count(id) != 0) {
                digests.remember(found->second.offset, found->second.size, claim.object_digest);
            }
        }
    }
}

// sif::write_full, except that a full disk is a no_space Error (throw_write_error), as the
// space check before the copy reports it.
void write_all(int fd, std::span<const std::byte> data, const std::string& name) {
    while (!data.empty()) {
        const ssize_t n =
            sif::retry_on_eintr([&] { return ::write(fd, data.data(), data.size()); });
        if (n < 0) {
            detail::throw_write_error("cannot write the staged copy", name);
        }
        data = data.subspan(static_cast<std::size_t>(n));
    }
}

}  // namespace

namespace detail {

void check_max_size(const StageSource& source, const StageLimits& limits) {
    if (limits.max_size != 0 && source.size() > limits.max_size) {
        throw Error(ErrorKind::no_space,
                    "too large to stage: " + human_size(source.size()) + " (" +
                        std::to_string(source.size()) + " bytes), the maximum is " +
                        human_size(limits.max_size),
                    source.name());
    }
}

sif::Image open_metadata_only(const StageSource& source) {
    auto storage = std::make_unique<MetadataOnlyStorage>(source);
    MetadataOnlyStorage& view = *storage;
    sif::Image image = sif::Image::open(std::move(storage), sif::OpenMode::read_only);
    const sif::Header& header = image.header();
    std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges = {
        {0, sif::kHeaderSize},
        {static_cast<std::uint64_t>(header.descriptors_offset),
         static_cast<std::uint64_t>(header.descriptors_total) * sif::kDescriptorSize}};
    for (const sif::Descriptor& d : image.objects()) {
        if (d.type() == sif::DataType::signature) {
            ranges.emplace_back(static_cast<std::uint64_t>(d.offset),
                                static_cast<std::uint64_t>(d.size));
        }
    }
    view.restrict_to(std::move(ranges));
    return image;
}

std::optional<VerifyReport> refusal_before_copy(const sif::Image& image,
                                                const VerifyOptions& options) {
    if (options.legacy || options.legacy_all) {
        return std::nullopt;  // legacy signatures digest object data and nothing else
    }
    try {
        ObjectDigests digests(image);
        assume_claimed_digests(image, digests);
        VerifyReport report = verify_with(image, options, digests);
        if (report.status == VerifyStatus::verified) {
            return std::nullopt;
        }
        return report;
    } catch (const ObjectDataNeeded&) {
        return std::nullopt;
    }
}

CopyOutcome copy_and_verify(const StageSource& source, sif::AtomicFile& copy,
                            const VerifyOptions& options) {
    const std::string& source_name = source.name();
    const std::string dest_name = copy.destination().string();
    const std::filesystem::path dest_dir = copy.destination().parent_path();
    claim_temporary(copy.fd());
    reserve_space(copy.fd(), dest_dir, source.size(), "the staged copy of " + source_name);
    ::posix_fadvise(source.fd(), 0, 0, POSIX_FADV_SEQUENTIAL);

    StreamPlanner planner;
    std::vector<std::byte> buffer(kChunk);
    std::uint64_t copied = 0;
    // Up to the size that was checked and reserved: a source that grows meanwhile is not
    // followed (one that shrinks leaves a copy that does not load).
    while (copied < source.size()) {
        const std::size_t want = static_cast<std::size_t>(
            std::min<std::uint64_t>(buffer.size(), source.size() - copied));
        const std::size_t n = sif::read_full_at(source.fd(), copied, std::span(buffer.data(), want),
                                                source_name, "cannot read");
        if (n == 0) {
            break;
        }
        const std::span<const std::byte> chunk(buffer.data(), n);
        write_all(copy.fd(), chunk, dest_name);
        // Start writing the chunk back now, so that the fsync before the rename finds little
        // left to do and the disk works while the next chunks are hashed. Advisory only.
        ::sync_file_range(copy.fd(), static_cast<off_t>(copied), static_cast<off_t>(n),
                          SYNC_FILE_RANGE_WRITE);
        planner.feed(copied, chunk);
        copied += n;
    }
    buffer = {};

    // From here on only the copy is read: its header, table and signatures come from the bytes
    // written, and the object digests were computed over exactly those bytes.
    const sif::Image image = [&] {
        try {
            return sif::Image::open(copy.storage(), sif::OpenMode::read_only);
        } catch (const Error& e) {
            throw e.with_file(source_name);
        }
    }();
    ObjectDigests digests(image);
    planner.hand_over(digests, copied);
    CopyOutcome outcome;
    outcome.report = verify_with(image, options, digests);
    outcome.digests = digests.known();
    outcome.bytes = copied;
    return outcome;
}

void flush_copy(const sif::AtomicFile& copy) {
    if (::fdatasync(copy.fd()) != 0) {
        throw_write_error("cannot flush the staged copy to disk", copy.destination().string());
    }
}

}  // namespace detail

}  // namespace sifkit::sign
