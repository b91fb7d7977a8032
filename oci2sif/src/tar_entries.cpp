#include "tar_entries.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <exception>
#include <limits>
#include <memory>
#include <vector>

#include "sifkit/sif/error.hpp"

namespace sifkit::oci2sif {
namespace {

constexpr std::size_t kReadChunk = 1 << 18;

// libarchive returns names in the locale's multibyte form; in the C locale a UTF-8 pax name may
// not convert, in which case its UTF-8 form is the raw bytes the layer recorded.
template <typename Mbs, typename Utf8>
const char* raw_name(archive_entry* entry, Mbs mbs, Utf8 utf8) {
    const char* name = mbs(entry);
    return name != nullptr ? name : utf8(entry);
}

class TarEntries final : public EntryStream {
  public:
    explicit TarEntries(sif::ByteSource& tar)
        : tar_(&tar), buffer_(kReadChunk), owner_(archive_read_new()), archive_(owner_.get()) {
        if (archive_ == nullptr) {
            throw Error(ErrorKind::internal, "cannot initialise libarchive");
        }
        // One registration reads ustar, pax and GNU tar alike (gnutar is an alias that would
        // register the same reader twice).
        archive_read_support_format_tar(archive_);
        if (archive_read_open(archive_, this, nullptr, &TarEntries::read_callback, nullptr) !=
            ARCHIVE_OK) {
            rethrow_pending();
            fail("cannot read the tar stream");
        }
    }
    TarEntries(const TarEntries&) = delete;
    TarEntries& operator=(const TarEntries&) = delete;

    bool next(Entry& entry) override {
        while (true) {
            archive_entry* header = nullptr;
            const int rc = archive_read_next_header(archive_, &header);
            rethrow_pending();
            if (rc == ARCHIVE_EOF) {
                return false;
            }
            if (rc < ARCHIVE_WARN) {
                fail("corrupt tar stream");
            }
            ++index_;
            if (convert(header, entry)) {
                return true;
            }
        }
    }

    std::size_t read_data(std::span<std::byte> data) override {
        const la_ssize_t n = archive_read_data(archive_, data.data(), data.size());
        rethrow_pending();
        if (n < 0) {
            fail("corrupt tar stream");
        }
        return static_cast<std::size_t>(n);
    }

  private:
    static la_ssize_t read_callback(archive*, void* self, const void** buffer) {
        auto* reader = static_cast<TarEntries*>(self);
        try {
            *buffer = reader->buffer_.data();
            return static_cast<la_ssize_t>(reader->tar_->read(reader->buffer_));
        } catch (...) {
            // Never let a C++ exception cross libarchive's C frames: keep it for the caller.
            reader->pending_ = std::current_exception();
            return -1;
        }
    }

    void rethrow_pending() {
        if (pending_) {
            std::rethrow_exception(std::exchange(pending_, nullptr));
        }
    }

    [[noreturn]] void fail(const char* what) {
        const char* detail = archive_error_string(archive_);
        throw Error(ErrorKind::invalid_input,
                    std::string(what) + " at entry " + std::to_string(index_) +
                        (detail != nullptr ? std::string(": ") + detail : std::string()),
                    tar_->name());
    }

    bool convert(archive_entry* header, Entry& entry) {
        const char* raw_path =
            raw_name(header, archive_entry_pathname, archive_entry_pathname_utf8);
        if (raw_path == nullptr) {
            warn("entry " + std::to_string(index_) + " has an unreadable name: skipped");
            return false;
        }
        // A layer made by diffing two trees never holds such a name: refused as crafted, as
        // Docker's applier refuses it, rather than dropped or clamped into the root.
        if (const std::string problem = normalize_entry_path(raw_path, entry.path);
            !problem.empty()) {
            throw Error(ErrorKind::invalid_input,
                        "crafted layer: entry " + quoted_path(raw_path) + " " + problem,
                        tar_->name());
        }
        entry.mode = static_cast<std::uint32_t>(archive_entry_perm(header)) & 07777U;
        const la_int64_t uid = archive_entry_uid(header);
        const la_int64_t gid = archive_entry_gid(header);
        if (uid < 0 || gid < 0 || uid > std::numeric_limits<std::uint32_t>::max() ||
            gid > std::numeric_limits<std::uint32_t>::max()) {
            throw Error(ErrorKind::invalid_input,
                        "entry \"" + entry.path + "\" has an owner outside the 32-bit range",
                        tar_->name());
        }
        entry.uid = static_cast<std::uint32_t>(uid);
        entry.gid = static_cast<std::uint32_t>(gid);
        entry.mtime = archive_entry_mtime(header);
        entry.size = 0;
        entry.link_target.clear();
        entry.dev_major = 0;
        entry.dev_minor = 0;
        entry.xattrs.clear();

        const char* hardlink =
            raw_name(header, archive_entry_hardlink, archive_entry_hardlink_utf8);
        if (hardlink != nullptr) {
            entry.type = EntryType::hardlink;
            if (std::string problem = normalize_entry_path(hardlink, entry.link_target);
                !problem.empty() || entry.link_target.empty()) {
                if (problem.empty()) {
                    problem = "is the root";
                }
                throw Error(ErrorKind::invalid_input,
                            "crafted layer: hardlink " + quoted_path(entry.path) + " to " +
                                quoted_path(hardlink) + ": the target " + problem,
                            tar_->name());
            }
        } else {
            switch (archive_entry_filetype(header)) {
                case AE_IFREG:
                    entry.type = EntryType::regular;
                    entry.size = static_cast<std::uint64_t>(
                        std::max<la_int64_t>(0, archive_entry_size(header)));
                    break;
                case AE_IFDIR:
                    entry.type = EntryType::directory;
                    break;
                case AE_IFLNK: {
                    entry.type = EntryType::symlink;
                    const char* target =
                        raw_name(header, archive_entry_symlink, archive_entry_symlink_utf8);
                    entry.link_target = target != nullptr ? target : "";
                    break;
                }
                case AE_IFCHR:
                case AE_IFBLK:
                    entry.type = archive_entry_filetype(header) == AE_IFCHR
                                     ? EntryType::char_device
                                     : EntryType::block_device;
                    entry.dev_major = static_cast<std::uint32_t>(archive_entry_rdevmajor(header));
                    entry.dev_minor = static_cast<std::uint32_t>(archive_entry_rdevminor(header));
                    break;
                case AE_IFIFO:
                    entry.type = EntryType::fifo;
                    break;
                case AE_IFSOCK:
                    warn("socket \"" + entry.path + "\" skipped (sockets cannot be stored)");
                    return false;
                default:
                    warn("entry \"" + entry.path + "\" of unknown type skipped");
                    return false;
            }
        }

        archive_entry_xattr_reset(header);
        const char* name = nullptr;
        const void* value = nullptr;
        std::size_t size = 0;
        while (archive_entry_xattr_next(header, &name, &value, &size) == ARCHIVE_OK) {
            entry.xattrs.emplace_back(name, std::string(static_cast<const char*>(value), size));
        }
        // libarchive-written tars carry each xattr twice (SCHILY.xattr and LIBARCHIVE.xattr
        // records) and both come back: keep one per name.
        std::stable_sort(entry.xattrs.begin(), entry.xattrs.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        entry.xattrs.erase(
            std::unique(entry.xattrs.begin(), entry.xattrs.end(),
                        [](const auto& a, const auto& b) { return a.first == b.first; }),
            entry.xattrs.end());
        return true;
    }

    struct FreeArchive {
        void operator()(archive* a) const noexcept { archive_read_free(a); }
    };

    sif::ByteSource* tar_;
    std::vector<std::byte> buffer_;
    // Owned by a unique_ptr so that a constructor that throws (not a tar) still frees it.
    std::unique_ptr<archive, FreeArchive> owner_;
    archive* archive_;
    std::exception_ptr pending_;
    std::uint64_t index_ = 0;
};

}  // namespace

std::unique_ptr<EntryStream> read_tar_entries(sif::ByteSource& tar) {
    return std::make_unique<TarEntries>(tar);
}

}  // namespace sifkit::oci2sif
