// The execution control list: Apptainer's ecl.toml (internal/pkg/syecl), which says, per
// directory, whose signatures an image must (whitelist, whitestrict) or must not (blacklist)
// carry. sifkit reads Apptainer's files unchanged and judges them with Apptainer's rules; entries
// may also name DSSE key IDs and certificate subjects (docs/signing.md, "Execution control
// list"). The ECL only narrows what verification accepts: it is judged on a verified report, so
// an image it allows has also passed every check of verify_image().
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "sifkit/sign/result.hpp"

namespace sifkit::sign {

enum class EclMode {
    whitelist,    // at least one listed signer signed every group
    whitestrict,  // every listed signer signed every group
    blacklist,    // no listed signer signed any group
};

std::string_view name_of(EclMode mode) noexcept;

// One [[execgroup]] table.
struct EclGroup {
    std::string tagname;
    EclMode mode = EclMode::whitelist;
    // Images directly in this directory (not below it) belong to the group; empty: every image
    // no other group claims. Absolute, clean and free of symbolic links, as Apptainer requires.
    std::string dirpath;
    std::vector<std::string> keyfp;        // OpenPGP fingerprints, 40 hex digits (Apptainer's)
    std::vector<std::string> keyid;        // DSSE key IDs, as verify prints them (sifkit's)
    std::vector<std::string> certsubject;  // X.509 subjects of signing certificates (sifkit's)
    std::size_t line = 0;                  // where the table starts in the file
};

struct Ecl {
    std::filesystem::path file;  // named in every refusal
    bool activated = false;      // false: the file is checked, but every image is allowed
    std::vector<EclGroup> groups;

    // Reads and validates FILE as Apptainer's ValidateConfig does (unique dirpath, dirpath
    // absolute and resolved, known mode, 40-hex fingerprints), plus: unknown keys and wrong
    // types are errors (a misspelt key would otherwise empty a list silently). Throws an
    // invalid_input Error "FILE: line N: what is wrong", an io Error when it cannot be read, an
    // unsupported Error for legacyinsecure = true.
    static Ecl load(const std::filesystem::path& file);

    // The group an image in `directory` (the resolved directory of the file being read) belongs
    // to: the first whose dirpath is exactly `directory`, else the first with an empty dirpath,
    // else nullptr (Apptainer's getExecGroup).
    const EclGroup* group_for(const std::filesystem::path& directory) const;

    // The ECL's verdict on a verified report of every group of an image in `directory`: a
    // finding of TaskKind::ecl, verified when allowed, VerifyStatus::refused otherwise, whose
    // reason names the file, the group and the rule.
    SignatureFinding judge(const std::filesystem::path& directory,
                           const VerifyReport& report) const;
};

// The directory of the file open on `fd`, symbolic links resolved (/proc/self/fd): what the
// ECL judges is where the bytes being read are, whatever name they were opened by.
std::filesystem::path directory_of_open_file(int fd);

}  // namespace sifkit::sign
