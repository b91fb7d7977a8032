// Byte sources the converter reads from: ranges of files (blobs inside archives, layer files),
// and a tee that hashes what passes through. All stream with bounded memory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>

#include "sha256.hpp"
#include "sifkit/sif/source.hpp"
#include "sifkit/sif/unique_fd.hpp"

namespace sifkit::oci2sif {

// An open read-only file shared by every range read from it (an archive holds many blobs).
class SharedFile {
  public:
    static std::shared_ptr<SharedFile> open(const std::filesystem::path& path);

    int fd() const noexcept { return fd_.get(); }
    std::uint64_t size() const noexcept { return size_; }
    const std::string& name() const noexcept { return name_; }
    // Reads up to data.size() bytes at offset; fewer only at the end of the file.
    std::size_t read_at(std::uint64_t offset, std::span<std::byte> data) const;

  private:
    SharedFile(sif::UniqueFd fd, std::uint64_t size, std::string name)
        : fd_(std::move(fd)), size_(size), name_(std::move(name)) {}
    sif::UniqueFd fd_;
    std::uint64_t size_;
    std::string name_;
};

// Bytes [begin, begin + length) of a shared file. A range that ends before `length` bytes (the
// file shrank, or an archive lies about a member's size) is an error, not a short stream.
class RangeSource final : public sif::ByteSource {
  public:
    RangeSource(std::shared_ptr<const SharedFile> file, std::uint64_t begin, std::uint64_t length,
                std::string name);
    std::size_t read(std::span<std::byte> data) override;
    const std::string& name() const override { return name_; }
    std::uint64_t length() const noexcept { return length_; }

  private:
    std::shared_ptr<const SharedFile> file_;
    std::uint64_t begin_;
    std::uint64_t length_;
    std::uint64_t position_ = 0;
    std::string name_;
};

// Passes an inner source through unchanged while hashing it and counting its bytes.
class HashingSource final : public sif::ByteSource {
  public:
    explicit HashingSource(sif::ByteSource& inner) : inner_(&inner) {}
    std::size_t read(std::span<std::byte> data) override;
    const std::string& name() const override { return inner_->name(); }

    std::uint64_t count() const noexcept { return count_; }
    // "sha256:<hex>" of everything read so far; call once, at the end.
    std::string finish() { return hasher_.finish(); }

  private:
    sif::ByteSource* inner_;
    Sha256 hasher_;
    std::uint64_t count_ = 0;
};

// Reads a source to its end, discarding the bytes; returns how many there were.
std::uint64_t drain(sif::ByteSource& source);

}  // namespace sifkit::oci2sif
