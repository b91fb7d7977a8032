// Reading a key file whole, with a size cap: key files are small, and a huge one is refused
// before it is read into memory.
#pragma once

#include <filesystem>
#include <string>

namespace sifkit::sign::detail {

inline constexpr std::size_t kMaxKeyFileSize = 1U << 20;

// The file's bytes; an io Error when it cannot be opened, invalid_input when over 1 MiB.
std::string read_key_file(const std::filesystem::path& path);

}  // namespace sifkit::sign::detail
