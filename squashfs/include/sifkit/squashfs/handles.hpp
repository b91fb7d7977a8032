// Owning pointers for what libsquashfs creates, for the modules that write squashfs (oci2sif)
// and read it (rootfs): its objects (compressors, readers, writers, tables), destroyed with
// sqfs_destroy, and the memory it allocates (inodes, directory entries, xattrs), released with
// sqfs_free. A reader or writer that fails half-way through its set-up frees what it had made.
#pragma once

#include <sqfs/predef.h>

#include <deque>
#include <memory>

namespace sifkit::squashfs {

struct DestroyObject {
    void operator()(void* object) const noexcept {
        if (object != nullptr) {
            sqfs_destroy(object);
        }
    }
};

template <class T>
using SqfsPtr = std::unique_ptr<T, DestroyObject>;

struct FreeMemory {
    void operator()(void* memory) const noexcept { sqfs_free(memory); }
};

// Memory from libsquashfs (or made to be handed to it, with calloc).
template <class T>
using MemoryPtr = std::unique_ptr<T, FreeMemory>;

// Slots the block processor fills with the inodes it allocates: a deque keeps their addresses
// stable while the processor holds a pointer to each; what is left is released here.
template <class Inode>
class InodeSlots {
  public:
    InodeSlots() = default;
    ~InodeSlots() {
        for (Inode* inode : slots_) {
            sqfs_free(inode);
        }
    }
    InodeSlots(const InodeSlots&) = delete;
    InodeSlots& operator=(const InodeSlots&) = delete;

    Inode*& add() { return slots_.emplace_back(nullptr); }
    Inode*& last() { return slots_.back(); }
    Inode*& at(std::size_t index) { return slots_.at(index); }
    std::size_t size() const noexcept { return slots_.size(); }

  private:
    std::deque<Inode*> slots_;
};

}  // namespace sifkit::squashfs
