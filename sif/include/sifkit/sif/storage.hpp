// Backing storage of an image: random-access reads and writes with errors that name the file.
// Images normally live in files (FileStorage); the interface exists so that callers can put an
// image elsewhere and so that tests can make any write fail.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>

namespace sifkit::sif {

enum class OpenMode { read_only, read_write };

class Storage {
  public:
    virtual ~Storage() = default;

    // How the storage is named in error messages (usually the path).
    virtual const std::string& name() const = 0;
    virtual std::uint64_t size() = 0;
    // Reads up to data.size() bytes at offset; returns fewer only at end of storage.
    virtual std::size_t read_at(std::uint64_t offset, std::span<std::byte> data) = 0;
    // Writes all of data at offset or throws.
    virtual void write_at(std::uint64_t offset, std::span<const std::byte> data) = 0;
    virtual void truncate(std::uint64_t size) = 0;
    // Makes written data durable.
    virtual void sync() = 0;
    // The file descriptor behind the storage, for zero-copy paths; -1 when there is none.
    virtual int native_handle() const noexcept { return -1; }

    // Reads exactly data.size() bytes or throws an invalid_image Error ("truncated").
    void read_exact(std::uint64_t offset, std::span<std::byte> data);
};

// A file on disk. Writable files are locked (flock, exclusive) for as long as they are open so
// that two sifkit processes never edit one image at the same time: a second process waits. In
// the same process, a second read-write open of a file already open read-write is a conflict
// Error at once (waiting would never end).
class FileStorage final : public Storage {
  public:
    static std::unique_ptr<FileStorage> open(const std::filesystem::path& path, OpenMode mode);
    // Takes ownership of an open descriptor (e.g. a temporary output file).
    static std::unique_ptr<FileStorage> adopt(int fd, std::string name);

    ~FileStorage() override;
    FileStorage(const FileStorage&) = delete;
    FileStorage& operator=(const FileStorage&) = delete;

    const std::string& name() const override { return name_; }
    std::uint64_t size() override;
    std::size_t read_at(std::uint64_t offset, std::span<std::byte> data) override;
    void write_at(std::uint64_t offset, std::span<const std::byte> data) override;
    void truncate(std::uint64_t size) override;
    void sync() override;
    int native_handle() const noexcept override { return fd_; }

  private:
    FileStorage(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
    int fd_;
    std::string name_;
    // The file whose update lock this storage holds, released on destruction.
    bool holds_update_ = false;
    std::uint64_t device_ = 0;
    std::uint64_t inode_ = 0;
};

}  // namespace sifkit::sif
