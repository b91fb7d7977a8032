#include "memory_entries.hpp"

#include <algorithm>
#include <cstring>

namespace sifkit::oci2sif {

bool MemoryEntries::next(Entry& entry) {
    if (next_ >= entries_.size()) {
        return false;
    }
    entry = entries_[next_++].first;
    offset_ = 0;
    return true;
}

std::size_t MemoryEntries::read_data(std::span<std::byte> data) {
    if (next_ == 0) {
        return 0;
    }
    const std::string& content = entries_[next_ - 1].second;
    const std::size_t n = std::min(data.size(), content.size() - offset_);
    std::memcpy(data.data(), content.data() + offset_, n);
    offset_ += n;
    return n;
}

}  // namespace sifkit::oci2sif
