// The copy-and-verify step shared by stage_image() and the per-node stage cache.
#pragma once

#include <vector>

#include "object_digests.hpp"
#include "sifkit/sif/atomic_file.hpp"
#include "sifkit/sign/stage.hpp"

namespace sifkit::sign::detail {

struct CopyOutcome {
    VerifyReport report;
    // Every object digest the verification used, all computed over the copy's bytes.
    std::vector<KnownDigest> digests;
    std::uint64_t bytes = 0;  // bytes copied
};

// Checks and reserves room for the source next to `copy`'s destination, streams the source
// into `copy` while hashing its objects, then loads the copy and verifies it. Does not commit;
// callers commit (after flush_copy) when the report says verified.
CopyOutcome copy_and_verify(const StageSource& source, sif::AtomicFile& copy,
                            const VerifyOptions& options);

// Makes the copy's data durable before it is renamed into place, reporting a full disk as a
// no_space Error (AtomicFile::commit's own fsync then has nothing left to do).
void flush_copy(const sif::AtomicFile& copy);

}  // namespace sifkit::sign::detail
