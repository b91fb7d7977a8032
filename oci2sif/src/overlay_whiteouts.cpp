#include "overlay_whiteouts.hpp"

#include <algorithm>

namespace sifkit::oci2sif {
namespace {

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";
constexpr const char* kOpaqueXattr = "trusted.overlay.opaque";

}  // namespace

bool OverlayWhiteouts::next(Entry& entry) {
    while (!draining_) {
        if (!inner_->next(entry)) {
            for (auto& warning : inner_->take_warnings()) {
                warn(std::move(warning));
            }
            draining_ = true;
            drain_at_ = opaque_.begin();
            break;
        }
        for (auto& warning : inner_->take_warnings()) {
            warn(std::move(warning));
        }
        const auto slash = entry.path.rfind('/');
        const std::string parent = slash == std::string::npos ? "" : entry.path.substr(0, slash);
        const std::string_view base =
            std::string_view(entry.path).substr(slash == std::string::npos ? 0 : slash + 1);
        if (base == kOpaqueMarker) {
            opaque_[parent] = true;
            continue;
        }
        if (base.substr(0, 8) == ".wh..wh.") {
            continue;  // AUFS bookkeeping (hardlink stores): neither a file nor a whiteout
        }
        if (base.substr(0, kWhiteoutPrefix.size()) == kWhiteoutPrefix &&
            base.size() > kWhiteoutPrefix.size()) {
            const std::string target = (parent.empty() ? "" : parent + "/") +
                                       std::string(base.substr(kWhiteoutPrefix.size()));
            if (present_.count(target) != 0) {
                continue;  // the layer's own entry stays, and hides what is below
            }
            entry.path = target;
            entry.type = EntryType::char_device;
            entry.dev_major = 0;
            entry.dev_minor = 0;
            entry.mode = 0;
            entry.size = 0;
            entry.xattrs.clear();
            return true;
        }
        if (entry.type == EntryType::directory) {
            directories_[entry.path] = entry;
        }
        // The path and its parents, up to the first already recorded (its parents are too).
        for (std::string path = entry.path; !path.empty() && present_.insert(path).second;) {
            const auto up = path.rfind('/');
            path.resize(up == std::string::npos ? 0 : up);
        }
        return true;
    }
    while (drain_at_ != opaque_.end()) {
        const std::string path = (drain_at_++)->first;
        const auto seen = directories_.find(path);
        if (seen != directories_.end()) {
            entry = seen->second;
        } else {
            entry = Entry{};
            entry.path = path;
            entry.type = EntryType::directory;
            entry.mode = 0755;
        }
        entry.xattrs.erase(std::remove_if(entry.xattrs.begin(), entry.xattrs.end(),
                                          [](const auto& x) { return x.first == kOpaqueXattr; }),
                           entry.xattrs.end());
        entry.xattrs.emplace_back(kOpaqueXattr, "y");
        std::sort(entry.xattrs.begin(), entry.xattrs.end());
        return true;
    }
    return false;
}

std::size_t OverlayWhiteouts::read_data(std::span<std::byte> data) {
    return draining_ ? 0 : inner_->read_data(data);
}

}  // namespace sifkit::oci2sif
