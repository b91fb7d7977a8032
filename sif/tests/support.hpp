// Helpers shared by the sif unit tests: temporary directories, whole-file reads and writes,
// little-endian patching, hex formatting as xxd prints it, and image construction shortcuts.
#pragma once

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "sifkit/sif/error.hpp"
#include "sifkit/sif/image.hpp"
#include "sifkit/sif/storage.hpp"

namespace Catch {
template <>
struct StringMaker<sifkit::ErrorKind> {
    static std::string convert(sifkit::ErrorKind kind) { return sifkit::to_string(kind); }
};
}  // namespace Catch

namespace sifkit::test {

using Bytes = std::vector<std::byte>;

// A fresh directory under the system temporary directory, removed with everything in it.
class TempDir {
  public:
    TempDir() {
        static std::atomic<unsigned> counter{0};
        std::random_device random;
        const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
        path_ =
            std::filesystem::temp_directory_path() /
            ("sifkit-sif-tests-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) +
             "-" + std::to_string(stamp) + "-" + std::to_string(random()));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const noexcept { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

  private:
    std::filesystem::path path_;
};

inline Bytes read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    // One read of the whole file (istreambuf_iterator trips GCC 12's -Wnull-dereference once
    // optimised, see tests/support/files.cpp).
    Bytes out(std::filesystem::file_size(path));
    in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(out.size()));
    REQUIRE(in.gcount() == static_cast<std::streamsize>(out.size()));
    return out;
}

inline void write_file(const std::filesystem::path& path, std::span<const std::byte> bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    REQUIRE(out.good());
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    REQUIRE(out.good());
}

inline Bytes bytes_of(std::string_view text) {
    Bytes out(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        out[i] = static_cast<std::byte>(text[i]);
    }
    return out;
}

// Bytes [offset, offset+length) as xxd groups them: "2321 2f75 ...".
inline std::string hex(std::span<const std::byte> bytes, std::size_t offset, std::size_t length) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < length && offset + i < bytes.size(); ++i) {
        if (i > 0 && i % 2 == 0) {
            out += ' ';
        }
        const auto b = std::to_integer<unsigned>(bytes[offset + i]);
        out += kDigits[b >> 4];
        out += kDigits[b & 0xFU];
    }
    return out;
}

inline bool all_zero(std::span<const std::byte> bytes, std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
        if (bytes[i] != std::byte{0}) {
            return false;
        }
    }
    return true;
}

template <typename Int>
void put_le(Bytes& bytes, std::size_t offset, Int value) {
    using Unsigned = std::make_unsigned_t<Int>;
    const auto bits = static_cast<Unsigned>(value);
    for (std::size_t i = 0; i < sizeof(Int); ++i) {
        bytes.at(offset + i) = static_cast<std::byte>((bits >> (8 * i)) & 0xFFU);
    }
}

template <typename Int>
Int get_le(std::span<const std::byte> bytes, std::size_t offset) {
    using Unsigned = std::make_unsigned_t<Int>;
    Unsigned value = 0;
    for (std::size_t i = 0; i < sizeof(Int); ++i) {
        value = static_cast<Unsigned>(
            value | static_cast<Unsigned>(std::to_integer<Unsigned>(bytes[offset + i]) << (8 * i)));
    }
    return static_cast<Int>(value);
}

// The sifkit::Error that `f` throws; nullopt when it returns normally.
template <typename F>
std::optional<Error> error_of(F&& f) {
    try {
        std::forward<F>(f)();
    } catch (const Error& e) {
        return e;
    }
    return std::nullopt;
}

inline void touch(const std::filesystem::path& path) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    REQUIRE(out.good());
}

// Creates a new image file at `path`.
inline sif::Image create_image(const std::filesystem::path& path,
                               const sif::CreateOptions& options) {
    touch(path);
    return sif::Image::create(sif::FileStorage::open(path, sif::OpenMode::read_write), options);
}

// Options with a fixed ID and time so that the bytes of an image are reproducible.
inline sif::CreateOptions fixed_options(std::int64_t capacity = sif::kDefaultDescriptorCapacity,
                                        std::int64_t time = 1700000000) {
    sif::CreateOptions options;
    options.id = sif::Uuid::parse("0f8b2f0e-6a57-4c2b-9c1d-3b0a5e6f7a81");
    options.time = time;
    options.descriptor_capacity = capacity;
    return options;
}

inline sif::ObjectSpec spec_of(sif::DataType type, std::string name = {}) {
    sif::ObjectSpec spec;
    spec.type = type;
    spec.name = std::move(name);
    return spec;
}

inline sif::ObjectSpec partition_spec(sif::PartType part, const char* arch = "amd64",
                                      std::string name = "part") {
    sif::ObjectSpec spec;
    spec.type = sif::DataType::partition;
    spec.name = std::move(name);
    spec.extra = sif::PartitionInfo{sif::FsType::squashfs, part, *sif::Arch::from_go_name(arch)};
    return spec;
}

inline sif::Descriptor add_text(sif::Image& image, const sif::ObjectSpec& spec,
                                std::string_view content, std::int64_t time = 1700000100) {
    sif::MemorySource source(content);
    return image.add(spec, source, sif::UpdateOptions{time});
}

inline Bytes object_bytes(const sif::Image& image, const sif::Descriptor& d) {
    Bytes out(static_cast<std::size_t>(d.size));
    image.read(d, 0, out);
    return out;
}

inline std::string arch_text(const sif::Arch& arch) {
    return std::string(arch.bytes().data(), 2);
}

}  // namespace sifkit::test
