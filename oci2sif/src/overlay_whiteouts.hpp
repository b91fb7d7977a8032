// One layer's entries with its whiteouts in overlayfs form, for OCI-SIF images that keep their
// layers (SingularityCE mounts them with overlayfs): `.wh.NAME` becomes a 0:0 character device
// NAME, and a directory holding `.wh..wh..opq` gets the trusted.overlay.opaque="y" xattr
// (oci-tools' whiteoutsToOverlayFS). Opaque markers may come before or after their directory,
// so every opaque directory is repeated at the end of the stream with the xattr: within one
// layer the later entry of a path wins. A whiteout hides the layers below only, never its own
// layer's entries (image-spec): a whiteout of a path the layer holds as a file is dropped (the
// file hides the lower layers by itself), and a path the layer holds as a directory -- before or
// after its whiteout, as an entry or as the parent of entries -- becomes an opaque directory.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "entry.hpp"

namespace sifkit::oci2sif {

class OverlayWhiteouts final : public EntryStream {
  public:
    // `bottom`: the image's first layer, with nothing below to hide: its whiteouts and opaque
    // markers are dropped (as the squashed image drops them), not written.
    OverlayWhiteouts(EntryStream& inner, bool bottom) : inner_(&inner), bottom_(bottom) {}

    bool next(Entry& entry) override;
    std::size_t read_data(std::span<std::byte> data) override;

  private:
    // When a parent of `path` was whited out in this layer, the opaque directory that replaces
    // the whiteout, in `directory`.
    bool whited_ancestor(const std::string& path, Entry& directory);

    EntryStream* inner_;
    bool bottom_;
    std::map<std::string, Entry> directories_;  // directory entries seen, by path
    std::map<std::string, bool> opaque_;        // directories with an opaque marker
    // Paths of this layer's entries and their parents: true for directories.
    std::unordered_map<std::string, bool> present_;
    std::unordered_set<std::string> whited_;  // whiteouts written as 0:0 devices so far
    std::optional<Entry> pending_;            // held back behind a directory made for it
    bool draining_ = false;
    std::map<std::string, bool>::iterator drain_at_;
};

}  // namespace sifkit::oci2sif
