// The words reports print for verification outcomes, tasks and signature formats: the JSON and
// text reports of `sifkit verify` and `sifkit stage` are read by scripts, so they never change.
#include "sifkit/sign/result.hpp"

#include <algorithm>
#include <utility>

namespace sifkit::sign {

std::string_view name_of(VerifyStatus status) noexcept {
    switch (status) {
        case VerifyStatus::verified:
            return "verified";
        case VerifyStatus::not_signed:
            return "not-signed";
        case VerifyStatus::untrusted:
            return "untrusted";
        case VerifyStatus::invalid:
            return "invalid";
        case VerifyStatus::refused:
            return "refused";
    }
    return "invalid";
}

std::string_view name_of(TaskKind kind) noexcept {
    switch (kind) {
        case TaskKind::group:
            return "group";
        case TaskKind::object:
            return "object";
        case TaskKind::image:
            return "image";
        case TaskKind::ecl:
            return "ecl";
    }
    return "image";
}

std::string_view name_of(SignatureFormat format) noexcept {
    switch (format) {
        case SignatureFormat::none:
            return "none";
        case SignatureFormat::dsse:
            return "dsse";
        case SignatureFormat::pgp:
            return "pgp";
        case SignatureFormat::legacy:
            return "legacy";
        case SignatureFormat::x509:
            return "x509";
        case SignatureFormat::unknown:
            return "unknown";
    }
    return "unknown";
}

void VerifyReport::add(SignatureFinding finding) {
    status = std::max(status, finding.status);
    findings.push_back(std::move(finding));
}

}  // namespace sifkit::sign
