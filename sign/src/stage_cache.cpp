// The per-node stage cache (see stage_cache.hpp for the layout and the trust model).
#include "sifkit/sign/stage_cache.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>
#include <set>

#include "cache_dir.hpp"
#include "cache_record.hpp"
#include "disk_space.hpp"
#include "sifkit/sif/clock.hpp"
#include "sifkit/sif/error.hpp"
#include "stage_copy.hpp"
#include "verify_internal.hpp"

namespace sifkit::sign {
namespace {

// Records hold one digest per object (at most 65536 objects); anything larger is not ours.
constexpr std::size_t kRecordLimit = 64U << 20;

bool whole_image(const VerifyOptions& options) {
    return options.groups.empty() && options.objects.empty() && !options.legacy &&
           !options.legacy_all;
}

sif::Image open_shared(int fd, const std::string& name) {
    const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) {
        throw_errno("cannot duplicate descriptor of", name);
    }
    return sif::Image::open(sif::FileStorage::adopt(copy, name), sif::OpenMode::read_only);
}

std::vector<std::string> verifying_keys(const VerifyReport& report) {
    std::set<std::string> ids;
    for (const SignatureFinding& f : report.findings) {
        ids.insert(f.keyids.begin(), f.keyids.end());
    }
    return {ids.begin(), ids.end()};
}

std::string first_reason(const VerifyReport& report) {
    for (const SignatureFinding& f : report.findings) {
        if (f.status == report.status && !f.reason.empty()) {
            return f.reason;
        }
    }
    return std::string(name_of(report.status));
}

struct Entry {
    std::filesystem::path copy;
    std::filesystem::path record;
    std::filesystem::path lock;
};

// What an existing entry is worth: a final report (verified, or a verdict about the image's
// signatures that copying again would not change), or the reason it must be discarded. Both
// empty: there is no entry.
struct Lookup {
    std::optional<VerifyReport> report;
    std::string discard;
    std::optional<detail::CacheRecord> record;
};

Lookup discard(std::string why) {
    return {std::nullopt, std::move(why), std::nullopt};
}

Lookup look_up(const Entry& entry, const std::string& key, const VerifyOptions& options,
               bool rehash) {
    const int fd = ::open(entry.copy.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT) {
            return {std::nullopt, {}, std::nullopt};
        }
        return discard(std::string("cannot open it: ") + std::strerror(errno));
    }
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat info {};
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        return discard("not a regular file");
    }
    if (info.st_uid != ::geteuid() || (info.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        return discard("owned by another user or writable by others");
    }
    const auto text = detail::read_own_file(entry.record, kRecordLimit);
    const auto record = text ? detail::CacheRecord::decode(*text) : std::nullopt;
    if (!record || record->key != key) {
        return discard("no valid record next to it");
    }
    if (record->identity != detail::FileIdentity::of(info)) {
        return discard(
            "it was changed after it was staged (its inode, size, times or "
            "mode differ from its record)");
    }
    std::optional<sif::Image> image;
    try {
        image.emplace(open_shared(fd, entry.copy.string()));
    } catch (const Error& e) {
        return discard(std::string("it does not load: ") + e.what());
    }
    if (StageCache::key_of(*image) != key) {
        return discard("its header, descriptors or signatures changed");
    }
    detail::ObjectDigests digests(*image);
    if (!rehash) {
        for (const detail::KnownDigest& d : record->digests) {
            digests.remember(d.offset, d.size, d.digest);
        }
    }
    VerifyReport report = detail::verify_with(*image, options, digests);
    if (report.status == VerifyStatus::invalid) {
        return discard("it no longer verifies (" + first_reason(report) + ")");
    }
    // Verified, or signatures that these keys do not accept: the source carries the very same
    // signatures (KEY covers them), so a fresh copy would get the same verdict.
    return {std::move(report), {}, std::move(record)};
}

[[noreturn]] void changed_while_staging(const StageSource& source) {
    throw Error(ErrorKind::io,
                "the image changed while it was being staged (its header, descriptors or "
                "signatures differ from those read first); nothing was cached, try again",
                source.name());
}

detail::FileIdentity identity_of(const StageSource& source) {
    struct stat info {};
    if (::fstat(source.fd(), &info) != 0) {
        throw_errno("cannot stat", source.name());
    }
    return detail::FileIdentity::of(info);
}

void write_record(const std::filesystem::path& path, const detail::CacheRecord& record) {
    sif::AtomicFile out(path, sif::AtomicFile::Overwrite::replace, 0444);
    detail::claim_temporary(out.fd());
    const std::string text = record.encode();
    out.storage()->write_at(0, std::as_bytes(std::span(text.data(), text.size())));
    out.commit();
}

// The miss: stages the source as the entry's copy and writes its record, under the entry's
// lock. `result` gets the report; `verified` only once copy and record are in place.
void copy_into_cache(const Entry& entry, const StageSource& source,
                     const detail::FileIdentity& source_id, const VerifyOptions& options,
                     CacheStageResult& result) {
    // A stale record must never describe the new copy, even for a moment.
    ::unlink(entry.record.c_str());
    if (!result.discarded.empty()) {
        ::unlink(entry.copy.c_str());
    }
    detail::remove_stale_temporaries(entry.copy);
    detail::remove_stale_temporaries(entry.record);

    sif::AtomicFile copy(entry.copy, sif::AtomicFile::Overwrite::replace, 0444);
    detail::CopyOutcome outcome = detail::copy_and_verify(source, copy, options);
    result.report = std::move(outcome.report);
    result.copied = true;
    result.bytes_copied = outcome.bytes;
    if (result.report.status != VerifyStatus::verified) {
        return;  // the temporary copy goes, nothing is cached
    }
    if (StageCache::key_of(sif::Image::open(copy.storage(), sif::OpenMode::read_only)) !=
        result.key) {
        changed_while_staging(source);
    }
    detail::flush_copy(copy);
    copy.commit();

    // The identity is taken after the rename, which may itself change ctime.
    struct stat info {};
    if (::stat(entry.copy.c_str(), &info) != 0) {
        throw_errno("cannot stat the cached copy", entry.copy.string());
    }
    detail::CacheRecord record;
    record.key = result.key;
    record.identity = detail::FileIdentity::of(info);
    record.digests = std::move(outcome.digests);
    record.source = source.name();
    record.staged_at = sif::unix_now();
    record.add_source(source_id);
    record.verified_by = verifying_keys(result.report);
    write_record(entry.record, record);
    result.verified = true;
}

}  // namespace

StageCache::StageCache(const std::filesystem::path& dir, Parents parents)
    : dir_(detail::open_private_directory(dir, parents == Parents::create
                                                   ? detail::MissingParents::create
                                                   : detail::MissingParents::refuse)) {}

std::filesystem::path StageCache::default_dir() {
    // The XDG base directory rule: a relative XDG_CACHE_HOME is invalid and ignored.
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg == '/') {
        return std::filesystem::path(xdg) / "sifkit" / "stage";
    }
    const char* home = std::getenv("HOME");
    if (home == nullptr || *home != '/') {
        const struct passwd* entry = ::getpwuid(::geteuid());
        home = entry != nullptr ? entry->pw_dir : nullptr;
    }
    if (home == nullptr || *home != '/') {
        throw Error(ErrorKind::usage,
                    "no cache directory: set HOME or XDG_CACHE_HOME, or use --cache-dir");
    }
    return std::filesystem::path(home) / ".cache" / "sifkit" / "stage";
}

std::string StageCache::key_of(const sif::Image& image) {
    Hasher hasher(DigestAlgorithm::sha256);
    const std::string_view tag = "sifkit-stage-cache-key/1\n";
    hasher.update(std::as_bytes(std::span(tag.data(), tag.size())));
    std::array<std::byte, sif::kHeaderSize> header{};
    image.storage().read_exact(0, header);
    hasher.update(header);
    // The table (every slot, used or not) fixes the placement and size of every object, so the
    // signature bytes that follow need no framing.
    const sif::Header& h = image.header();
    std::vector<std::byte> table(static_cast<std::size_t>(h.descriptors_total) *
                                 sif::kDescriptorSize);
    image.storage().read_exact(static_cast<std::uint64_t>(h.descriptors_offset), table);
    hasher.update(table);
    for (const sif::Descriptor& d : image.objects()) {
        if (d.type() == sif::DataType::signature) {
            const std::string text = detail::read_signature(image, d);
            hasher.update(std::as_bytes(std::span(text.data(), text.size())));
        }
    }
    const std::string digest = hasher.finish().to_string();
    return digest.substr(digest.find(':') + 1);
}

CacheStageResult StageCache::stage(const StageSource& source, const VerifyOptions& options,
                                   const CacheStageOptions& cache_options) const {
    if (!whole_image(options)) {
        throw Error(ErrorKind::usage,
                    "the stage cache verifies whole images: --group, --object and "
                    "--legacy-insecure cannot be used with it");
    }
    detail::check_max_size(source, cache_options.limits);
    detail::remove_dead_temporaries(dir_);
    CacheStageResult result;
    const sif::Image metadata = detail::open_metadata_only(source);
    result.key = key_of(metadata);
    const Entry entry{dir_ / (result.key + ".sif"), dir_ / (result.key + ".json"),
                      dir_ / (result.key + ".lock")};
    result.entry = entry.copy;
    if (auto refusal = detail::refusal_before_copy(metadata, options)) {
        // Before the lock, so that an image refused by its signatures leaves not even a lock
        // file. The same verdict as a cached copy would get: its signatures are these. As
        // without a cache, an image the disk could not hold anyway is told so first.
        detail::check_space(dir_, source.size(), "the staged copy of " + source.name());
        result.report = std::move(*refusal);
        result.refused_before_copy = true;
        return result;
    }

    // Everything below happens under the entry's lock: one process copies, the others wait
    // here and then find its copy.
    const detail::LockFile lock(entry.lock, cache_options.on_wait);
    result.waited = lock.waited();
    const detail::FileIdentity source_id = identity_of(source);
    Lookup found = look_up(entry, result.key, options, cache_options.rehash);
    if (found.report && found.report->status == VerifyStatus::verified &&
        !found.record->knows_source(source_id)) {
        // The cache holds a verified copy of what this image claims to be, but not this file
        // as it is now (another file, or this one changed since): only a full read of it can
        // tell whether its bytes are those the signatures describe. No copy is needed.
        const sif::Image in_place = open_shared(source.fd(), source.name());
        if (key_of(in_place) != result.key) {
            changed_while_staging(source);
        }
        VerifyReport report = verify_image(in_place, options);
        result.source_verified = true;
        if (report.status != VerifyStatus::verified) {
            result.report = std::move(report);
            return result;
        }
        found.record->add_source(source_id);
        write_record(entry.record, *found.record);
    }
    if (found.report) {
        result.report = std::move(*found.report);
        result.verified = result.report.status == VerifyStatus::verified;
        return result;
    }
    result.discarded = std::move(found.discard);
    copy_into_cache(entry, source, source_id, options, result);
    return result;
}

void link_staged_copy(const std::filesystem::path& target, const std::filesystem::path& link,
                      sif::AtomicFile::Overwrite overwrite) {
    const std::string name = link.string();
    if (link.filename().empty()) {
        throw Error(ErrorKind::usage, "output path names a directory", name);
    }
    std::error_code ec;
    const auto status = std::filesystem::symlink_status(link, ec);
    if (!ec && std::filesystem::exists(status)) {
        if (std::filesystem::is_directory(status)) {
            throw Error(ErrorKind::conflict, "output path is a directory", name);
        }
        if (overwrite == sif::AtomicFile::Overwrite::refuse) {
            throw Error(ErrorKind::conflict, "already exists (use --force to replace it)", name);
        }
    }
    const std::filesystem::path dir = link.has_parent_path() ? link.parent_path() : ".";
    std::random_device random;
    std::filesystem::path temporary;
    for (int attempt = 0;; ++attempt) {
        temporary =
            dir / ("." + link.filename().string() + ".sifkit-link-" + std::to_string(random()));
        if (::symlink(target.c_str(), temporary.c_str()) == 0) {
            break;
        }
        if (errno != EEXIST || attempt == 100) {
            throw_errno("cannot create a symbolic link next to", name);
        }
    }
    const int rc =
        overwrite == sif::AtomicFile::Overwrite::replace
            ? ::rename(temporary.c_str(), link.c_str())
            : ::renameat2(AT_FDCWD, temporary.c_str(), AT_FDCWD, link.c_str(), RENAME_NOREPLACE);
    if (rc != 0 && (errno == EINVAL || errno == ENOSYS) &&
        overwrite == sif::AtomicFile::Overwrite::refuse) {
        // File systems without RENAME_NOREPLACE: link() refuses to replace as well.
        const int linked = ::link(temporary.c_str(), link.c_str());
        const int saved = errno;
        ::unlink(temporary.c_str());
        if (linked == 0) {
            return;
        }
        errno = saved;
        if (saved == EEXIST) {
            throw Error(ErrorKind::conflict, "already exists (use --force to replace it)", name);
        }
        throw_errno("cannot link the symbolic link into place", name);
    }
    if (rc != 0) {
        const int saved = errno;
        ::unlink(temporary.c_str());
        if (saved == EEXIST) {
            throw Error(ErrorKind::conflict, "already exists (use --force to replace it)", name);
        }
        errno = saved;
        throw_errno("cannot rename the link into place", name);
    }
}

}  // namespace sifkit::sign
