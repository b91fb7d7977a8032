// Exit codes of the sifkit command (documented in docs/cli.md; scripts branch on them).
#pragma once

#include <span>
#include <string_view>

#include "sifkit/sif/error.hpp"

namespace sifkit::cli {

enum ExitCode : int {
    kExitOk = 0,
    kExitInternal = 1,
    kExitUsage = 2,
    kExitIo = 3,
    kExitInvalid = 4,
    kExitNotFound = 5,
    kExitConflict = 6,
    kExitUnsupported = 7,
    // A registry refused access (authentication required, credentials refused, forbidden).
    kExitDenied = 8,
    // sifkit stage: the destination's file system is too small for the image.
    kExitNoSpace = 9,
    // sifkit verify: the image was read, but is not verified.
    kExitNotSigned = 10,
    kExitSignatureInvalid = 11,
    kExitUntrusted = 12,
    // sifkit verify --ocsp-verify: no OCSP responder answered, so trust was not established.
    kExitRevocationUnknown = 13,
    // sifkit verify/stage --ecl: the image verified, but the execution control list refuses it.
    kExitEclRefused = 14,
    // sifkit build: a %pre, %setup, %post, %appinstall or %test command failed.
    kExitBuildFailed = 15,
};

// Thrown by verify after printing its report, to exit with the verdict's code.
struct VerifyFailed {
    int code;
};
// The same for any command that printed its own one-line error (a build section that failed).
using ReportedFailure = VerifyFailed;

int exit_code_for(ErrorKind kind) noexcept;

// One line of the exit-code table of docs/cli.md, as `--help` shows it.
struct ExitCodeMeaning {
    int code;
    std::string_view meaning;
};
// Every exit code, in order: the one table `sifkit --help` shows whole and each command's
// `--help` shows the rows it can return (exit_code_help.cpp).
std::span<const ExitCodeMeaning> exit_code_table() noexcept;

}  // namespace sifkit::cli
