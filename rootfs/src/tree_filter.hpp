// Skipping whole subtrees of a depth-first walk: once a directory is rejected, every entry below
// it is rejected too (they follow it directly in the walk).
#pragma once

#include <string>

#include "sifkit/rootfs/unpack.hpp"

namespace sifkit::rootfs {

class SubtreeFilter {
  public:
    explicit SubtreeFilter(const PathFilter& filter) : filter_(&filter) {}

    bool accept(const FileInfo& info) {
        if (!skipped_.empty() && info.path.compare(0, skipped_.size(), skipped_) == 0) {
            return false;
        }
        skipped_.clear();
        if (!*filter_ || (*filter_)(info)) {
            return true;
        }
        if (info.type == FileType::directory) {
            skipped_ = info.path + "/";
        }
        return false;
    }

  private:
    const PathFilter* filter_;
    std::string skipped_;
};

}  // namespace sifkit::rootfs
