// Copy-and-verify in one pass (see stage.hpp).
#include "sifkit/sign/stage.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <utility>
#include <vector>

#include "disk_space.hpp"
#include "object_digests.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/header.hpp"
#include "stage_copy.hpp"
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

void write_all(int fd, std::span<const std::byte> data, const std::string& name) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            detail::throw_write_error("cannot write the staged copy", name);
        }
        data = data.subspan(static_cast<std::size_t>(n));
    }
}

}  // namespace

StageSource::StageSource(int fd, std::string name) : fd_(fd), name_(std::move(name)) {
    struct stat info {};
    if (::fstat(fd_, &info) != 0) {
        const int saved = errno;
        ::close(fd_);
        errno = saved;
        throw_errno("cannot stat", name_);
    }
    if (!S_ISREG(info.st_mode)) {
        ::close(fd_);
        throw Error(ErrorKind::usage, "not a regular file", name_);
    }
    size_ = static_cast<std::uint64_t>(info.st_size);
    mode_ = info.st_mode & 07777;
}

StageSource StageSource::open(const std::filesystem::path& path) {
    // O_NONBLOCK: opening a FIFO must not hang; the regular-file check refuses it next.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        throw_errno("cannot open", path.string());
    }
    return StageSource(fd, path.string());
}

StageSource StageSource::adopt(int fd, std::string name) {
    if (fd < 0) {
        throw Error(ErrorKind::usage, "invalid file descriptor " + std::to_string(fd), name);
    }
    return StageSource(fd, std::move(name));
}

StageSource::StageSource(StageSource&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      name_(std::move(other.name_)),
      size_(other.size_),
      mode_(other.mode_) {}

StageSource::~StageSource() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

namespace detail {

CopyOutcome copy_and_verify(const StageSource& source, sif::AtomicFile& copy,
                            const VerifyOptions& options) {
    const std::string& source_name = source.name();
    const std::string dest_name = copy.destination().string();
    const std::filesystem::path dest_dir = copy.destination().parent_path();
    reserve_space(copy.fd(), dest_dir, source.size(), "the staged copy of " + source_name);
    ::posix_fadvise(source.fd(), 0, 0, POSIX_FADV_SEQUENTIAL);

    StreamPlanner planner;
    std::vector<std::byte> buffer(kChunk);
    std::uint64_t copied = 0;
    for (;;) {
        const ssize_t n =
            ::pread(source.fd(), buffer.data(), buffer.size(), static_cast<off_t>(copied));
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                continue;
            }
            throw_errno("cannot read", source_name, copied);
        }
        if (n == 0) {
            break;
        }
        const std::span<const std::byte> chunk(buffer.data(), static_cast<std::size_t>(n));
        write_all(copy.fd(), chunk, dest_name);
        // Start writing the chunk back now, so that the fsync before the rename finds little
        // left to do and the disk works while the next chunks are hashed. Advisory only.
        ::sync_file_range(copy.fd(), static_cast<off_t>(copied), n, SYNC_FILE_RANGE_WRITE);
        planner.feed(copied, chunk);
        copied += static_cast<std::uint64_t>(n);
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

StageResult stage_image(const StageSource& source, const std::filesystem::path& destination,
                        const VerifyOptions& options, sif::AtomicFile::Overwrite overwrite) {
    sif::AtomicFile copy(destination, overwrite, source.mode() & 0777);
    StageResult result;
    result.report = detail::copy_and_verify(source, copy, options).report;
    if (result.report.status == VerifyStatus::verified) {
        detail::flush_copy(copy);
        copy.commit();
        result.written = true;
    }
    return result;
}

StageResult stage_image(const std::filesystem::path& source,
                        const std::filesystem::path& destination, const VerifyOptions& options,
                        sif::AtomicFile::Overwrite overwrite) {
    return stage_image(StageSource::open(source), destination, options, overwrite);
}

}  // namespace sifkit::sign
