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
        if (pending_) {
            // The entry held back while a directory was put in place of a whiteout above it.
            entry = std::move(*pending_);
            pending_.reset();
        } else if (!inner_->next(entry)) {
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
            if (!bottom_) {
                opaque_[parent] = true;
            }
            continue;
        }
        if (base.substr(0, 8) == ".wh..wh.") {
            continue;  // AUFS bookkeeping (hardlink stores): neither a file nor a whiteout
        }
        // An entry below a path this layer whited out: that path is a directory of this layer
        // after all, one that hides the layers below (opaque). It replaces the 0:0 device
        // first (within a layer the later entry of a path wins), then the entry follows.
        if (Entry directory; whited_ancestor(entry.path, directory)) {
            pending_ = std::move(entry);
            entry = std::move(directory);
            return true;
        }
        if (base.substr(0, kWhiteoutPrefix.size()) == kWhiteoutPrefix &&
            base.size() > kWhiteoutPrefix.size()) {
            const std::string target = (parent.empty() ? "" : parent + "/") +
                                       std::string(base.substr(kWhiteoutPrefix.size()));
            if (bottom_) {
                continue;  // nothing below to hide
            }
            const auto present = present_.find(target);
            if (present != present_.end()) {
                // The layer's own entry stays and hides what is below by itself; a directory
                // of the layer hides the directories below only when it is opaque.
                if (present->second) {
                    opaque_[target] = true;
                }
                continue;
            }
            entry.path = target;
            entry.type = EntryType::char_device;
            entry.dev_major = 0;
            entry.dev_minor = 0;
            entry.mode = 0;
            entry.size = 0;
            entry.xattrs.clear();
            whited_.insert(target);
            return true;
        }
        const bool directory = entry.type == EntryType::directory;
        if (directory) {
            directories_[entry.path] = entry;
        }
        if (whited_.erase(entry.path) != 0 && directory) {
            opaque_[entry.path] = true;  // re-created after its whiteout: nothing below shows
        }
        present_[entry.path] = directory;
        // Its parents are directories of the layer, up to the first already recorded as one.
        for (std::string path = parent; !path.empty();) {
            auto [at, inserted] = present_.try_emplace(path, true);
            if (!inserted && at->second) {
                break;
            }
            at->second = true;
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

bool OverlayWhiteouts::whited_ancestor(const std::string& path, Entry& directory) {
    if (whited_.empty()) {
        return false;
    }
    // The shortest whited-out parent first: a deeper one is handled when the entry comes back.
    for (std::size_t slash = path.find('/'); slash != std::string::npos;
         slash = path.find('/', slash + 1)) {
        const std::string ancestor = path.substr(0, slash);
        if (whited_.erase(ancestor) != 0) {
            directory = Entry{};
            directory.path = ancestor;
            directory.type = EntryType::directory;
            directory.mode = 0755;
            opaque_[ancestor] = true;
            present_[ancestor] = true;
            return true;
        }
    }
    return false;
}

std::size_t OverlayWhiteouts::read_data(std::span<std::byte> data) {
    return draining_ ? 0 : inner_->read_data(data);
}

}  // namespace sifkit::oci2sif
