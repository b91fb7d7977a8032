// What `sifkit inspect` shows, read without running anything: the runtime metadata Apptainer and
// SingularityCE keep in an image (/.singularity.d: labels.json, environment scripts, runscript,
// startscript, definition file), the SIF objects that go with it (Def.FILE, oci-config.json),
// and the image's architecture, partitions and signatures (listed, not verified). For an OCI-SIF
// image the labels, environment and config come from its OCI image config.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sifkit/sif/image.hpp"

namespace sifkit::rootfs {

struct PartitionSummary {
    std::uint32_t id = 0;
    std::string fs_type;    // "squashfs", "ext3", ...
    std::string part_type;  // "primary-system", "system", "data", "overlay"
    std::string arch;       // Go name
    std::uint64_t size = 0;
};

struct SignatureSummary {
    std::uint32_t id = 0;
    std::string link;         // "group 1", "object 3", "none"
    std::string hash;         // "sha256", ...
    std::string fingerprint;  // 40 hex digits, empty when none is recorded (DSSE)
};

struct ImageMetadata {
    std::string format;        // "sif" or "oci-sif"
    std::string architecture;  // header architecture (Go name, "unknown")
    std::map<std::string, std::string> labels;
    // Environment files in the order the runtime sources them: (path, content). For OCI-SIF,
    // one pseudo-file "config Env" with the NAME=VALUE lines.
    std::vector<std::pair<std::string, std::string>> environment;
    std::optional<std::string> runscript;
    std::optional<std::string> startscript;
    std::optional<std::string> test;
    std::optional<std::string> help;  // /.singularity.d/runscript.help (a definition's %help)
    std::optional<std::string> deffile;
    // The OCI image config's "config" section (oci-config.json, or the OCI-SIF config's).
    std::optional<std::string> config;
    std::vector<PartitionSummary> partitions;
    std::vector<SignatureSummary> signatures;
};

// Reads the metadata; the root file system is opened only when needed. Malformed labels.json is
// an invalid_input Error; an image without a root file system still gives its SIF-level facts.
ImageMetadata read_metadata(const sif::Image& image);

// Labels from labels.json text: values that are not strings are kept as their JSON text.
std::map<std::string, std::string> parse_labels(const std::string& text, const std::string& origin);

}  // namespace sifkit::rootfs
