// Owning pointers for what libsquashfs creates: its objects (compressors, writers, tables),
// destroyed with sqfs_destroy, so that a writer that fails half-way through its set-up frees what
// it had made.
#pragma once

#include <sqfs/predef.h>

#include <cstdlib>
#include <deque>
#include <memory>

namespace sifkit::oci2sif {

struct DestroySqfsObject {
    void operator()(void* object) const noexcept { sqfs_destroy(object); }
};

template <class T>
using SqfsPtr = std::unique_ptr<T, DestroySqfsObject>;

// Slots the block processor fills with the inodes it allocates (malloc): a deque keeps their
// addresses stable while the processor holds a pointer to each; what is left is freed here.
template <class Inode>
class InodeSlots {
  public:
    InodeSlots() = default;
    ~InodeSlots() {
        for (Inode* inode : slots_) {
            std::free(inode);
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

}  // namespace sifkit::oci2sif
