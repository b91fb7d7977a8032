// Shared pieces of the conversion tests: the fixture images (built once per run by the recipe
// in tests/fixtures/oci), running `sifkit convert`, reading the squashfs of a result back with
// the reference readers, and unpacking the same image with umoci.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "sifkit/test/support.hpp"
#include "sifkit/test/tree.hpp"

namespace convert_test {

namespace fs = std::filesystem;
using sifkit::test::RunResult;
using sifkit::test::TreeListing;

// Directory holding the generated fixtures (see tests/fixtures/oci/README.md).
const fs::path& fixtures();
// A scratch directory for this process, removed at exit.
const fs::path& scratch();

// Nothing but `keep` in `dir`: no output and no temporary file left behind.
void check_only(const fs::path& dir, const std::vector<std::string>& keep);

RunResult run_sifkit(const std::vector<std::string>& args,
                     const std::vector<std::string>& env = {});
// `sifkit convert -q ARGS... SOURCE OUTPUT`; REQUIREs success.
void convert(const std::string& source, const fs::path& output,
             const std::vector<std::string>& args = {});

// The squashfs partition of a SIF, written to `path` (`sifkit dump`).
void dump_partition(const fs::path& sif, const fs::path& path);
// Unpacks the partition with unsquashfs (owners, modes, times, xattrs, devices: run as root).
fs::path unpack_with_unsquashfs(const fs::path& sif, const std::string& name);
// `umoci unpack` of an OCI layout reference (DIR:TAG); returns the rootfs.
fs::path unpack_with_umoci(const std::string& layout_ref, const std::string& name);

// Paths sifkit adds for the runtime (the /.singularity.d tree, its links at the root, and the
// mount points and /etc files created when the image lacks them).
bool is_runtime_addition(const std::string& path, const TreeListing& image_tree);

bool running_as_root();
// tests/fixtures/definitions: the definition files `sifkit build` tests run from.
const fs::path& definitions();
// `sifkit cat SIF PATH`; REQUIREs success.
std::string cat(const fs::path& sif, const std::string& path);
std::string read_text(const fs::path& path);

}  // namespace convert_test
