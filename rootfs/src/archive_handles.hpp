// Owning pointers for libarchive's writer objects, the one idiom rootfs uses for them (as
// squashfs/handles.hpp is for libsquashfs): whatever path leaves a scope frees them.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <memory>
#include <new>

namespace sifkit::rootfs {

struct ArchiveWriteFree {
    void operator()(archive* a) const noexcept { archive_write_free(a); }
};
struct ArchiveEntryFree {
    void operator()(archive_entry* e) const noexcept { archive_entry_free(e); }
};

using ArchiveWritePtr = std::unique_ptr<archive, ArchiveWriteFree>;
using ArchiveEntryPtr = std::unique_ptr<archive_entry, ArchiveEntryFree>;

// A new, empty entry; std::bad_alloc when libarchive cannot allocate one.
inline ArchiveEntryPtr new_archive_entry() {
    ArchiveEntryPtr entry(archive_entry_new());
    if (!entry) {
        throw std::bad_alloc();
    }
    return entry;
}

}  // namespace sifkit::rootfs
