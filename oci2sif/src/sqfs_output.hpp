// libsquashfs writes through a sqfs_file_t; this one writes into a SIF object being added
// (sif::ObjectWriter), so the squashfs goes straight into the image, with no temporary file.
#pragma once

#include <sqfs/io.h>

#include <exception>
#include <functional>
#include <mutex>

#include "sifkit/sif/image.hpp"

namespace sifkit::oci2sif {

class SqfsOutput {
  public:
    explicit SqfsOutput(sif::ObjectWriter& writer);
    SqfsOutput(const SqfsOutput&) = delete;
    SqfsOutput& operator=(const SqfsOutput&) = delete;

    sqfs_file_t* file() noexcept { return &file_.base; }
    // Rethrows the error behind the last failed callback, if there was one; otherwise throws
    // `fallback`. libsquashfs only passes an error code up, the sifkit::Error says what failed.
    [[noreturn]] void fail(const std::string& fallback);
    // From here on writes are dropped and reads return zeros. A conversion that failed still
    // has to drain libsquashfs's block queue (its destroy frees only part of what is queued);
    // nothing of it belongs in the output, which is being thrown away.
    void discard() noexcept { discarding_ = true; }

  private:
    struct File {
        sqfs_file_t base;
        SqfsOutput* owner;
    };
    static int read_at(sqfs_file_t* file, sqfs_u64 offset, void* buffer, size_t size);
    static int write_at(sqfs_file_t* file, sqfs_u64 offset, const void* buffer, size_t size);
    static sqfs_u64 get_size(const sqfs_file_t* file);
    static int truncate(sqfs_file_t* file, sqfs_u64 size);
    static void destroy(sqfs_object_t*) {}  // owned by SqfsOutput, never by libsquashfs
    static SqfsOutput& owner(const sqfs_file_t* file);
    int guard(const std::function<void()>& action) noexcept;

    File file_{};
    sif::ObjectWriter* writer_;
    std::mutex mutex_;  // libsquashfs may call from its worker threads
    std::exception_ptr error_;
    bool discarding_ = false;
};

}  // namespace sifkit::oci2sif
