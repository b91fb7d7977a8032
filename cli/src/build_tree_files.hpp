// Files a build reads and writes inside the tree it is building, which is the image's: any name
// in it may be a symbolic link pointing anywhere on the host, so nothing here follows one.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "sifkit/oci2sif/definition.hpp"

namespace sifkit::cli {

// Where %post writes "KEY VALUE" labels ($APPTAINER_LABELS), as Apptainer tells it (stage.go).
inline constexpr const char* kBuildLabelsFile = "/.build.labels";

// Writes a new file `name` in the directory `root` (O_EXCL, O_NOFOLLOW); an io Error otherwise.
void write_new_file_below(const std::filesystem::path& root, const std::string& name,
                          const std::string& text, mode_t mode);

// Reads `path` (relative, components separated by '/') below the directory `root` without
// following links; nullopt when it does not exist, is not a regular file or is over 16 MiB.
std::optional<std::string> read_file_below(int root, const std::string& path);

// $APPTAINER_LABELS (/.build.labels): merged into /.singularity.d/labels.json, then removed.
void merge_post_labels(const std::filesystem::path& rootfs, const oci2sif::Definition& def);

}  // namespace sifkit::cli
