// Where the reference test vectors live: $SIFKIT_SHARED_DIR (default ../shared next to the
// repository), located through the shared test support library like every other suite.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "sifkit/test/support.hpp"

inline std::filesystem::path upstream_fixture(const std::string& relative) {
    return sifkit::test::shared_dir() / "fixtures" / "upstream-sif" / relative;
}

inline std::string slurp(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}
