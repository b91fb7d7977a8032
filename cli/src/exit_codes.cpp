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

}  // namespace sifkit::cli
