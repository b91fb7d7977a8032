// docs/slurm.md cannot rot: every file it includes (a `<!-- file: PATH -->` line before a
// fenced block) is quoted byte for byte, and every example script is included. The scripts
// themselves run in examples_test.cpp.
#include <catch2/catch.hpp>

#include <set>
#include <sstream>

#include "sifkit/test/support.hpp"

namespace fs = std::filesystem;
namespace t = sifkit::test;

TEST_CASE("docs/slurm.md quotes every example file exactly", "[docs]") {
    std::istringstream doc(t::read_file(t::repo_root() / "docs" / "slurm.md"));
    std::set<std::string> included;
    std::string line;
    const std::string marker = "<!-- file: ";
    while (std::getline(doc, line)) {
        if (!line.starts_with(marker)) {
            continue;
        }
        const std::string path = line.substr(marker.size(), line.find(" -->") - marker.size());
        INFO(path);
        std::string fence;
        REQUIRE(std::getline(doc, fence));
        REQUIRE(fence.starts_with("```"));
        std::string quoted;
        while (std::getline(doc, line) && line != "```") {
            quoted += line + "\n";
        }
        CHECK(quoted == t::read_file(t::repo_root() / path));
        CHECK(included.insert(path).second);
    }
    for (const auto& entry : fs::directory_iterator(t::repo_root() / "slurm" / "examples")) {
        const std::string path = "slurm/examples/" + entry.path().filename().string();
        INFO(path << " is not included in docs/slurm.md");
        CHECK(included.count(path) == 1);
    }
    CHECK(included.size() >= 5);
}
