// Staging: copy an image to a destination and verify it in the same single read, so that what
// is verified is exactly what is written (no window between checking and using). The copy goes
// to a temporary file next to the destination (sif::AtomicFile) and is renamed into place only
// when verification passes; otherwise it is removed and the destination is left untouched.
//
// Before a byte is reserved or copied, in this order: an image larger than the caller's maximum
// is refused, the destination's file system must have room for the whole image (both
// ErrorKind::no_space Errors, as is running out of space during the copy), and the image's
// header, descriptor table and signatures must not already refuse it (no signature, none by a
// trusted key, a required key missing, a malformed signature: see refused_before_copy). Only
// then is the room reserved and the image copied. An image is always read up to the size it had
// when it was opened, never further: a file that keeps growing cannot fill the disk.
//
// A stage that is killed leaves its temporary file behind; every stage into a directory first
// removes the temporaries there of stages that are no longer running (each running stage holds
// a lock on its own).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "sifkit/sif/atomic_file.hpp"
#include "sifkit/sif/unique_fd.hpp"
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

    StageSource(StageSource&& other) noexcept = default;
    StageSource& operator=(StageSource&&) = delete;
    StageSource(const StageSource&) = delete;

    int fd() const noexcept { return fd_.get(); }
    const std::string& name() const noexcept { return name_; }
    std::uint64_t size() const noexcept { return size_; }
    mode_t mode() const noexcept { return mode_; }  // permission bits

  private:
    StageSource(sif::UniqueFd fd, std::string name);
    sif::UniqueFd fd_;
    std::string name_;
    std::uint64_t size_ = 0;
    mode_t mode_ = 0;
};

struct StageLimits {
    // The largest image (its file size) the caller accepts; 0 = no limit. Larger images are a
    // no_space Error before anything else is done.
    std::uint64_t max_size = 0;
};

struct StageResult {
    VerifyReport report;
    bool written = false;  // the destination now holds the verified copy
    // The header, descriptor table and signatures refused the image, so nothing was reserved
    // or copied; `report` is their verdict with the object digests taken to be those the
    // signatures claim (the object data was not read: an image refused as untrusted may also
    // have been changed after it was signed).
    bool refused_before_copy = false;
};

// After the checks above, streams `source` once, in large sequential reads, into the temporary
// copy while hashing every object's bytes as they pass; then loads the copy (header,
// descriptors and signatures are read back from the copy, not from the source), verifies it
// with the hashed digests, and commits it when the report says verified. Memory is bounded (one
// copy buffer plus small per-object state), whatever the image size. Throws sifkit Errors for
// I/O failures, too large images or too little space (no_space) and images that do not load;
// signature problems are reported in the result.
StageResult stage_image(const StageSource& source, const std::filesystem::path& destination,
                        const VerifyOptions& options,
                        sif::AtomicFile::Overwrite overwrite = sif::AtomicFile::Overwrite::refuse,
                        const StageLimits& limits = {});
StageResult stage_image(const std::filesystem::path& source,
                        const std::filesystem::path& destination, const VerifyOptions& options,
                        sif::AtomicFile::Overwrite overwrite = sif::AtomicFile::Overwrite::refuse,
                        const StageLimits& limits = {});

}  // namespace sifkit::sign
