// The OCI image configuration (image-spec config.md): the runtime defaults (Env, Entrypoint, Cmd,
// WorkingDir, User, Labels), the platform, the creation time and the layer diff IDs. Parsed from
// the config blob, editable as `buildah config` edits it, and written back as the
// `oci-config.json` object Apptainer stores in its SIF images.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "json_document.hpp"

#include "sifkit/oci2sif/convert.hpp"

namespace sifkit::oci2sif {

struct ImageConfig {
    std::string architecture;  // Go name: "amd64"
    std::string os;
    std::string variant;
    std::optional<std::int64_t> created;  // seconds since the epoch
    std::string author;
    std::vector<std::string> diff_ids;  // rootfs.diff_ids, bottom layer first

    // The "config" section (container defaults), kept as JSON so that fields sifkit does not
    // interpret (ExposedPorts, Volumes, StopSignal, Healthcheck...) survive into oci-config.json.
    Json runtime = Json::object();
    // The whole config document as read (null for scratch configs): what an OCI-SIF output
    // carries on, with its rootfs and history replaced.
    Json document;

    std::vector<std::string> env() const;
    std::vector<std::string> entrypoint() const;
    std::vector<std::string> cmd() const;
    std::string working_dir() const;
    std::string user() const;
    std::map<std::string, std::string> labels() const;

    // Parses a config blob; `origin` names it in errors.
    static ImageConfig parse(std::string_view text, const std::string& origin);
    // A config for images built from a root file system (dir:, tar:): no layers, no defaults.
    static ImageConfig scratch(std::string architecture);

    // The runtime section as compact JSON with sorted keys: the oci-config.json object.
    std::string runtime_json() const;
};

// Applies ConfigChanges (convert.hpp), with `buildah config` semantics: an --env NAME=VALUE
// replaces an existing NAME or is appended; labels are set; entrypoint/cmd/workdir/author/user
// replace. A usage Error for malformed NAME=VALUE items.
void apply_edits(ImageConfig& config, const ConfigChanges& edits);

// Parses an RFC 3339 time ("2023-11-14T22:13:20.5+01:00") to seconds; nullopt when malformed.
std::optional<std::int64_t> parse_rfc3339(std::string_view text);

}  // namespace sifkit::oci2sif
