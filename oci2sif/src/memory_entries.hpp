// An entry stream over entries held in memory: the files sifkit generates itself (the
// /.singularity.d runtime metadata) go through the same merge as layer entries.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "entry.hpp"

namespace sifkit::oci2sif {

class MemoryEntries final : public EntryStream {
  public:
    // Each entry with its data (regular files); the order is kept.
    explicit MemoryEntries(std::vector<std::pair<Entry, std::string>> entries)
        : entries_(std::move(entries)) {}

    bool next(Entry& entry) override;
    std::size_t read_data(std::span<std::byte> data) override;

  private:
    std::vector<std::pair<Entry, std::string>> entries_;
    std::size_t next_ = 0;
    std::size_t offset_ = 0;
};

}  // namespace sifkit::oci2sif
