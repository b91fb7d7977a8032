// A libarchive pax writer (no record padding) over a file descriptor, through our own write
// callback. libarchive 3.6 frees the state of its own fd writer only in archive_write_close, which
// it skips once a write has failed and the archive is FATAL: every tar export to a closed pipe
// leaked it (LeakSanitizer). Here a failed write is remembered and reported by check(), while
// libarchive is told it succeeded, so the archive can still be closed and is freed completely.
#pragma once

#include "archive_handles.hpp"

#include <cstddef>
#include <string>

namespace sifkit::rootfs {

class ArchiveOutput {
  public:
    // `target` names the output in errors; `what` is what is written ("the tar stream").
    ArchiveOutput(int fd, std::string target, std::string what);
    ArchiveOutput(const ArchiveOutput&) = delete;
    ArchiveOutput& operator=(const ArchiveOutput&) = delete;

    archive* get() const noexcept { return archive_.get(); }
    // Throws an io Error naming `item` when `status` is an error or a write has failed.
    void check(int status, const std::string& item) const;
    // Writes the end of the archive; throws as check() does.
    void close();

  private:
    static la_ssize_t write(archive* a, void* self, const void* buffer, std::size_t size);

    ArchiveWritePtr archive_;
    int fd_;
    int error_ = 0;  // errno of the first failed write
    std::string target_;
    std::string what_;
};

}  // namespace sifkit::rootfs
