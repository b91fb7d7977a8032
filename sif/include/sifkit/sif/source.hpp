// Byte sources: where the data of a new object comes from. Objects are streamed from a source in
// bounded chunks, never held in memory whole.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>

namespace sifkit::sif {

class ByteSource {
  public:
    virtual ~ByteSource() = default;
    // Fills up to data.size() bytes; returns 0 only at the end of the source. Throws on error.
    virtual std::size_t read(std::span<std::byte> data) = 0;
    // How the source is named in error messages.
    virtual const std::string& name() const = 0;
};

// A file, or standard input when the path is "-".
class FileSource final : public ByteSource {
  public:
    explicit FileSource(const std::filesystem::path& path);
    ~FileSource() override;
    FileSource(const FileSource&) = delete;
    FileSource& operator=(const FileSource&) = delete;

    std::size_t read(std::span<std::byte> data) override;
    const std::string& name() const override { return name_; }

  private:
    int fd_;
    bool owned_;
    std::string name_;
};

// Bytes already in memory (small objects: definition files, JSON, signatures).
class MemorySource final : public ByteSource {
  public:
    explicit MemorySource(std::span<const std::byte> data, std::string name = "<memory>")
        : data_(data), name_(std::move(name)) {}
    explicit MemorySource(std::string_view text, std::string name = "<memory>")
        : data_(std::as_bytes(std::span<const char>(text.data(), text.size()))),
          name_(std::move(name)) {}

    std::size_t read(std::span<std::byte> data) override;
    const std::string& name() const override { return name_; }

  private:
    std::span<const std::byte> data_;
    std::size_t position_ = 0;
    std::string name_;
};

}  // namespace sifkit::sif
