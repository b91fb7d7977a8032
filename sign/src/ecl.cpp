// Judging a verified image with the ECL, by Apptainer's rules (internal/pkg/syecl): whitelist and
// whitestrict look at the signers present in every group (the reference's AllSignedBy), blacklist
// at those present in any group (AnySignedBy).
#include "sifkit/sign/ecl.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <set>

#include "sifkit/sif/error.hpp"
#include "sifkit/sif/text.hpp"

namespace sifkit::sign {
namespace {

// Signers are compared as Apptainer compares fingerprints: without regard to case (the hex
// digits of an OpenPGP fingerprint). DSSE key IDs are base64 and compared exactly.
std::string fold(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return text;
}

using Signers = std::set<std::string>;

// The group's entries, each as it would appear among a finding's signers.
std::vector<std::pair<std::string, std::string>> listed(const EclGroup& group) {
    std::vector<std::pair<std::string, std::string>> out;  // {match key, as written}
    for (const auto& fp : group.keyfp) {
        out.emplace_back("pgp:" + fold(fp), fp);
    }
    for (const auto& id : group.keyid) {
        out.emplace_back("dsse:" + id, id);
    }
    for (const auto& subject : group.certsubject) {
        out.emplace_back("subject:" + subject, "certificate subject \"" + subject + "\"");
    }
    return out;
}

void add_signers(const SignatureFinding& finding, Signers& to) {
    for (const auto& id : finding.keyids) {
        to.insert(id.starts_with("SHA256:") ? "dsse:" + id : "pgp:" + fold(id));
    }
    for (const auto& subject : finding.subjects) {
        to.insert("subject:" + subject);
    }
}

std::string describe(const Ecl& ecl, const EclGroup& group) {
    std::string text = "ECL " + ecl.file.string() + ": execgroup '" + group.tagname + "' (" +
                       std::string(name_of(group.mode)) + ", ";
    text += group.dirpath.empty() ? "any directory" : "dirpath " + group.dirpath;
    return text + ", line " + std::to_string(group.line) + ")";
}

}  // namespace

std::string_view name_of(EclMode mode) noexcept {
    switch (mode) {
        case EclMode::whitelist:
            return "whitelist";
        case EclMode::whitestrict:
            return "whitestrict";
        case EclMode::blacklist:
            return "blacklist";
    }
    return "whitelist";
}

const EclGroup* Ecl::group_for(const std::filesystem::path& directory) const {
    for (const EclGroup& group : groups) {
        if (!group.dirpath.empty() && group.dirpath == directory.string()) {
            return &group;
        }
    }
    for (const EclGroup& group : groups) {
        if (group.dirpath.empty()) {
            return &group;
        }
    }
    return nullptr;
}

SignatureFinding Ecl::judge(const std::filesystem::path& directory,
                            const VerifyReport& report) const {
    SignatureFinding finding;
    finding.task = TaskKind::ecl;
    finding.format = SignatureFormat::none;
    if (!activated) {
        finding.reason = "ECL " + file.string() + ": not activated, every image is allowed";
        return finding;
    }
    const EclGroup* group = group_for(directory);
    if (group == nullptr) {
        finding.status = VerifyStatus::refused;
        finding.reason = "ECL " + file.string() + ": directory " + directory.string() +
                         " is in no execgroup (no dirpath is it, none is empty)";
        return finding;
    }
    // Signers per verified group of the image: a signer counts for the whitelists only when it
    // signed every group.
    std::map<std::uint32_t, Signers> per_group;
    for (const SignatureFinding& f : report.findings) {
        if (f.task == TaskKind::group) {
            add_signers(f, per_group[f.task_id]);
        }
    }
    Signers in_any;
    std::map<std::string, std::size_t> groups_signed;
    for (const auto& [id, signers] : per_group) {
        for (const auto& signer : signers) {
            in_any.insert(signer);
            ++groups_signed[signer];
        }
    }
    const auto in_every = [&](const std::string& signer) {
        const auto it = groups_signed.find(signer);
        return it != groups_signed.end() && it->second == per_group.size();
    };
    std::vector<std::string> matched;
    std::vector<std::string> missing;
    for (const auto& [key, written] : listed(*group)) {
        const bool hit = group->mode == EclMode::blacklist ? in_any.contains(key) : in_every(key);
        (hit ? matched : missing).push_back(written);
    }
    const std::string rule = describe(*this, *group);
    switch (group->mode) {
        case EclMode::whitelist:
            if (matched.empty()) {
                finding.status = VerifyStatus::refused;
                finding.reason = rule + ": no listed signer signed every group" +
                                 (missing.empty() ? std::string(" (the group lists none)")
                                                  : " (listed: " + sif::join(missing) + ")");
                return finding;
            }
            finding.reason = rule + ": signed by listed " + sif::join(matched);
            break;
        case EclMode::whitestrict:
            if (!missing.empty()) {
                finding.status = VerifyStatus::refused;
                finding.reason = rule + ": every listed signer must sign every group; missing " +
                                 sif::join(missing);
                return finding;
            }
            finding.reason = rule + ": signed by every listed signer";
            break;
        case EclMode::blacklist:
            if (!matched.empty()) {
                finding.status = VerifyStatus::refused;
                finding.reason = rule + ": signed by forbidden " + sif::join(matched);
                return finding;
            }
            finding.reason = rule + ": signed by no listed signer";
            break;
    }
    return finding;
}

std::filesystem::path directory_of_open_file(int fd) {
    const std::string link = "/proc/self/fd/" + std::to_string(fd);
    std::array<char, 4096> buffer{};
    const ssize_t n = ::readlink(link.c_str(), buffer.data(), buffer.size());
    if (n < 0 || static_cast<std::size_t>(n) >= buffer.size()) {
        throw_errno("cannot tell the directory of the image for the ECL", link);
    }
    const std::filesystem::path path(std::string(buffer.data(), static_cast<std::size_t>(n)));
    if (!path.is_absolute()) {
        // Not a file of a mounted file system (a pipe, a deleted file's name is still absolute).
        throw Error(ErrorKind::usage, "the image is not a file in a directory (" + path.string() +
                                          "): the ECL cannot place it");
    }
    return path.parent_path();
}

}  // namespace sifkit::sign
