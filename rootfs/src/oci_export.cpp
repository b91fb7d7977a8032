// export_oci: blobs are written into a staging directory (the layout itself, or the members of
// the archive to be), digested, and then renamed into place or packed into the archive.
#include "sifkit/rootfs/oci_export.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "archive_packer.hpp"
#include "sifkit/oci/image_layout.hpp"
#include "sifkit/oci/media_types.hpp"
#include "sifkit/rootfs/image_root.hpp"
#include "sifkit/rootfs/inspect.hpp"
#include "sifkit/rootfs/oci_sif.hpp"
#include "sifkit/rootfs/unpack.hpp"
#include "sifkit/sif/atomic_file.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/sha256.hpp"
#include "sifkit/sif/time_text.hpp"
#include "staging.hpp"

namespace sifkit::rootfs {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace media = oci::media;

struct Blob {
    std::string digest;
    std::uint64_t size = 0;
    std::string media_type;
};

// Writes a document into blobs/sha256 of `root`; returns its descriptor.
Blob put_document(const fs::path& root, const std::string& text, std::string_view media_type) {
    Blob blob{sif::sha256_digest(text), text.size(), std::string(media_type)};
    const fs::path path = root / oci::layout_blob_path(blob.digest);
    if (!fs::exists(path)) {
        write_whole_file(path, text);
    }
    return blob;
}

Json descriptor_json(const Blob& blob) {
    return Json{{"mediaType", blob.media_type}, {"digest", blob.digest}, {"size", blob.size}};
}

std::string default_name(const sif::Image& image) {
    std::string stem = fs::path(image.name()).stem().string();
    std::string out;
    for (const char c : stem) {
        const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        out += (std::isalnum(static_cast<unsigned char>(lower)) != 0 || lower == '.' ||
                lower == '_' || lower == '-')
                   ? lower
                   : '-';
    }
    while (!out.empty() && !std::isalnum(static_cast<unsigned char>(out.front()))) {
        out.erase(out.begin());
    }
    return out.empty() ? "sifkit-export" : out;
}

// The image config of a native SIF: the runtime section and the SIF's architecture and time.
std::string native_config(const sif::Image& image, const SquashfsImage& root,
                          const std::string& diff_id) {
    const ImageMetadata metadata = read_metadata(image);
    Json runtime;
    if (metadata.config) {
        runtime = Json::parse(*metadata.config, nullptr, false);
        if (runtime.is_discarded() || !runtime.is_object()) {
            throw Error(ErrorKind::invalid_input, "oci-config.json is not a JSON object",
                        image.name());
        }
    } else {
        std::string env;
        for (const auto& [path, content] : metadata.environment) {
            env += content + "\n";
        }
        std::string labels = "{}";
        try {
            const FileInfo info = root.stat("/.singularity.d/labels.json", true);
            labels = root.read_all(info, 4U << 20);
        } catch (const Error& e) {
            if (e.kind() != ErrorKind::not_found) {
                throw;
            }
        }
        runtime = Json::parse(runtime_config_from_scripts(env, metadata.runscript, labels));
    }
    Json config;
    config["architecture"] = root_architecture(image);
    config["os"] = "linux";
    config["config"] = runtime;
    config["rootfs"] = Json{{"type", "layers"}, {"diff_ids", Json::array({diff_id})}};
    Json history{{"created_by", "sifkit export"}};
    const std::int64_t created = image.header().created_at;
    if (created != sif::kUnsetTime) {
        config["created"] = sif::utc_rfc3339(created);
        history["created"] = sif::utc_rfc3339(created);
    }
    config["history"] = Json::array({history});
    return config.dump(-1, ' ', false, Json::error_handler_t::replace);
}

struct BuiltImage {
    Blob manifest;
    Blob config;
    std::vector<Blob> layers;
    std::string architecture;
    std::uint64_t bytes = 0;
};

// Copies the OCI-SIF's own blobs (manifest, config, layers) into `root`.
BuiltImage copy_oci_sif(const sif::Image& image, const fs::path& root) {
    const OciSifImage oci = read_oci_sif(image);
    BuiltImage out;
    out.manifest = {oci.manifest.digest, oci.manifest.size, std::string(media::kOciManifest)};
    out.config = {oci.config.digest, oci.config.size, oci.config.media_type};
    out.architecture = root_architecture(image);
    std::vector<OciBlob> all = oci.layers;
    all.push_back(oci.config);
    all.push_back(oci.manifest);
    for (const OciBlob& blob : all) {
        const fs::path path = root / oci::layout_blob_path(blob.digest);
        if (fs::exists(path)) {
            continue;
        }
        sif::AtomicFile file(path, sif::AtomicFile::Overwrite::refuse);
        image.copy_to_fd(image.object(blob.object), file.fd(), path.string());
        file.commit();
        out.bytes += blob.size;
    }
    for (const OciBlob& layer : oci.layers) {
        out.layers.push_back({layer.digest, layer.size, layer.media_type});
    }
    return out;
}

// Writes the root file system as one tar layer plus config and manifest into `root`.
BuiltImage build_native(const sif::Image& image, const fs::path& root, bool keep_metadata) {
    const SquashfsImage fs = open_root(image);
    const fs::path staged = root / "blobs" / "sha256" / ".layer.tar";
    {
        sif::AtomicFile file(staged, sif::AtomicFile::Overwrite::replace);
        PathFilter filter;
        if (!keep_metadata) {
            filter = [](const FileInfo& info) { return !is_singularity_metadata(info); };
        }
        write_tar(fs, file.fd(), staged.string(), filter);
        file.commit();
    }
    const auto [digest, size] = digest_file(staged);
    fs::rename(staged, root / oci::layout_blob_path(digest));
    BuiltImage out;
    out.layers.push_back({digest, size, std::string(media::kOciLayerTar)});
    const std::string config = native_config(image, fs, digest);
    out.config = put_document(root, config, media::kOciConfig);
    out.architecture = root_architecture(image);
    Json manifest{{"schemaVersion", 2},
                  {"mediaType", media::kOciManifest},
                  {"config", descriptor_json(out.config)},
                  {"layers", Json::array({descriptor_json(out.layers.front())})}};
    out.manifest = put_document(root, manifest.dump(), media::kOciManifest);
    out.bytes = size + out.config.size + out.manifest.size;
    return out;
}

void write_layout_files(const fs::path& root, const BuiltImage& built, const std::string& tag) {
    Json entry = descriptor_json(built.manifest);
    entry["annotations"] = Json{{media::kRefNameAnnotation, tag}};
    if (!built.architecture.empty()) {
        entry["platform"] = Json{{"architecture", built.architecture}, {"os", "linux"}};
    }
    const Json index{
        {"schemaVersion", 2}, {"mediaType", media::kOciIndex}, {"manifests", Json::array({entry})}};
    write_whole_file(root / "index.json", index.dump());
    write_whole_file(root / oci::kLayoutMarkerFile, oci::kLayoutMarker);
}

}  // namespace

std::string runtime_config_from_scripts(const std::string& env_scripts,
                                        const std::optional<std::string>& runscript,
                                        const std::string& labels_json) {
    Json runtime = Json::object();
    static const std::regex assignment(R"(^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*?)\s*$)");
    std::vector<std::string> env;
    std::istringstream lines(env_scripts);
    std::string line;
    while (std::getline(lines, line)) {
        std::smatch match;
        if (!std::regex_match(line, match, assignment)) {
            continue;
        }
        std::string value = match[2].str();
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
            value.back() == value.front()) {
            value = value.substr(1, value.size() - 2);
        } else if (value.find_first_of("\"'$`;&|") != std::string::npos) {
            continue;  // shell beyond a plain assignment: not something a config can hold
        }
        const std::string name = match[1].str();
        const std::string item = name + "=" + value;
        const auto same = std::find_if(env.begin(), env.end(), [&](const std::string& e) {
            return e.compare(0, name.size() + 1, name + "=") == 0;
        });
        if (same != env.end()) {
            *same = item;
        } else {
            env.push_back(item);
        }
    }
    if (!env.empty()) {
        runtime["Env"] = env;
    }
    if (runscript) {
        runtime["Entrypoint"] = Json::array({"/bin/sh", "-c", *runscript, "runscript"});
    }
    const std::map<std::string, std::string> labels = parse_labels(labels_json, "labels.json");
    if (!labels.empty()) {
        runtime["Labels"] = labels;
    }
    return runtime.dump();
}

OciExportResult export_oci(const sif::Image& image, const fs::path& destination,
                           const OciExportOptions& options) {
    const bool as_is = is_oci_sif(image) && options.format != OciFormat::docker_archive;
    if (options.format == OciFormat::layout) {
        StagingDirectory staging(destination, options.overwrite);
        fs::create_directories(staging.path() / "blobs" / "sha256");
        const BuiltImage built =
            as_is ? copy_oci_sif(image, staging.path())
                  : build_native(image, staging.path(), options.keep_singularity_metadata);
        write_layout_files(staging.path(), built, options.tag.empty() ? "latest" : options.tag);
        const auto left = staging.commit();
        return {built.manifest.digest, built.config.digest, built.layers.size(), built.bytes,
                left ? left->string() : std::string()};
    }
    // Archives: the members are staged in a directory next to the archive, packed, removed.
    sif::AtomicFile archive(destination, options.overwrite ? sif::AtomicFile::Overwrite::replace
                                                           : sif::AtomicFile::Overwrite::refuse);
    const fs::path members_at = destination.string() + ".members";
    StagingDirectory members(members_at, true);
    fs::create_directories(members.path() / "blobs" / "sha256");
    BuiltImage built;
    if (is_oci_sif(image) && options.format == OciFormat::docker_archive) {
        built = build_native(image, members.path(), options.keep_singularity_metadata);
    } else {
        built = as_is ? copy_oci_sif(image, members.path())
                      : build_native(image, members.path(), options.keep_singularity_metadata);
    }
    const std::int64_t created = image.header().created_at;
    ArchivePacker packer(archive.fd(), destination.string(),
                         created == sif::kUnsetTime ? 0 : created);
    if (options.format == OciFormat::oci_archive) {
        write_layout_files(members.path(), built, options.tag.empty() ? "latest" : options.tag);
        packer.add_file(std::string(oci::kLayoutMarkerFile),
                        members.path() / oci::kLayoutMarkerFile);
        packer.add_file("index.json", members.path() / "index.json");
        packer.add_directory("blobs/");
        packer.add_directory("blobs/sha256/");
        std::vector<std::string> names;
        for (const auto& item : fs::directory_iterator(members.path() / "blobs" / "sha256")) {
            names.push_back(item.path().filename().string());
        }
        std::sort(names.begin(), names.end());
        for (const std::string& name : names) {
            packer.add_file("blobs/sha256/" + name, members.path() / "blobs" / "sha256" / name);
        }
    } else {
        const std::string tag =
            options.tag.empty() ? "localhost/" + default_name(image) + ":latest" : options.tag;
        const std::string config_name = sif::sha256_hex(built.config.digest) + ".json";
        const std::string layer_name = sif::sha256_hex(built.layers.front().digest) + "/layer.tar";
        const Json manifest = Json::array({Json{{"Config", config_name},
                                                {"RepoTags", Json::array({tag})},
                                                {"Layers", Json::array({layer_name})}}});
        write_whole_file(members.path() / "manifest.json", manifest.dump());
        packer.add_file("manifest.json", members.path() / "manifest.json");
        packer.add_file(config_name, members.path() / oci::layout_blob_path(built.config.digest));
        packer.add_directory(sif::sha256_hex(built.layers.front().digest) + "/");
        packer.add_file(layer_name,
                        members.path() / oci::layout_blob_path(built.layers.front().digest));
    }
    packer.finish();
    archive.commit();
    return {built.manifest.digest, built.config.digest, built.layers.size(), built.bytes, {}};
}

}  // namespace sifkit::rootfs
