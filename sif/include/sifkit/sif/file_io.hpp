// Whole transfers on file descriptors, written once for every module: short reads and writes are
// continued, EINTR is retried, and a failure is an io Error "WHAT: strerror" naming `file` (and
// the offset, for the positioned calls).
#pragma once

#include <sys/types.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace sifkit::sif {

// `offset` as an off_t; an invalid_image Error naming `file` past the largest one.
off_t file_offset(std::uint64_t offset, const std::string& file);

// Up to data.size() bytes from `offset`; fewer only at the end of the file.
std::size_t read_full_at(int fd, std::uint64_t offset, std::span<std::byte> data,
                         const std::string& file, const std::string& what = "read failed");
// Up to data.size() bytes from the current position, pipes included; fewer only at the end.
std::size_t read_full(int fd, std::span<std::byte> data, const std::string& file,
                      const std::string& what = "read failed");
// What one read(2) returns (at least one byte unless at the end): for streams that hand data on
// as it comes.
std::size_t read_some(int fd, std::span<std::byte> data, const std::string& file,
                      const std::string& what = "read failed");
// All of `data` at `offset`.
void write_full_at(int fd, std::uint64_t offset, std::span<const std::byte> data,
                   const std::string& file, const std::string& what = "write failed");
// All of `data` at the current position.
void write_full(int fd, std::span<const std::byte> data, const std::string& file,
                const std::string& what = "write failed");

// `call()` (a system call that fails with -1 and errno) again for as long as it fails with EINTR;
// its last result.
template <class Call>
auto retry_on_eintr(Call&& call) -> decltype(call()) {
    for (;;) {
        const auto result = call();
        if (result != -1 || errno != EINTR) {
            return result;
        }
    }
}

}  // namespace sifkit::sif
