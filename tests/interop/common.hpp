// Shared pieces of the interoperability tests: the reference tools, building images with the
// library, and field-by-field comparison with `sifcheck dump` / `sifcheck integrity`.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sifkit/sif/sif.hpp"
#include "sifkit/test/support.hpp"

namespace interop {

namespace fs = std::filesystem;
namespace sif = sifkit::sif;
using json = nlohmann::json;
using sifkit::test::RunResult;

// ---- locations ----------------------------------------------------------------------
fs::path reference_images();  // <reference src>/test/images
fs::path upstream_images();   // <shared>/fixtures/upstream-sif/images
fs::path golden(std::string_view test, std::string_view name);      // pkg/sif/testdata
fs::path app_golden(std::string_view test, std::string_view name);  // siftool testdata
std::vector<fs::path> sif_files(const fs::path& dir);               // *.sif, sorted
std::vector<fs::path> corpus_images();  // the reference's test images, then upstream-sif's

// ---- tools (environment fixed: TZ=UTC, no SOURCE_DATE_EPOCH) ------------------------
RunResult run_sifcheck(const std::vector<std::string>& args);
RunResult run_siftool(const std::vector<std::string>& args);
RunResult run_sifkit(const std::vector<std::string>& args,
                     std::optional<std::string> stdin_data = {});

// The command prefix that runs a program as an ordinary user, for checks that root's powers
// would defeat (an unreadable file): empty when the tests are not root; setpriv to the build
// user `sifkitbuild` when they are; nullopt when they are root and cannot drop privileges.
std::optional<std::vector<std::string>> as_ordinary_user();
// Lets that ordinary user into `dir` (and read and write `files` in it) when the prefix is not
// empty: the test directories are the test user's, mode 0700.
void open_to_ordinary_user(const fs::path& dir, const std::vector<fs::path>& files = {});
// run_sifkit behind such a prefix.
RunResult run_sifkit_as(const std::vector<std::string>& prefix,
                        const std::vector<std::string>& args);

// `sifcheck dump` / `sifcheck integrity` output; REQUIREs exit 0.
json sifcheck_dump(const fs::path& image);
json sifcheck_integrity(const fs::path& image);

// ---- library ------------------------------------------------------------------------
// Creates an empty file at path and an image in it.
sif::Image create_image(const fs::path& path, const sif::CreateOptions& options);
sif::Image open_rw(const fs::path& path);
const sif::Descriptor& add_bytes(sif::Image& image, const sif::ObjectSpec& spec,
                                 std::string_view data, const sif::UpdateOptions& options = {});
std::string object_bytes(const sif::Image& image, const sif::Descriptor& descriptor);
sif::Arch arch(std::string_view go_name);
sif::PartitionInfo partition(sif::FsType fs, sif::PartType type, std::string_view go_arch);

// Deterministic update options (Go zero time) and the deterministic create options.
sif::UpdateOptions unset_time();

// ---- comparisons --------------------------------------------------------------------
std::string hex(std::string_view bytes);
// Hex of a byte field with trailing zero bytes removed (sifcheck's extra_hex).
std::string trimmed_hex(const void* data, std::size_t size);
// NUL-trimmed text of a fixed field.
std::string trim_nul(const char* data, std::size_t size);

// Every header field, descriptor field (used slots) and object sha256 of `image` equals the
// dump JSON. Uses Catch CHECKs; `what` labels the failures.
void check_against_dump(const sif::Image& image, const json& dump, const std::string& what);
// The digest inputs, relative IDs and object hashes equal `sifcheck integrity`.
void check_against_integrity(const sif::Image& image, const json& integrity,
                             const std::string& what);

// A deterministic pseudo-random generator for "random-ish" cases.
class Rng {
  public:
    explicit Rng(std::uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ULL + 1) {}
    std::uint64_t next();
    std::uint64_t below(std::uint64_t bound) { return next() % bound; }
    std::string bytes(std::size_t size);

  private:
    std::uint64_t state_;
};

}  // namespace interop
