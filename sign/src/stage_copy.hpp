// The steps shared by stage_image() and the per-node stage cache: the checks made before a
// byte is reserved or copied, and the copy-and-verify itself.
#pragma once

#include <optional>
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

// A no_space Error naming the source when it is larger than `limits` allow.
void check_max_size(const StageSource& source, const StageLimits& limits);

// The source as an image from which only the header, the descriptor table and the signature
// objects can be read: reading object data through it stops refusal_before_copy without a
// verdict. Throws like sif::Image::open for a source that is not a valid SIF image.
sif::Image open_metadata_only(const StageSource& source);

// The verdict of the header, table and signatures of `image` (from open_metadata_only), when it
// refuses the image whatever its object data: every object's digest is taken to be the one
// its signatures claim, and the verification then run must still fail (not signed, untrusted,
// a required key missing, a malformed or forged signature, two signatures claiming different
// data). nullopt when the image may verify (then only a full read can tell), when it cannot be
// told without reading object data (legacy signatures), or for legacy verification.
std::optional<VerifyReport> refusal_before_copy(const sif::Image& image,
                                                const VerifyOptions& options);

// Claims `copy` as a stage's temporary (see claim_temporary), reserves room for the source next
// to its destination, streams the source into it (up to the size it had when it was opened)
// while hashing its objects, then loads the copy and verifies it. Does not commit; callers
// commit (after flush_copy) when the report says verified.
CopyOutcome copy_and_verify(const StageSource& source, sif::AtomicFile& copy,
                            const VerifyOptions& options);

// Makes the copy's data durable before it is renamed into place, reporting a full disk as a
// no_space Error (AtomicFile::commit's own fsync then has nothing left to do).
void flush_copy(const sif::AtomicFile& copy);

}  // namespace sifkit::sign::detail
