// Converting an OCI image (or a root file system) into a SIF image that Apptainer and
// SingularityCE run: the layers are merged and written as a squashfs primary partition, without
// extracting anything to disk and without root. See docs/oci2sif.md.
//
// The SIF holds, in object group 1: the definition file Apptainer would have written for the
// source, the image config's "config" section as JSON.Generic "oci-config.json", and the squashfs
// root file system (PrimSys partition, the image's architecture). The squashfs carries the
// /.singularity.d runtime metadata Apptainer adds to images built from OCI sources.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "sifkit/oci2sif/blob_store.hpp"
#include "sifkit/oci2sif/definition.hpp"
#include "sifkit/oci2sif/squashfs_options.hpp"
#include "sifkit/sif/uuid.hpp"

namespace sifkit::oci2sif {

// Edits to the image config on the way, as `buildah config` makes them.
struct ConfigChanges {
    std::vector<std::string> env;     // NAME=VALUE: replaces NAME or is appended
    std::vector<std::string> labels;  // KEY=VALUE
    std::optional<std::vector<std::string>> entrypoint;
    std::optional<std::vector<std::string>> cmd;
    std::optional<std::string> working_dir;
    std::optional<std::string> author;
    std::optional<std::string> user;
};

// What convert writes: a native SIF (definition file, oci-config.json, squashfs primary
// partition with /.singularity.d), or an OCI-SIF as SingularityCE 4 writes it for
// `singularity run --oci` (every OCI blob an OCI.Blob object, the index an OCI.RootIndex, the
// layers as squashfs; docs/oci-sif.md).
enum class OutputFormat { sif, oci_sif };

// The /.singularity.d files of a SIF image that a definition file builds on ("Bootstrap:
// localimage" with a SIF, "Bootstrap: oras"), read by the caller from its unpacked tree, which is
// the conversion's dir: source. As Apptainer's local packer keeps a SIF base's files
// (makeBaseEnv without overwriting), the conversion then changes only what the sections set:
// %environment is appended to the base's 90-environment.sh, %labels are merged into its labels,
// its definition file moves to bootstrap_history/ApptainerN, and every other generated file
// (runscript, actions, env scripts) is written only where the base has none.
struct BaseImageMetadata {
    std::string origin;                      // the base image, for messages
    std::optional<std::string> labels_json;  // its labels.json
    std::optional<std::string> environment;  // its env/90-environment.sh
    std::optional<std::string> deffile;      // its Singularity
    std::size_t history_entries = 0;         // names already in its bootstrap_history
};

// An OCI image layout served by the caller (index.json and blobs/sha256/...) instead of a
// source the converter opens: a registry pull's store. `tag` picks the image (empty: by
// platform); `bootstrap` and `from` are the definition-file header to record ("docker" and
// "registry.example/repo:tag" for a registry pull; empty: "oci" and the store's name).
struct ServedLayout {
    std::shared_ptr<const BlobStore> store;
    std::string tag;
    std::string bootstrap;
    std::string from;
};

struct ConvertOptions {
    OutputFormat format = OutputFormat::sif;
    // OCI-SIF only: one squashfs layer per source layer (whiteouts in overlayfs form) instead
    // of all layers squashed into one.
    bool keep_layers = false;
    // Where the image comes from: a source reference (oci:DIR[:TAG] | oci-archive:FILE[:TAG] |
    // docker-archive:FILE[:REPO:TAG] | dir:ROOTFS | tar:FILE), or a layout the caller serves.
    std::variant<std::string, ServedLayout> source;
    // A definition file being built (sifkit build): recorded instead of the synthesized one,
    // its %files copied in above the image, its sections written into /.singularity.d and
    // /scif (docs/build.md). "Bootstrap: scratch" needs no source. Null: a plain conversion.
    std::shared_ptr<const Definition> definition;
    // With `definition`: the base image is a SIF, unpacked at the dir: `source`.
    std::optional<BaseImageMetadata> base_metadata;
    std::filesystem::path output;
    bool overwrite = false;               // replace an existing output (otherwise refuse)
    std::optional<std::string> platform;  // os/arch[/variant]; nullopt: this machine's
    std::string architecture;             // dir:/tar: sources; empty: this machine's
    SquashfsOptions squashfs;
    ConfigChanges changes;
    std::optional<sif::Uuid> id;  // nullopt: derived from the content
    // Time recorded in the SIF header and descriptors and on generated files; nullopt: the
    // image's creation time, or the unset time when it has none (never "now": same input, same
    // bytes).
    std::optional<std::int64_t> time;
    // Entries read from all layers together, and nodes of the merged tree, at most: the tree's
    // metadata is held in memory (about 200-300 bytes an entry), so an untrusted image must not be
    // able to ask for more than the machine has. Past it: one-line invalid_input error.
    std::uint64_t max_entries = kDefaultMaxEntries;
    static constexpr std::uint64_t kDefaultMaxEntries = 4'000'000;
    // Called with the finished image's temporary path just before it is renamed to `output`
    // (sifkit build runs %test on it); an exception discards it. Empty: nothing.
    std::function<void(const std::filesystem::path& image)> before_publish;
};

// Progress of a conversion, for a progress bar. Called from the converting thread.
class ConvertObserver {
  public:
    virtual ~ConvertObserver() = default;
    // The source is resolved: `layers` layers of `bytes` stored bytes in all (0 when unknown,
    // as for dir: sources) are about to be read.
    virtual void source_resolved(std::size_t layers, std::uint64_t bytes) {
        (void)layers, (void)bytes;
    }
    // Layer `index` (0-based from the top) of `count` starts; `bytes` is its stored size.
    virtual void layer_started(std::size_t index, std::size_t count, const std::string& name,
                               std::uint64_t bytes) {
        (void)index, (void)count, (void)name, (void)bytes;
    }
    // Stored bytes consumed so far, all layers; files written so far.
    virtual void advanced(std::uint64_t bytes_read, std::uint64_t files) {
        (void)bytes_read, (void)files;
    }
    // A phase after the layers ("writing tables", "finishing").
    virtual void phase(const std::string& name) { (void)name; }
    // Something was skipped or adjusted (a socket, an unsafe name, an unsupported xattr).
    virtual void warning(const std::string& message) { (void)message; }
};

struct ConvertResult {
    std::filesystem::path output;
    sif::Uuid id;
    std::string architecture;
    std::size_t layers = 0;
    std::uint64_t entries = 0;  // entries read from all layers
    std::uint64_t files = 0;    // regular files in the image
    std::uint64_t inodes = 0;
    std::uint64_t layers_read_twice = 0;  // for hardlinks whose target an upper layer hides
    std::uint64_t bytes_in = 0;           // stored (compressed) layer bytes read
    std::uint64_t bytes_uncompressed = 0;
    std::uint64_t squashfs_bytes = 0;
    std::uint64_t sif_bytes = 0;
    std::vector<std::string> warnings;
};

// Converts; the output appears complete or not at all. Errors are sifkit::Error with the file
// and the problem (invalid_input for a corrupt source, digest mismatches included).
ConvertResult convert(const ConvertOptions& options, ConvertObserver* observer = nullptr);

}  // namespace sifkit::oci2sif
