// Running a registry pull with the CLI's options, progress and summary: `sifkit pull`, and
// `convert`/`build` given a docker:// or oras:// source, go through this one path.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "convert_options.hpp"
#include "registry_options.hpp"
#include "sifkit/oci2sif/definition.hpp"

namespace sifkit::cli {

struct PullRequest {
    std::string reference;  // docker://... or oras://...
    std::string output;
    unsigned jobs = 4;  // concurrent blob downloads
    bool no_cache = false;
    std::vector<std::string> verify_keys;
    std::string verify_keys_dir;
    std::vector<std::string> cosign_keys;  // docker:// only: the publisher's cosign keys
    // docker:// only: a certificate whose key signs, trusted when it chains to the roots.
    std::string cosign_certificate;
    std::string cosign_certificate_roots;
    std::string cosign_certificate_intermediates;
    // pull --with-cosign: an OCI-SIF copied as stored, with its cosign signatures.
    bool with_cosign = false;
    ConvertCliOptions convert;
    RegistryCliOptions registry;
    // A definition file with "Bootstrap: docker" being built on the pulled image.
    std::shared_ptr<const oci2sif::Definition> definition;
    // ConvertOptions::before_publish (a definition's %test).
    std::function<void(const std::filesystem::path&)> before_publish;
};

// Pulls, writes `output` whole or not at all, prints the summary (unless --quiet).
void run_pull(const PullRequest& request);

// The registry options pull, convert and build share: -j,--jobs, --no-cache, --cosign-key and
// the client's.
void add_pull_options(CLI::App& command, PullRequest& request);

// Whether `source` names a registry (docker://, oras://).
bool is_registry_reference(std::string_view source) noexcept;

// The file Apptainer writes when `pull` is given no output (its uri.GetName): the last path
// component of the reference, then '_' and the tag ("latest" when there is none), then ".sif":
// docker://host/hpc/small:1.0 -> small_1.0.sif.
std::string default_pull_name(std::string_view reference);

}  // namespace sifkit::cli
