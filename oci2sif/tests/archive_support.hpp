// Building tar streams in memory for the tests, with libarchive's writer (an implementation
// independent of the tar index under test), and compressing them with libdeflate and zstd.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <libdeflate.h>
#include <zstd.h>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace archive_test {

struct TarItem {
    std::string path;
    std::string data;
    unsigned type = AE_IFREG;
    unsigned mode = 0644;
    std::string link;      // symlink target
    std::string hardlink;  // hardlink target
    long uid = 0;
    long gid = 0;
    std::vector<std::pair<std::string, std::string>> xattrs;
    unsigned dev_major = 0;
    unsigned dev_minor = 0;
};

inline TarItem reg(std::string path, std::string data, unsigned mode = 0644) {
    TarItem item;
    item.path = std::move(path);
    item.data = std::move(data);
    item.mode = mode;
    return item;
}
inline TarItem dir(std::string path, unsigned mode = 0755) {
    TarItem item = reg(std::move(path), "", mode);
    item.type = AE_IFDIR;
    return item;
}
inline TarItem sym(std::string path, std::string target) {
    TarItem item = reg(std::move(path), "", 0777);
    item.type = AE_IFLNK;
    item.link = std::move(target);
    return item;
}
inline TarItem hard(std::string path, std::string target) {
    TarItem item = reg(std::move(path), "");
    item.hardlink = std::move(target);
    return item;
}
inline TarItem node(std::string path, unsigned type, unsigned mode, unsigned major = 0,
                    unsigned minor = 0) {
    TarItem item = reg(std::move(path), "", mode);
    item.type = type;
    item.dev_major = major;
    item.dev_minor = minor;
    return item;
}

// format: ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FORMAT_TAR_GNUTAR, ARCHIVE_FORMAT_TAR_USTAR
inline std::string make_tar(const std::vector<TarItem>& items,
                            int format = ARCHIVE_FORMAT_TAR_PAX_RESTRICTED) {
    archive* a = archive_write_new();
    archive_write_set_format(a, format);
    if (format == ARCHIVE_FORMAT_TAR_PAX_RESTRICTED) {
        archive_write_set_options(a, "hdrcharset=BINARY");  // raw name bytes, as layers have them
    }
    archive_write_set_bytes_per_block(a, 10240);
    std::vector<char> buffer(16 << 20);
    std::size_t used = 0;
    if (archive_write_open_memory(a, buffer.data(), buffer.size(), &used) != ARCHIVE_OK) {
        throw std::runtime_error("archive_write_open_memory");
    }
    for (const auto& item : items) {
        archive_entry* e = archive_entry_new();
        archive_entry_set_pathname(e, item.path.c_str());
        archive_entry_set_filetype(e, item.type);
        archive_entry_set_perm(e, item.mode);
        archive_entry_set_uid(e, item.uid);
        archive_entry_set_gid(e, item.gid);
        archive_entry_set_mtime(e, 1700000000, 0);
        if (!item.link.empty()) {
            archive_entry_set_symlink(e, item.link.c_str());
        }
        if (!item.hardlink.empty()) {
            archive_entry_set_hardlink(e, item.hardlink.c_str());
        }
        if (item.type == AE_IFCHR || item.type == AE_IFBLK) {
            archive_entry_set_rdevmajor(e, item.dev_major);
            archive_entry_set_rdevminor(e, item.dev_minor);
        }
        for (const auto& [k, v] : item.xattrs) {
            archive_entry_xattr_add_entry(e, k.c_str(), v.data(), v.size());
        }
        const bool has_data = item.type == AE_IFREG && item.hardlink.empty();
        archive_entry_set_size(e, has_data ? static_cast<la_int64_t>(item.data.size()) : 0);
        if (archive_write_header(a, e) != ARCHIVE_OK) {
            throw std::runtime_error(archive_error_string(a));
        }
        if (has_data && !item.data.empty()) {
            archive_write_data(a, item.data.data(), item.data.size());
        }
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    return std::string(buffer.data(), used);
}

inline std::string gzip(const std::string& data, int level = 6) {
    libdeflate_compressor* c = libdeflate_alloc_compressor(level);
    std::string out(libdeflate_gzip_compress_bound(c, data.size()), '\0');
    out.resize(libdeflate_gzip_compress(c, data.data(), data.size(), out.data(), out.size()));
    libdeflate_free_compressor(c);
    return out;
}

inline std::string zstd(const std::string& data, int level = 3) {
    std::string out(ZSTD_compressBound(data.size()), '\0');
    out.resize(ZSTD_compress(out.data(), out.size(), data.data(), data.size(), level));
    return out;
}

}  // namespace archive_test
