// Where the reference test vectors live: $SIFKIT_SHARED_DIR (default ../shared next to the repo).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

inline std::filesystem::path shared_dir() {
    const char* env = std::getenv("SIFKIT_SHARED_DIR");
    return env != nullptr && *env != '\0' ? std::filesystem::path(env)
                                          : std::filesystem::path(SIFKIT_DEFAULT_SHARED_DIR);
}

inline std::filesystem::path upstream_fixture(const std::string& relative) {
    return shared_dir() / "fixtures" / "upstream-sif" / relative;
}

inline std::string slurp(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}
