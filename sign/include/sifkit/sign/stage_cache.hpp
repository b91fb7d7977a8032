// A per-node cache of staged, verified images, for batch jobs: the first job on a node copies
// the image from shared storage (verifying the copy in the same read, as stage_image does); the
// next ones find the copy and only verify it again, cheaply.
//
// Layout of the cache directory (one set of files per image):
//   KEY.sif   the verified copy, read-only (0444)
//   KEY.json  its record: the copy's identity (device, inode, size, mtime, ctime) and the object
//             digests computed over its bytes while it was copied
//   KEY.lock  the lock that serialises everything done with KEY (flock)
// KEY is the hex SHA-256 of the image's header, descriptor table and signature objects, read
// from the source with a few small reads. For an image that verifies with every group checked,
// those signatures pin the digest of every object, so one KEY names one content.
//
// Trust model: nothing in the cache is believed without being checked again, and no source
// file is called verified unless it was read in full and verified.
// - The entry: a hit needs a copy that is owned by this user and not writable by others, whose
//   identity still matches its record (any write or chmod changes ctime, which cannot be set
//   back), and whose own header, table and signatures hash to KEY; then its signatures are
//   verified again against the current trusted keys and policy, with the object digests of the
//   record (or re-hashed from the copy with `rehash`). An entry that fails a check is discarded
//   and the image copied again.
// - The source: the record lists the source files (device, inode, size, mtime, ctime) that
//   were verified to hold this content. A source not among them (another path, or the same
//   file changed since) is verified in place, by one full read without a copy: a tampered file
//   that claims the cached image's signatures is refused even though a good copy is cached.
// - The directory must be owned by this user and writable by no one else, and its parents must
//   not be writable by others unless sticky: whoever could write there could forge record and
//   copy together. It is opened one component at a time without following links others made,
//   and what was opened is checked (see open_private_directory in cache_dir.hpp).
// - An image its header, table and signatures already refuse is refused before the cache is
//   touched (no lock file, no copy): see stage.hpp.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "sifkit/sif/atomic_file.hpp"
#include "sifkit/sif/image.hpp"
#include "sifkit/sign/stage.hpp"

namespace sifkit::sign {

struct CacheStageOptions {
    // On a hit, hash the cached copy's objects again (a full read of the local copy) instead of
    // using the digests recorded when it was staged.
    bool rehash = false;
    // Called once, before blocking, when another process holds the entry's lock (it is staging
    // the same image); it then waits and reuses that copy.
    std::function<void()> on_wait;
    // As for stage_image: larger images are refused (no_space) before anything else, hits
    // included.
    StageLimits limits;
};

struct CacheStageResult {
    VerifyReport report;
    bool verified = false;        // `entry` holds a copy verified under these options
    std::filesystem::path entry;  // the cached copy (where it would be when not verified)
    std::string key;
    bool copied = false;  // this call copied the image; false: it reused an existing entry
    std::uint64_t bytes_copied = 0;
    bool waited = false;  // another process was staging the same image; this one waited
    // The cache held the content, but not from this source file as it is now: the source was
    // read in full and verified in place (nothing copied). When it did not verify, `report`
    // says why and `verified` is false.
    bool source_verified = false;
    // An entry was found and discarded before copying again, and why ("" when none was).
    std::string discarded;
    // As in StageResult: the header, table and signatures refused the image; nothing was
    // locked, reserved or copied, and the cache was not looked at.
    bool refused_before_copy = false;
};

class StageCache {
  public:
    enum class Parents { must_exist, create };

    // Uses `dir`, creating it (mode 0700) when it does not exist; its parent must exist, or is
    // created (0700) with Parents::create. Throws a usage Error naming the directory when it,
    // or a parent, is not safe (see above).
    explicit StageCache(const std::filesystem::path& dir, Parents parents = Parents::must_exist);

    // $XDG_CACHE_HOME/sifkit/stage when XDG_CACHE_HOME is an absolute path, else
    // ~/.cache/sifkit/stage ($HOME, or the user's home directory in the password database).
    // Never a shared directory such as /tmp, where another user could create the name first.
    // Throws a usage Error when there is no home directory.
    static std::filesystem::path default_dir();

    const std::filesystem::path& dir() const noexcept { return dir_; }

    // Stages `source` into the cache, or reuses the entry already there. Safe when many
    // processes stage the same image at once: one copies, the others wait for it and reuse the
    // copy. The options must verify the whole image (no groups, objects or legacy mode: a usage
    // Error otherwise). Throws like stage_image; a source whose header, table or signatures
    // change while it is copied is an io Error (nothing is cached).
    CacheStageResult stage(const StageSource& source, const VerifyOptions& options,
                           const CacheStageOptions& cache_options = {}) const;

    // The cache key of an image (see above), from its header, table and signature objects.
    static std::string key_of(const sif::Image& image);

  private:
    std::filesystem::path dir_;
};

// Makes `link` a symbolic link to `target`, atomically (a temporary link renamed into place).
// With Overwrite::refuse an existing `link` is a conflict Error.
void link_staged_copy(const std::filesystem::path& target, const std::filesystem::path& link,
                      sif::AtomicFile::Overwrite overwrite);

}  // namespace sifkit::sign
