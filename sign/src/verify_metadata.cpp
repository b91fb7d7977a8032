// The metadata checks every current signature format shares (format §9.5 steps c, e and f).
#include <algorithm>
#include <set>

#include "sifkit/sif/error.hpp"
#include "sifkit/sif/integrity.hpp"
#include "verify_internal.hpp"

namespace sifkit::sign::detail {
namespace {

constexpr std::int64_t kMaxSignatureSize = 16 << 20;

}  // namespace

ImageIndex::ImageIndex(const sif::Image& image) {
    for (const sif::Descriptor& d : image.slots()) {
        if (!d.used) {
            continue;
        }
        const auto [it, inserted] = minimum_.emplace(d.group_raw, d.id);
        if (!inserted) {
            it->second = std::min(it->second, d.id);
        }
        if (d.type() == sif::DataType::signature && d.link().kind() != sif::Link::Kind::none) {
            signatures_[{static_cast<int>(d.link().kind()), d.link().target()}].push_back(d);
        }
    }
}

const std::vector<sif::Descriptor>& ImageIndex::signatures(sif::Link link) const {
    const auto found = signatures_.find({static_cast<int>(link.kind()), link.target()});
    return found == signatures_.end() ? none_ : found->second;
}

std::uint32_t ImageIndex::relative_id(const sif::Descriptor& descriptor) const {
    const auto found = minimum_.find(descriptor.group_raw);
    return found == minimum_.end() ? 0 : descriptor.id - found->second;
}

SignatureFinding start_finding(const Task& task, const sif::Descriptor& signature,
                               SignatureFormat format) {
    SignatureFinding finding;
    finding.signature_id = signature.id;
    finding.group = task.group;
    finding.task = task.kind;
    finding.task_id = task.id;
    finding.format = format;
    return finding;
}

std::string read_signature(const sif::Image& image, const sif::Descriptor& signature) {
    if (signature.size > kMaxSignatureSize) {
        throw Error(ErrorKind::invalid_input,
                    "signature object " + std::to_string(signature.id) + " is larger than 16 MiB",
                    image.name());
    }
    std::string text(static_cast<std::size_t>(signature.size), '\0');
    image.read(signature, 0, std::as_writable_bytes(std::span(text)));
    return text;
}

std::string check_metadata(VerifyContext& context, const Task& task, const ImageMetadata& metadata,
                           std::vector<std::uint32_t>& covered) {
    const sif::Image& image = context.image;
    // Absolute IDs count from the smallest ID in the group now (§9.2 relative IDs).
    const std::vector<std::uint32_t> members = group_ids(image, task.group);
    const std::uint32_t minimum = members.empty() ? 0 : members.front();
    std::set<std::uint32_t> signed_ids;
    for (const ObjectMetadata& o : metadata.objects) {
        signed_ids.insert(minimum + o.relative_id);
    }
    covered.assign(signed_ids.begin(), signed_ids.end());
    if (!task.subset_ok) {
        for (const sif::Descriptor& d : task.objects) {
            if (signed_ids.count(d.id) == 0) {
                return "object " + std::to_string(d.id) + ": object not signed";
            }
        }
        for (const std::uint32_t id : signed_ids) {
            const bool present = std::any_of(task.objects.begin(), task.objects.end(),
                                             [id](const sif::Descriptor& d) { return d.id == id; });
            if (!present) {
                return "object " + std::to_string(id) + ": signed object not found";
            }
        }
    }
    const auto header_input = sif::header_digest_input(image.header());
    if (digest_of(metadata.header_digest.algorithm, header_input) != metadata.header_digest) {
        return "header integrity compromised";
    }
    for (const sif::Descriptor& d : task.objects) {
        const auto entry =
            std::find_if(metadata.objects.begin(), metadata.objects.end(),
                         [&](const ObjectMetadata& o) { return minimum + o.relative_id == d.id; });
        if (entry == metadata.objects.end()) {
            return "object " + std::to_string(d.id) + ": object not signed";
        }
        const auto descriptor_input = sif::descriptor_digest_input(d, context.index.relative_id(d));
        if (digest_of(entry->descriptor_digest.algorithm, descriptor_input) !=
            entry->descriptor_digest) {
            return "data object descriptor integrity compromised: " + std::to_string(d.id);
        }
        if (context.digests.of(d, entry->object_digest.algorithm) != entry->object_digest) {
            return "data object integrity compromised: " + std::to_string(d.id);
        }
    }
    if (task.subset_ok) {
        covered.clear();
        for (const sif::Descriptor& d : task.objects) {
            covered.push_back(d.id);
        }
    }
    return {};
}

}  // namespace sifkit::sign::detail
