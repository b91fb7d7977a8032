// Helpers of the tests that look inside converted images and export them (export_test.cpp,
// ocisif_test.cpp, export_adversarial_test.cpp): the fixture image converted once, sifkit runs
// that must succeed, SIF objects as text and JSON, tree and tar listings, OCI layout checks.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "convert_support.hpp"

namespace convert_test {

// A script of tests/export.
fs::path export_script(const char* name);
// `sifkit ARGS...`; REQUIREs exit 0.
RunResult sifkit_ok(const std::vector<std::string>& args);
// The fixture layout converted to a native SIF once for the whole run.
const fs::path& fixture_sif();
// The squashfs partition of a SIF unpacked by unsquashfs, listed.
TreeListing squashfs_tree(const fs::path& sif, const std::string& name);
// CHECKs that a tree comparison found nothing, showing every difference.
void check_no_diffs(const std::vector<std::string>& diffs, const std::string& what);
// CHECKs an OCI layout against the image-spec schemas (tests/export/validate-oci-layout.py).
void validate_layout(const fs::path& layout);
// One normalized line per member of a tar file (tests/export/tar-listing.py).
std::string tar_listing(const fs::path& tar);
nlohmann::json read_json(const fs::path& path);
// The bytes of object `id` (`sifkit dump`).
std::string object_text(const fs::path& sif, int id);
// The object table of a SIF (`sifkit list --json`).
nlohmann::json objects_of(const fs::path& sif);

}  // namespace convert_test
