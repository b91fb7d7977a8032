#include "archive_packer.hpp"

#include "sifkit/sif/error.hpp"
#include "staging.hpp"

namespace sifkit::rootfs {

ArchivePacker::ArchivePacker(int fd, std::string target, std::int64_t mtime)
    : out_(fd, std::move(target), "the archive"), mtime_(mtime) {}

void ArchivePacker::add_directory(const std::string& name) {
    const ArchiveEntryPtr owned = new_archive_entry();
    archive_entry* entry = owned.get();
    archive_entry_copy_pathname(entry, name.c_str());
    archive_entry_set_filetype(entry, AE_IFDIR);
    archive_entry_set_perm(entry, 0755);
    archive_entry_set_mtime(entry, mtime_, 0);
    out_.check(archive_write_header(out_.get(), entry), name);
}

void ArchivePacker::add_file(const std::string& name, const std::filesystem::path& source) {
    const auto size = std::filesystem::file_size(source);
    const ArchiveEntryPtr owned = new_archive_entry();
    archive_entry* entry = owned.get();
    archive_entry_copy_pathname(entry, name.c_str());
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0644);
    archive_entry_set_size(entry, static_cast<la_int64_t>(size));
    archive_entry_set_mtime(entry, mtime_, 0);
    out_.check(archive_write_header(out_.get(), entry), name);
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
