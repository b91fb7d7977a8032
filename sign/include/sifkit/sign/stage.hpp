// Staging: copy an image to a destination and verify it in the same single read, so that what
// is verified is exactly what is written (no window between checking and using). The copy goes
// to a temporary file next to the destination (sif::AtomicFile) and is renamed into place only
// when verification passes; otherwise it is removed and the destination is left untouched.
// Before a byte is copied, the destination's file system must have room for the whole image
// (checked, then reserved); too little space is an ErrorKind::no_space Error, as is running out
// of space during the copy.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "sifkit/sif/atomic_file.hpp"
#include "sifkit/sign/verify.hpp"

namespace sifkit::sign {

// The image to stage: an open regular file, read with pread (the descriptor's offset is never
// used, so a descriptor shared with another process is fine).
class StageSource {
  public:
    // Opens `path` read-only. Throws an io Error when it cannot be opened, a usage Error when it
    // is not a regular file.
    static StageSource open(const std::filesystem::path& path);
    // Takes ownership of an open descriptor, e.g. one a privileged helper inherited from a
    // process that opened the file with the permissions of the user who asked for it. `name`
    // names the image in messages and reports. Same checks as open().
    static StageSource adopt(int fd, std::string name);

    StageSource(StageSource&& other) noexcept;
    StageSource& operator=(StageSource&&) = delete;
    StageSource(const StageSource&) = delete;
    ~StageSource();

    int fd() const noexcept { return fd_; }
    const std::string& name() const noexcept { return name_; }
    std::uint64_t size() const noexcept { return size_; }
    mode_t mode() const noexcept { return mode_; }  // permission bits

  private:
    StageSource(int fd, std::string name);
    int fd_;
    std::string name_;
    std::uint64_t size_ = 0;
    mode_t mode_ = 0;
};

struct StageResult {
    VerifyReport report;
    bool written = false;  // the destination now holds the verified copy
};

// Streams `source` once, in large sequential reads, into the temporary copy while hashing every
// object's bytes as they pass; then loads the copy (header, descriptors and signatures are read
// back from the copy, not from the source), verifies it with the hashed digests, and commits it
// when the report says verified. Memory is bounded (one copy buffer plus small per-object
// state), whatever the image size. Throws sifkit Errors for I/O failures, too little space
// (no_space) and images that do not load; signature problems are reported in the result.
StageResult stage_image(const StageSource& source, const std::filesystem::path& destination,
                        const VerifyOptions& options,
                        sif::AtomicFile::Overwrite overwrite = sif::AtomicFile::Overwrite::refuse);
StageResult stage_image(const std::filesystem::path& source,
                        const std::filesystem::path& destination, const VerifyOptions& options,
                        sif::AtomicFile::Overwrite overwrite = sif::AtomicFile::Overwrite::refuse);

}  // namespace sifkit::sign
