// One layer's entries with its whiteouts in overlayfs form, for OCI-SIF images that keep their
// layers (SingularityCE mounts them with overlayfs): `.wh.NAME` becomes a 0:0 character device
// NAME, and a directory holding `.wh..wh..opq` gets the trusted.overlay.opaque="y" xattr
// (oci-tools' whiteoutsToOverlayFS). Opaque markers may come before or after their directory,
// so every opaque directory is repeated at the end of the stream with the xattr: within one
// layer the later entry of a path wins. A whiteout hides the layers below only, never its own
// layer's entries (image-spec), so a whiteout of a path the layer already holds is dropped: that
// entry hides the lower layers by itself.
#pragma once

#include <map>
#include <string>
#include <unordered_set>

#include "entry.hpp"

namespace sifkit::oci2sif {

class OverlayWhiteouts final : public EntryStream {
  public:
    explicit OverlayWhiteouts(EntryStream& inner) : inner_(&inner) {}

    bool next(Entry& entry) override;
    std::size_t read_data(std::span<std::byte> data) override;

  private:
    EntryStream* inner_;
    std::map<std::string, Entry> directories_;  // directory entries seen, by path
    std::map<std::string, bool> opaque_;        // directories with an opaque marker
    std::unordered_set<std::string> present_;   // paths of this layer's entries and their parents
    bool draining_ = false;
    std::map<std::string, bool>::iterator drain_at_;
};

}  // namespace sifkit::oci2sif
