// The images this process holds the update lock (flock) on. flock locks belong to open file
// descriptions, so a second read-write open of the same file in one process would wait on its
// own first lock forever; this registry turns that into an immediate conflict Error.
#pragma once

#include <sys/types.h>

#include <string>

namespace sifkit::sif::detail {

// Claims (device, inode) for an update by this process; throws a conflict Error naming `name`
// when the process holds it already.
void claim_update(dev_t device, ino_t inode, const std::string& name);
// Gives the claim back (when the storage holding the lock is closed, or its lock failed).
void release_update(dev_t device, ino_t inode) noexcept;

}  // namespace sifkit::sif::detail
