// `sifkit inspect SOURCE` for image sources (docker://, oci:, oci-archive:, docker-archive:):
// what `skopeo inspect` shows, with its field names, read without downloading a layer; for
// oras:// SIF artifacts, the artifact's manifest and (--sif) the SIF's header and descriptors.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "registry_options.hpp"
#include "sifkit/oci2sif/inspect.hpp"

namespace sifkit::cli {

struct SourceInspectOptions {
    std::string platform;  // os/arch[/variant]; empty: this machine's
    bool raw = false;      // the manifest or index as stored
    bool config = false;   // the config blob as stored
    bool json = false;
    bool no_tags = false;  // docker://: do not list the repository's tags
    bool sif = false;      // oras://: the SIF's header and descriptors (two ranged requests)
    RegistryCliOptions registry;
};

// Whether `inspect` reads `argument` as an image source rather than a SIF file.
bool is_inspect_source(const std::string& argument);

void run_source_inspect(const std::string& source, const SourceInspectOptions& options);

// skopeo's inspect object: Name (when the source has a registry name), Digest, RepoTags,
// Created, DockerVersion, Labels, Architecture, Variant (when set), Os, Layers, LayersData, Env.
nlohmann::ordered_json skopeo_fields(const oci2sif::SourceDocuments& documents,
                                     const std::string& name,
                                     const std::vector<std::string>& repo_tags);

}  // namespace sifkit::cli
