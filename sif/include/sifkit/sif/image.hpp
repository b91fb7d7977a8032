// A SIF image: load, create, inspect, add, delete, set the primary partition.
//
// Loading reads the header and the descriptor table only; object data is read on demand
// (read(), reader(), map()). Every structural rule a reader depends on is checked at load time
// (see docs/format-notes.md), so once open() returns, every object lies inside the file, no two
// objects overlap and IDs are unique.
//
// Updates follow the reference library's placement rules byte for byte (format §6-§7) and are
// ordered so that an interrupted update leaves an image that still loads: object data first,
// then the header's data size, then the descriptor slot, then the remaining header fields.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sifkit/sif/descriptor.hpp"
#include "sifkit/sif/header.hpp"
#include "sifkit/sif/source.hpp"
#include "sifkit/sif/storage.hpp"
#include "sifkit/sif/types.hpp"
#include "sifkit/sif/uuid.hpp"

namespace sifkit::sif {

struct CreateOptions {
    std::string launch_script;         // at most 31 bytes
    std::optional<Uuid> id;            // nullopt: a random UUID
    std::optional<std::int64_t> time;  // creation time; nullopt: now
    std::int64_t descriptor_capacity = kDefaultDescriptorCapacity;
    std::int64_t descriptor_offset = kDefaultDescriptorOffset;
    Arch arch;  // header architecture until a primary partition sets it

    // The reference's OptCreateDeterministic: nil UUID and unset (Go zero) times.
    static CreateOptions deterministic();
};

// Everything about a new object except its bytes.
struct ObjectSpec {
    DataType type = DataType::generic;
    std::uint32_t group = kDefaultGroup;  // 0 = no group
    Link link;
    std::optional<std::uint64_t> alignment;  // nullopt: 4096 for partitions, none otherwise
    std::string name;                        // at most 128 bytes
    Extra extra;
    std::optional<std::int64_t> time;  // the object's times; nullopt: the time of the update
};

// Time stamp of an update (add, delete, set primary); nullopt: now. kUnsetTime = deterministic.
struct UpdateOptions {
    std::optional<std::int64_t> time;
};

struct DeleteOptions {
    bool zero = false;     // overwrite the object's bytes with zeros
    bool compact = false;  // give the space back (only for the last object, as the reference)
    std::optional<std::int64_t> time;
};

class Image;

// Sequential reader over one object's bytes; itself a ByteSource, so objects can be copied.
class ObjectReader final : public ByteSource {
  public:
    std::size_t read(std::span<std::byte> data) override;
    const std::string& name() const override { return name_; }
    std::uint64_t remaining() const noexcept { return end_ - position_; }

  private:
    friend class Image;
    ObjectReader(Storage& storage, std::uint64_t begin, std::uint64_t end, std::string name)
        : storage_(&storage), position_(begin), end_(end), name_(std::move(name)) {}
    Storage* storage_;
    std::uint64_t position_;
    std::uint64_t end_;
    std::string name_;
};

// A read-only memory mapping of one object (empty span for a zero-size object).
class Mapping {
  public:
    Mapping(Mapping&& other) noexcept;
    Mapping& operator=(Mapping&& other) noexcept;
    ~Mapping();
    std::span<const std::byte> bytes() const noexcept { return bytes_; }

  private:
    friend class Image;
    Mapping(void* base, std::size_t length, std::span<const std::byte> bytes)
        : base_(base), length_(length), bytes_(bytes) {}
    void* base_ = nullptr;
    std::size_t length_ = 0;
    std::span<const std::byte> bytes_;
};

// Writes the data of a new object straight into the image, sequentially or at any offset inside
// the object (a file system writer seeks back to fill in its superblock). Nothing is visible in
// the descriptor table until commit(); a writer destroyed without commit() gives the space back.
class ObjectWriter {
  public:
    ObjectWriter(ObjectWriter&& other) noexcept;
    ObjectWriter& operator=(ObjectWriter&&) = delete;
    ~ObjectWriter();

    // Appends at the current end of the object.
    void write(std::span<const std::byte> data);
    // Writes at an offset relative to the object's first byte, extending it if needed.
    void write_at(std::uint64_t offset, std::span<const std::byte> data);
    // Reads back bytes already written; returns fewer than asked only past the end.
    std::size_t read_at(std::uint64_t offset, std::span<std::byte> data);
    void truncate(std::uint64_t size);
    std::uint64_t size() const noexcept { return size_; }
    // File offset of the object's first byte.
    std::uint64_t file_offset() const noexcept { return offset_; }

    // Copies a whole source into the object; returns the bytes copied.
    std::uint64_t write_all(ByteSource& source);

    // Publishes the object. `final_extra` replaces the spec's extra when the extra depends on
    // the data (an OCI digest computed while streaming, for instance).
    const Descriptor& commit(std::optional<Extra> final_extra = std::nullopt);

  private:
    friend class Image;
    ObjectWriter(Image& image, std::size_t slot, std::optional<std::size_t> replaced_slot,
                 ObjectSpec spec, std::int64_t time, std::uint64_t start, std::uint64_t offset);
    void abandon() noexcept;

    Image* image_;
    std::size_t slot_;
    std::optional<std::size_t> replaced_slot_;  // the object commit() removes (Image::replace)
    ObjectSpec spec_;
    std::int64_t time_;
    std::uint64_t start_;   // append point before the object (the padding begins here)
    std::uint64_t offset_;  // aligned offset of the first byte
    std::uint64_t size_ = 0;
    bool done_ = false;
};

class Image {
  public:
    // Loads an image from a file; read_write also takes an exclusive lock on it.
    static Image open(const std::filesystem::path& path, OpenMode mode = OpenMode::read_only);
    static Image open(std::unique_ptr<Storage> storage, OpenMode mode);
    // Writes a new, empty image into `storage` (whose previous content is discarded).
    static Image create(std::unique_ptr<Storage> storage, const CreateOptions& options);

    Image(Image&& other) noexcept;
    Image& operator=(Image&& other) noexcept;
    ~Image();

    // ---- header and table ------------------------------------------------------------
    const std::string& name() const noexcept;
    const Header& header() const noexcept { return header_; }
    std::uint64_t file_size() const noexcept { return file_size_; }
    bool writable() const noexcept { return mode_ == OpenMode::read_write; }
    // Every slot of the table, used or not, in table order.
    const std::vector<Descriptor>& slots() const noexcept { return slots_; }
    // Used descriptors in table order (the order siftool lists them in).
    std::vector<Descriptor> objects() const;
    std::size_t object_count() const noexcept;
    // Unused slots, counted from the table (the header's dfree field is advisory).
    std::size_t free_slots() const noexcept { return slots_.size() - object_count(); }

    // ---- selection ---------------------------------------------------------------------
    // The object with that ID; throws a not_found Error.
    const Descriptor& object(std::uint32_t id) const;
    const Descriptor* find(std::uint32_t id) const noexcept;
    // The primary system partition, if any.
    const Descriptor* primary_partition() const noexcept;
    // The first used object of that type in table order (an OCI-SIF's OCI.RootIndex), if any.
    const Descriptor* first_of(DataType type) const noexcept;
    // Distinct non-zero group IDs of used descriptors, ascending.
    std::vector<std::uint32_t> groups() const;
    // Used descriptors of one group (0 = no group), in ID order.
    std::vector<Descriptor> group_objects(std::uint32_t group) const;
    // ID relative to the smallest ID in the same (raw) group: the ID the signatures record.
    std::uint32_t relative_id(const Descriptor& descriptor) const;

    // ---- reading -----------------------------------------------------------------------
    // Reads exactly data.size() bytes at `offset` inside the object.
    void read(const Descriptor& descriptor, std::uint64_t offset, std::span<std::byte> data) const;
    ObjectReader reader(const Descriptor& descriptor) const;
    // Maps the object read-only; needs file-backed storage.
    Mapping map(const Descriptor& descriptor) const;
    // Streams the object's bytes to an open file descriptor (a pipe, a file, a socket) with
    // bounded memory, zero-copy where the kernel allows it. `target` names fd in errors.
    void copy_to_fd(const Descriptor& descriptor, int fd, const std::string& target) const;
    Storage& storage() const noexcept { return *storage_; }

    // ---- updates (need OpenMode::read_write) -------------------------------------------
    // Reserves a slot and starts a new object at the append point. Fails early, before any
    // data is written, when the table is full or a second primary partition is requested.
    ObjectWriter begin_object(const ObjectSpec& spec, const UpdateOptions& options = {});
    // Streams a whole source into a new object.
    const Descriptor& add(const ObjectSpec& spec, ByteSource& source,
                          const UpdateOptions& options = {});
    void remove(std::uint32_t id, const DeleteOptions& options = {});
    // Adds an object and removes object `id` in one step: the new descriptor and the cleared
    // old one reach the table in a single write, so an interrupted replacement leaves the old
    // object or the new one, never both or neither (an OCI-SIF must hold exactly one
    // OCI.RootIndex). The result is that of add() then remove(id) without zeroing or compaction.
    const Descriptor& replace(std::uint32_t id, const ObjectSpec& spec, ByteSource& source,
                              const UpdateOptions& options = {});
    // Makes a System partition the primary one; the previous primary becomes System.
    void set_primary(std::uint32_t id, const UpdateOptions& options = {});
    // Replaces the image ID (one 128-byte header write). Writers that derive the ID from the
    // finished content set it last; the reference library's SetMetadata(OptSetID) does the same.
    void set_id(const Uuid& id, const UpdateOptions& options = {});
    // Flushes everything written so far to stable storage.
    void sync();

  private:
    friend class ObjectWriter;
    Image(std::unique_ptr<Storage> storage, OpenMode mode);

    ObjectWriter start_object(const ObjectSpec& spec, const UpdateOptions& options,
                              std::optional<std::size_t> replaced_slot);
    void require_writable(const char* operation) const;
    void write_header();
    // Writes the table slots first..last (inclusive) in one write.
    void write_slots(std::size_t first, std::size_t last);
    void refresh_free_count() noexcept;

    std::unique_ptr<Storage> storage_;
    OpenMode mode_;
    Header header_;
    std::vector<Descriptor> slots_;
    std::uint64_t file_size_ = 0;
    bool writer_active_ = false;
};

}  // namespace sifkit::sif
