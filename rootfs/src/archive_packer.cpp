#include "archive_packer.hpp"

#include <archive.h>
#include <archive_entry.h>

#include "sifkit/sif/error.hpp"
#include "staging.hpp"

namespace sifkit::rootfs {

ArchivePacker::ArchivePacker(int fd, std::string target, std::int64_t mtime)
    : archive_(archive_write_new()), target_(std::move(target)), mtime_(mtime) {
    if (archive_ == nullptr) {
        throw std::bad_alloc();
    }
    check(archive_write_set_format_pax_restricted(archive_), "format");
    check(archive_write_set_bytes_per_block(archive_, 0), "block size");
    check(archive_write_open_fd(archive_, fd), "open");
}

ArchivePacker::~ArchivePacker() {
    archive_write_free(archive_);
}

void ArchivePacker::check(int status, const std::string& what) {
    if (status < ARCHIVE_WARN) {
        const char* message = archive_error_string(archive_);
        throw Error(ErrorKind::io,
                    "cannot write the archive (" + what +
                        "): " + (message != nullptr ? message : "unknown error"),
                    target_);
    }
}

void ArchivePacker::add_directory(const std::string& name) {
    archive_entry* entry = archive_entry_new();
    archive_entry_copy_pathname(entry, name.c_str());
    archive_entry_set_filetype(entry, AE_IFDIR);
    archive_entry_set_perm(entry, 0755);
    archive_entry_set_mtime(entry, mtime_, 0);
    const int status = archive_write_header(archive_, entry);
    archive_entry_free(entry);
    check(status, name);
}

void ArchivePacker::add_file(const std::string& name, const std::filesystem::path& source) {
    const auto size = std::filesystem::file_size(source);
    archive_entry* entry = archive_entry_new();
    archive_entry_copy_pathname(entry, name.c_str());
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0644);
    archive_entry_set_size(entry, static_cast<la_int64_t>(size));
    archive_entry_set_mtime(entry, mtime_, 0);
    const int status = archive_write_header(archive_, entry);
    archive_entry_free(entry);
    check(status, name);
    read_file_chunks(source, [&](std::span<const std::byte> chunk) {
        if (archive_write_data(archive_, chunk.data(), chunk.size()) !=
            static_cast<la_ssize_t>(chunk.size())) {
            check(ARCHIVE_FATAL, name);
        }
    });
}

void ArchivePacker::finish() {
    check(archive_write_close(archive_), "close");
}

}  // namespace sifkit::rootfs
