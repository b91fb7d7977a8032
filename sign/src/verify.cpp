// Verification with the reference's semantics (format §9.5; DSSE §9.7; legacy §9.6): build the
// tasks, find each task's signatures, verify each in its format, and collect the findings.
#include "sifkit/sign/verify.hpp"

#include <set>
#include <string>

#include "sifkit/sif/error.hpp"
#include "sifkit/sign/clearsign.hpp"
#include "sifkit/sign/dsse.hpp"
#include "sifkit/sign/ecl.hpp"
#include "verify_internal.hpp"

namespace sifkit::sign {
namespace detail {
namespace {

SignatureFinding image_finding(std::vector<std::uint32_t> objects, std::string reason) {
    SignatureFinding finding;
    finding.task = TaskKind::image;
    finding.objects = std::move(objects);
    finding.format = SignatureFormat::none;
    finding.status = VerifyStatus::not_signed;
    finding.reason = std::move(reason);
    return finding;
}

SignatureFinding not_found(const Task& task, std::uint32_t legacy_skipped) {
    SignatureFinding finding;
    finding.group = task.group;
    finding.task = task.kind;
    finding.task_id = task.id;
    for (const sif::Descriptor& d : task.objects) {
        finding.objects.push_back(d.id);
    }
    finding.format = SignatureFormat::none;
    finding.status = VerifyStatus::not_signed;
    finding.reason = task.kind == TaskKind::object && task.group == 0
                         ? "object " + std::to_string(task.id) + " is in no group"
                         : "signature not found for object" +
                               (task.kind == TaskKind::group ? " group " : std::string(" ")) +
                               std::to_string(task.id);
    finding.legacy_signatures = legacy_skipped;
    if (legacy_skipped > 0) {
        finding.reason +=
            " (legacy SIFHASH signatures were not checked: legacy verification "
            "was not requested)";
    }
    return finding;
}

// Current-format signatures: a DSSE envelope if it parses as one, else OpenPGP cleartext.
SignatureFinding verify_current(VerifyContext& context, const Task& task,
                                const sif::Descriptor& signature, const std::string& text) {
    const auto hash = static_cast<int>(signature.signature().hash_type);
    if (hash < 1 || hash > 5) {
        SignatureFinding finding = start_finding(task, signature, SignatureFormat::unknown);
        finding.status = VerifyStatus::invalid;
        finding.reason = "hash algorithm unsupported";
        return finding;
    }
    if (!is_clearsigned(text) && text.starts_with('{')) {
        return verify_dsse(context, task, signature, text);
    }
    return verify_pgp(context, task, signature, text);
}

void run_task(VerifyContext& context, const Task& task, VerifyReport& report) {
    const sif::Image& image = context.image;
    const bool legacy = context.options.legacy || context.options.legacy_all;
    // Legacy object tasks use signatures linked to the object; every other task the ones
    // linked to the group, of the kind (legacy or not) that was asked for.
    const std::vector<sif::Descriptor>& candidates = context.index.signatures(
        legacy && task.kind == TaskKind::object ? sif::Link::to_object(task.id)
                                                : sif::Link::to_group(task.group));
    std::uint32_t checked = 0;
    std::uint32_t legacy_skipped = 0;
    for (const sif::Descriptor& signature : candidates) {
        const std::string text = read_signature(image, signature);
        if (legacy) {
            if (task.kind == TaskKind::group && !is_legacy_signature(text)) {
                continue;
            }
            ++checked;
            report.add(verify_legacy(context, task, signature, text));
            continue;
        }
        if (is_legacy_signature(text)) {
            ++legacy_skipped;
            continue;
        }
        ++checked;
        report.add(verify_current(context, task, signature, text));
    }
    if (checked > 0) {
        return;
    }
    if (!legacy) {
        // Per-object legacy signatures would have been found by a legacy run; count them too
        // so that the report can say why the image looks unsigned.
        for (const sif::Descriptor& member : task.objects) {
            for (const auto& s : context.index.signatures(sif::Link::to_object(member.id))) {
                legacy_skipped += is_legacy_signature(read_signature(image, s)) ? 1U : 0U;
            }
        }
    }
    report.add(not_found(task, legacy_skipped));
}

// RequiredKeys::all: every trusted key must be among the keys that verified the task's
// signatures. DSSE findings list every trusted key that verified the envelope; OpenPGP findings
// their signer, so several OpenPGP signers mean several signature objects.
void require_every_key(const VerifyOptions& options, const Task& task, VerifyReport& report,
                       std::size_t first_finding) {
    std::set<std::string> signed_by;
    for (std::size_t i = first_finding; i < report.findings.size(); ++i) {
        const SignatureFinding& f = report.findings[i];
        if (f.status != VerifyStatus::verified) {
            return;  // the task fails anyway
        }
        signed_by.insert(f.keyids.begin(), f.keyids.end());
    }
    std::set<std::string> missing;
    for (const PublicKey* key : options.keys) {
        missing.insert(key->keyid());
    }
    for (const PgpCertificate* cert : options.pgp_keys) {
        missing.insert(cert->fingerprint_hex());
    }
    for (const std::string& id : signed_by) {
        missing.erase(id);
    }
    if (missing.empty()) {
        return;
    }
    SignatureFinding finding = not_found(task, 0);
    finding.status = VerifyStatus::untrusted;
    finding.reason = "not signed by every trusted key (required: all); missing:";
    for (const std::string& id : missing) {
        finding.reason += " " + id;
    }
    report.add(std::move(finding));
}

}  // namespace

VerifyReport verify_with(const sif::Image& image, const VerifyOptions& options,
                         ObjectDigests& digests) {
    VerifyReport report;
    for (const sif::Descriptor& d : image.objects()) {
        if (d.group() == 0 && d.type() != sif::DataType::signature) {
            report.add(image_finding(
                {d.id}, "object " + std::to_string(d.id) +
                            ": non-signature object not associated with object group"));
        }
    }
    if (options.ecl != nullptr && (!options.groups.empty() || !options.objects.empty() ||
                                   options.legacy || options.legacy_all)) {
        throw Error(ErrorKind::usage,
                    "the ECL judges every group's current signatures: no groups, objects or "
                    "legacy signatures with it");
    }
    if (options.ecl != nullptr && !options.ecl_directory.is_absolute()) {
        // An unknown directory would quietly fall into the group with an empty dirpath.
        throw Error(ErrorKind::internal, "the ECL needs the image's resolved directory");
    }
    std::vector<std::uint32_t> objects = options.objects;
    if (options.legacy_all) {
        for (const sif::Descriptor& d : image.objects()) {
            if (d.group() != 0 && d.type() != sif::DataType::signature) {
                objects.push_back(d.id);
            }
        }
    }
    const std::vector<Task> tasks = make_tasks(image, options.groups, objects);
    if (tasks.empty() && report.findings.empty()) {
        report.add(image_finding({}, "image has no object groups to verify"));
    }
    const ImageIndex index(image);
    VerifyContext context{image, options, digests, index};
    for (const Task& task : tasks) {
        const std::size_t first = report.findings.size();
        run_task(context, task, report);
        if (options.required_keys == RequiredKeys::all) {
            require_every_key(options, task, report, first);
        }
    }
    // The ECL narrows what verification accepts; on an image that does not verify it has
    // nothing to add.
    if (options.ecl != nullptr && report.status == VerifyStatus::verified) {
        report.add(options.ecl->judge(options.ecl_directory, report));
    }
    return report;
}

}  // namespace detail

VerifyReport verify_image(const sif::Image& image, const VerifyOptions& options) {
    detail::ObjectDigests digests(image);
    return detail::verify_with(image, options, digests);
}

}  // namespace sifkit::sign
