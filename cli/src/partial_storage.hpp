// A SIF image of which only some byte ranges are known (the global header and the descriptor
// table of a SIF in a registry, fetched with ranged requests), for reading its header and
// descriptors with sif::Image without the whole file. Unknown bytes read as zeros; object data
// is never meant to be read from it.
#pragma once

#include <map>
#include <string>

#include "sifkit/sif/storage.hpp"

namespace sifkit::cli {

class PartialStorage final : public sif::Storage {
  public:
    PartialStorage(std::string name, std::uint64_t size) : name_(std::move(name)), size_(size) {}

    // The bytes at `offset`.
    void add(std::uint64_t offset, std::string bytes) { ranges_[offset] = std::move(bytes); }

    const std::string& name() const override { return name_; }
    std::uint64_t size() override { return size_; }
    std::size_t read_at(std::uint64_t offset, std::span<std::byte> data) override;
    void write_at(std::uint64_t offset, std::span<const std::byte> data) override;
    void truncate(std::uint64_t size) override;
    void sync() override {}

  private:
    std::string name_;
    std::uint64_t size_;
    std::map<std::uint64_t, std::string> ranges_;
};

}  // namespace sifkit::cli
