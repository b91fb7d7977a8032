// Getting the root file system back out: as a directory tree or as a tar stream.
//
// Directories are created from the top down with *at() calls relative to the parent's
// descriptor and O_NOFOLLOW, so no entry of the image (a symbolic link named like a later
// directory, a duplicate name) can make sifkit write outside the destination. The destination
// must not exist (or is replaced with `overwrite`); the tree is built in a temporary directory
// next to it and renamed into place when complete, and removed on failure. A tree of any depth
// costs a bounded number of descriptors; holes (sparse blocks, blocks of zeros) stay holes.
//
// As root, what the image says is created: owners, device nodes, setuid/setgid files, file
// capabilities and other xattrs. UnpackOptions leaves device nodes, setuid/setgid bits with
// file capabilities, or all xattrs out (docs/rootfs.md says what a root export of an untrusted
// image can do).
//
// Rootless: what the caller may not do (give files to other owners, create device nodes, set
// trusted./security. xattrs) is skipped and counted, not fatal; the report says how much was
// skipped so that the caller can tell the user once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "sifkit/rootfs/squashfs.hpp"

namespace sifkit::rootfs {

// Which entries to take (by path, "/a/b"); a directory that is not taken is skipped whole.
using PathFilter = std::function<bool(const FileInfo& info)>;

// The filter OCI exports use: the /.singularity.d tree and the links at the root that point into
// it (/singularity, /.exec, /.run, /.shell, /.test, /environment) are left out.
bool is_singularity_metadata(const FileInfo& info);

struct UnpackReport {
    std::uint64_t entries = 0;
    std::uint64_t files = 0;
    std::uint64_t bytes = 0;
    std::uint64_t owners_not_applied = 0;  // entries left with the caller's own uid/gid
    std::uint64_t devices_skipped = 0;     // device nodes the caller may not create
    std::uint64_t xattrs_skipped = 0;      // xattrs the caller or file system refused
    std::string first_owner_skipped;       // one example path for the message
    // Left out as asked (UnpackOptions).
    std::uint64_t devices_left_out = 0;       // character and block devices not created
    std::uint64_t setuid_cleared = 0;         // files whose setuid/setgid bits were cleared
    std::uint64_t capabilities_left_out = 0;  // security.capability xattrs not set
    std::uint64_t xattrs_left_out = 0;        // xattrs not set (no_xattrs)
    // With overwrite: what is left of the tree that was replaced, when it could not all be
    // removed (the new tree is in place all the same); empty otherwise.
    std::string replaced_tree_left;
};

struct UnpackOptions {
    PathFilter filter;       // empty: everything
    bool overwrite = false;  // replace an existing destination (otherwise refuse: conflict)
    bool devices = true;     // create character and block device nodes (fifos, sockets always)
    bool setuid = true;      // keep setuid/setgid bits of files and security.capability xattrs
    bool xattrs = true;      // set extended attributes
};

UnpackReport unpack_to_directory(const SquashfsImage& fs, const std::filesystem::path& destination,
                                 const UnpackOptions& options = {});

// Removes the temporary directory of every directory output (export, bundle, OCI layout) still
// being built. Async-signal-safe: for the CLI's SIGINT/SIGTERM/SIGHUP handler, next to
// sif::remove_pending_temporary_files(), so that an interrupted export leaves nothing behind.
void remove_pending_output_directories() noexcept;

struct TarReport {
    std::uint64_t entries = 0;
    std::uint64_t bytes = 0;  // file data written
};

// Writes the tree as a POSIX (pax) tar stream to `fd` (a pipe, a file): owners as numbers,
// xattrs as SCHILY.xattr records, hardlinks as links, times as stored; deterministic. `target`
// names fd in errors (a closed pipe is an io Error).
TarReport write_tar(const SquashfsImage& fs, int fd, const std::string& target,
                    const PathFilter& filter = {});

}  // namespace sifkit::rootfs
