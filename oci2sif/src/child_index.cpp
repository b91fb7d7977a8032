#include "child_index.hpp"

#include <cstdint>
#include <functional>
#include <utility>

#include "fs_tree.hpp"

namespace sifkit::oci2sif {

std::size_t ChildIndex::hash_of(const Node* parent, std::string_view name) noexcept {
    // The parent's address mixed in with a multiplicative step: siblings with one name in many
    // directories ("bin", "lib") must not share a home.
    const auto address = reinterpret_cast<std::uintptr_t>(parent);
    const std::size_t mixed = std::hash<std::string_view>{}(name) ^
                              static_cast<std::size_t>(address * 0x9E3779B97F4A7C15ULL);
    return mixed ^ (mixed >> 29);
}

std::size_t ChildIndex::home_of(const Node* node) const noexcept {
    return hash_of(node->parent, node->name()) & (slots_.size() - 1);
}

Node* ChildIndex::find(const Node* parent, std::string_view name) const noexcept {
    if (slots_.empty()) {
        return nullptr;
    }
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash_of(parent, name) & mask;; i = (i + 1) & mask) {
        Node* node = slots_[i];
        if (node == nullptr) {
            return nullptr;
        }
        if (node->parent == parent && node->name() == name) {
            return node;
        }
    }
}

void ChildIndex::insert(Node* node) {
    // At most three quarters full: probes stay short, and a table just grown is 3/8 full.
    if ((size_ + 1) * 4 > slots_.size() * 3) {
        grow();
    }
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = home_of(node);
    while (slots_[i] != nullptr) {
        i = (i + 1) & mask;
    }
    slots_[i] = node;
    ++size_;
}

void ChildIndex::erase(const Node* node) noexcept {
    if (slots_.empty()) {
        return;
    }
    const std::size_t mask = slots_.size() - 1;
    std::size_t hole = home_of(node);
    while (slots_[hole] != node) {
        if (slots_[hole] == nullptr) {
            return;
        }
        hole = (hole + 1) & mask;
    }
    // Backward shift: each later node of the run moves into the hole unless its home lies
    // cyclically after the hole (then it is already as near its home as it can be).
    for (std::size_t next = (hole + 1) & mask; slots_[next] != nullptr; next = (next + 1) & mask) {
        const std::size_t home = home_of(slots_[next]);
        const bool home_after_hole =
            hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
        if (!home_after_hole) {
            slots_[hole] = slots_[next];
            hole = next;
        }
    }
    slots_[hole] = nullptr;
    --size_;
}

void ChildIndex::grow() {
    std::vector<Node*> old(slots_.empty() ? 64 : slots_.size() * 2, nullptr);
    old.swap(slots_);
    const std::size_t mask = slots_.size() - 1;
    for (Node* node : old) {
        if (node == nullptr) {
            continue;
        }
        std::size_t i = home_of(node);
        while (slots_[i] != nullptr) {
            i = (i + 1) & mask;
        }
        slots_[i] = node;
    }
}

}  // namespace sifkit::oci2sif
