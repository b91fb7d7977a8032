// Reading a key file whole, with a size cap: key files are small, and a huge one is refused
// before it is read into memory.
#pragma once

#include <filesystem>
#include <string>

namespace sifkit::sign::detail {

inline constexpr std::size_t kMaxKeyFileSize = 1U << 20;
// Keyrings hold many keys: a site's global keyring of a few thousand 4096-bit keys.
inline constexpr std::size_t kMaxKeyringSize = 64U << 20;

// The file's bytes; an io Error when it cannot be opened, invalid_input when over `limit`.
std::string read_key_file(const std::filesystem::path& path, std::size_t limit = kMaxKeyFileSize);

}  // namespace sifkit::sign::detail
