// Reading a small file whole (a key, an ECL), with a size cap: a huge one is refused before it
// is read into memory.
#pragma once

#include <filesystem>
#include <string>

namespace sifkit::sign::detail {

inline constexpr std::size_t kMaxKeyFileSize = 1U << 20;

// The file's bytes; an io Error "cannot open WHAT" when it cannot be opened, invalid_input when
// over 1 MiB.
std::string read_small_file(const std::filesystem::path& path, const std::string& what);

inline std::string read_key_file(const std::filesystem::path& path) {
    return read_small_file(path, "key file");
}

}  // namespace sifkit::sign::detail
