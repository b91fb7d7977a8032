// Finding a directory's child by name, for every directory of a tree at once: one open-addressing
// hash table of node pointers keyed by (parent, name), instead of a map in every directory.
// A million-entry image would otherwise pay a map header per node and a map node per child
// (about 110 bytes an entry); this costs 8 bytes a slot, 11 to 21 bytes an entry.
//
// Linear probing with backward-shift deletion: no tombstones, so a long run of removals and
// insertions (a layer that deletes and re-creates a big directory) never degrades lookups.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace sifkit::oci2sif {

struct Node;

class ChildIndex {
  public:
    // The child of `parent` called `name`, or nullptr.
    Node* find(const Node* parent, std::string_view name) const noexcept;
    // Adds a node whose parent and name are set and that the index does not hold yet.
    void insert(Node* node);
    // Removes a node the index holds (nothing happens when it does not).
    void erase(const Node* node) noexcept;
    std::size_t size() const noexcept { return size_; }

  private:
    static std::size_t hash_of(const Node* parent, std::string_view name) noexcept;
    std::size_t home_of(const Node* node) const noexcept;
    void grow();

    std::vector<Node*> slots_;  // a power of two in size, or empty
    std::size_t size_ = 0;
};

}  // namespace sifkit::oci2sif
