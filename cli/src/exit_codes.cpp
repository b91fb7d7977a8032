#include "exit_codes.hpp"

namespace sifkit::cli {

int exit_code_for(ErrorKind kind) noexcept {
    switch (kind) {
        case ErrorKind::usage:
            return kExitUsage;
        case ErrorKind::io:
            return kExitIo;
        case ErrorKind::invalid_image:
        case ErrorKind::invalid_input:
            return kExitInvalid;
        case ErrorKind::not_found:
            return kExitNotFound;
        case ErrorKind::conflict:
            return kExitConflict;
        case ErrorKind::unsupported:
            return kExitUnsupported;
        case ErrorKind::denied:
            return kExitDenied;
        case ErrorKind::no_space:
            return kExitNoSpace;
        case ErrorKind::internal:
            return kExitInternal;
    }
    return kExitInternal;
}

namespace {

constexpr ExitCodeMeaning kTable[] = {
    {kExitOk, "success"},
    {kExitInternal, "internal error (a bug in sifkit; please report it)"},
    {kExitUsage, "usage error: bad command, option or argument"},
    {kExitIo, "I/O error: a file cannot be opened, read or written, or the network failed"},
    {kExitInvalid, "invalid image or input (corrupt, truncated, malformed)"},
    {kExitNotFound, "not found: no such object, path in the image, tag, repository or platform"},
    {kExitConflict, "conflict: the output exists (see --force), a full descriptor table, ..."},
    {kExitUnsupported, "unsupported by this version"},
    {kExitDenied, "access denied (registry credentials, a key's passphrase)"},
    {kExitNoSpace, "not enough space at the destination, or larger than --max-size"},
    {kExitNotSigned, "not signed"},
    {kExitSignatureInvalid, "a signature is invalid or the image was changed after signing"},
    {kExitUntrusted, "signed, but by no trusted key (or the certificate is not trusted)"},
    {kExitRevocationUnknown, "revocation status unknown (no OCSP answer)"},
    {kExitEclRefused, "refused by the execution control list (--ecl)"},
    {kExitBuildFailed, "a command of the definition file failed"},
};

}  // namespace

std::span<const ExitCodeMeaning> exit_code_table() noexcept {
    return kTable;
}

}  // namespace sifkit::cli
