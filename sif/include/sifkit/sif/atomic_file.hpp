// Output files that appear whole or not at all. Data goes to a temporary file in the
// destination's directory, which commit() renames over the destination; anything that ends
// before commit() (an error, an exception, a signal handled by the CLI) removes it.
#pragma once

#include <sys/types.h>
#include <filesystem>
#include <memory>
#include <string>

#include "sifkit/sif/storage.hpp"

namespace sifkit::sif {

// The path of an output that is replaced by a rename (AtomicFile, and directory trees built
// next to their destination): `destination` without its trailing slashes, so that "rootfs/"
// names "rootfs". Refuses, with a usage Error naming `destination`, what no rename can replace:
// the empty path, "/", and a path whose last component is "." or ".." (the directory the
// output would be built in, or its parent; replacing it with --force would first remove it,
// and with it the caller's own files). Only the spelling is looked at: nothing is touched.
std::filesystem::path atomic_output_path(const std::filesystem::path& destination);

class AtomicFile {
  public:
    enum class Overwrite { refuse, replace };

    // Creates the temporary file. With Overwrite::refuse an existing destination is an error
    // now and again at commit (the check is repeated atomically there). The destination must
    // pass atomic_output_path() and name a file: a trailing slash is refused (usage).
    AtomicFile(std::filesystem::path destination, Overwrite overwrite, mode_t mode = 0644);
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    const std::filesystem::path& destination() const noexcept { return destination_; }
    const std::filesystem::path& temporary_path() const noexcept { return temporary_; }
    // Storage over the temporary file (an independent descriptor of it).
    std::unique_ptr<FileStorage> storage() const;
    int fd() const noexcept { return fd_; }

    // Flushes the data, applies the mode and renames the file into place.
    void commit();

  private:
    void discard() noexcept;

    std::filesystem::path destination_;
    std::filesystem::path temporary_;
    Overwrite overwrite_;
    mode_t mode_;
    int fd_ = -1;
    int registry_slot_ = -1;
    bool committed_ = false;
};

// Unlinks every temporary file of a live AtomicFile. Async-signal-safe: meant for the CLI's
// SIGINT/SIGTERM handler so that an interrupted command leaves nothing behind.
void remove_pending_temporary_files() noexcept;

}  // namespace sifkit::sif
