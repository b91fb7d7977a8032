// Reading a small file whole (a key, a keyring, an ECL), with a size cap: a huge one is refused
// before it is read into memory.
#pragma once

#include <filesystem>
#include <string>

namespace sifkit::sign::detail {

inline constexpr std::size_t kMaxKeyFileSize = 1U << 20;
// Keyrings hold many keys: a site's global keyring of a few thousand 4096-bit keys.
inline constexpr std::size_t kMaxKeyringSize = 64U << 20;

// The file's bytes; an io Error "cannot open WHAT: ..." when it cannot be opened, invalid_input
// when over `limit`.
std::string read_small_file(const std::filesystem::path& path, const std::string& what,
                            std::size_t limit = kMaxKeyFileSize);

inline std::string read_key_file(const std::filesystem::path& path,
                                 std::size_t limit = kMaxKeyFileSize) {
    return read_small_file(path, "key file", limit);
}

}  // namespace sifkit::sign::detail
