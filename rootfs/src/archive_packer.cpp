#include "archive_packer.hpp"

#include <archive.h>
#include <archive_entry.h>

#include "sifkit/sif/error.hpp"
#include "staging.hpp"

namespace sifkit::rootfs {

ArchivePacker::ArchivePacker(int fd, std::string target, std::int64_t mtime)
    : out_(fd, std::move(target), "the archive"), mtime_(mtime) {}

void ArchivePacker::add_directory(const std::string& name) {
    archive_entry* entry = archive_entry_new();
    archive_entry_copy_pathname(entry, name.c_str());
    archive_entry_set_filetype(entry, AE_IFDIR);
    archive_entry_set_perm(entry, 0755);
    archive_entry_set_mtime(entry, mtime_, 0);
    const int status = archive_write_header(out_.get(), entry);
    archive_entry_free(entry);
    out_.check(status, name);
}

void ArchivePacker::add_file(const std::string& name, const std::filesystem::path& source) {
    const auto size = std::filesystem::file_size(source);
    archive_entry* entry = archive_entry_new();
    archive_entry_copy_pathname(entry, name.c_str());
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0644);
    archive_entry_set_size(entry, static_cast<la_int64_t>(size));
    archive_entry_set_mtime(entry, mtime_, 0);
    const int status = archive_write_header(out_.get(), entry);
    archive_entry_free(entry);
    out_.check(status, name);
    read_file_chunks(source, [&](std::span<const std::byte> chunk) {
        const bool written = archive_write_data(out_.get(), chunk.data(), chunk.size()) ==
                             static_cast<la_ssize_t>(chunk.size());
        out_.check(written ? ARCHIVE_OK : ARCHIVE_FATAL, name);
    });
}

void ArchivePacker::finish() {
    out_.close();
}

}  // namespace sifkit::rootfs
