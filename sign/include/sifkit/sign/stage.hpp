// Staging: copy an image to a destination and verify it in the same single read, so that what
// is verified is exactly what is written (no window between checking and using). The copy goes
// to a temporary file next to the destination (sif::AtomicFile) and is renamed into place only
// when verification passes; otherwise it is removed and the destination is left untouched.
#pragma once

#include <filesystem>

#include "sifkit/sif/atomic_file.hpp"
#include "sifkit/sign/verify.hpp"

namespace sifkit::sign {

struct StageResult {
    VerifyReport report;
    bool written = false;  // the destination now holds the verified copy
};

// Streams `source` once, in large sequential reads, into the temporary copy while hashing every
// object's bytes as they pass; then loads the copy (header, descriptors and signatures are read
// back from the copy, not from the source), verifies it with the hashed digests, and commits it
// when the report says verified. Memory is bounded (one copy buffer plus small per-object
// state), whatever the image size. Throws sifkit Errors for I/O failures and images that do not
// load; signature problems are reported in the result.
StageResult stage_image(const std::filesystem::path& source,
                        const std::filesystem::path& destination, const VerifyOptions& options,
                        sif::AtomicFile::Overwrite overwrite = sif::AtomicFile::Overwrite::refuse);

}  // namespace sifkit::sign
