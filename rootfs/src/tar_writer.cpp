// write_tar: libarchive's pax writer over a file descriptor (ArchiveOutput). Members are named
// "a/b" (relative, as tar2sqfs and OCI layers expect), the root as "./"; hardlinks after the first
// name of an inode are link members.
#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <map>
#include <memory>

#include "archive_output.hpp"
#include "sifkit/rootfs/unpack.hpp"
#include "sifkit/sif/error.hpp"
#include "tree_filter.hpp"

namespace sifkit::rootfs {
namespace {

mode_t kind_of(FileType type) {
    switch (type) {
        case FileType::directory:
            return AE_IFDIR;
        case FileType::symlink:
            return AE_IFLNK;
        case FileType::char_device:
            return AE_IFCHR;
        case FileType::block_device:
            return AE_IFBLK;
        case FileType::fifo:
            return AE_IFIFO;
        case FileType::socket:
            return AE_IFSOCK;
        case FileType::regular:
            break;
    }
    return AE_IFREG;
}

std::string member_name(const FileInfo& info) {
    return info.path == "/" ? std::string("./") : info.path.substr(1);
}

}  // namespace

TarReport write_tar(const SquashfsImage& fs, int fd, const std::string& target,
                    const PathFilter& filter) {
    ArchiveOutput out(fd, target, "the tar stream");
    archive* const tar = out.get();

    TarReport report;
    SubtreeFilter subtree(filter);
    std::map<std::uint64_t, std::string> first_names;
    const ArchiveEntryPtr entry = new_archive_entry();
    fs.walk("/", [&](const FileInfo& info) {
        if (!subtree.accept(info)) {
            return;
        }
        archive_entry_clear(entry.get());
        const std::string name = member_name(info);
        archive_entry_copy_pathname(entry.get(), name.c_str());
        archive_entry_set_uid(entry.get(), info.uid);
        archive_entry_set_gid(entry.get(), info.gid);
        archive_entry_set_mtime(entry.get(), info.mtime, 0);
        archive_entry_set_filetype(entry.get(), static_cast<unsigned>(kind_of(info.type)));
        archive_entry_set_perm(entry.get(), info.mode & 07777U);
        bool data = false;
        if (info.type == FileType::regular) {
            const auto first =
                info.nlink > 1 ? first_names.find(info.inode_key()) : first_names.end();
            if (first != first_names.end()) {
                archive_entry_copy_hardlink(entry.get(), first->second.c_str());
                archive_entry_set_size(entry.get(), 0);
            } else {
                if (info.nlink > 1) {
                    first_names.emplace(info.inode_key(), name);
                }
                archive_entry_set_size(entry.get(), static_cast<la_int64_t>(info.size));
                data = true;
            }
        } else if (info.type == FileType::symlink) {
            archive_entry_copy_symlink(entry.get(), info.link_target.c_str());
        } else if (info.type == FileType::char_device || info.type == FileType::block_device) {
            archive_entry_set_rdevmajor(entry.get(), info.dev_major);
            archive_entry_set_rdevminor(entry.get(), info.dev_minor);
        }
        for (const auto& [key, value] : fs.xattrs(info)) {
            archive_entry_xattr_add_entry(entry.get(), key.c_str(), value.data(), value.size());
        }
        out.check(archive_write_header(tar, entry.get()), info.path);
        ++report.entries;
        if (data) {
            fs.read(info, [&](std::span<const std::byte> chunk) {
                const la_ssize_t n = archive_write_data(tar, chunk.data(), chunk.size());
                out.check(n < 0 || static_cast<std::size_t>(n) != chunk.size() ? ARCHIVE_FATAL
                                                                               : ARCHIVE_OK,
                          info.path);
                report.bytes += chunk.size();
            });
        }
    });
    out.close();
    return report;
}

}  // namespace sifkit::rootfs
