#include "source_inspect.hpp"

#include <optional>
#include <sstream>

#include "json_view.hpp"
#include "output.hpp"
#include "partial_storage.hpp"
#include "progress_bar.hpp"
#include "registry_pull.hpp"
#include "sifkit/registry/inspect.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/image.hpp"
#include "sifkit/sif/text.hpp"
#include "siftool_text.hpp"
#include "source_arguments.hpp"

namespace sifkit::cli {
namespace {

using OJson = nlohmann::ordered_json;

const OJson* member(const OJson& object, const char* key) {
    if (!object.is_object() || !object.contains(key)) {
        return nullptr;
    }
    const OJson& value = object.at(key);
    return value.is_null() ? nullptr : &value;
}

std::string string_member(const OJson& object, const char* key) {
    const OJson* value = member(object, key);
    return value != nullptr && value->is_string() ? value->get<std::string>() : "";
}

// docker-archive:FILE:REPO:TAG has a registry name, as skopeo reports it (docker.io/... for a
// name without a host); the file alone has none.
std::string archive_name(const std::string& named_tag) {
    if (named_tag.empty()) {
        return "";
    }
    const auto ref = registry::Reference::parse("docker://" + named_tag);
    return ref.registry + "/" + ref.repository;
}

// skopeo parses Created and prints it back as Go's RFC 3339 with nanoseconds does: trailing zeros
// of the fraction dropped, a zero offset written "Z". The same here, so that the strings compare.
std::string go_time_text(std::string text) {
    if (text.size() >= 6) {
        const std::string zone = text.substr(text.size() - 6);
        if (zone == "+00:00" || zone == "-00:00") {
            text.replace(text.size() - 6, 6, "Z");
        }
    }
    const auto dot = text.find('.');
    if (dot != std::string::npos) {
        auto end = dot + 1;
        while (end < text.size() && text[end] >= '0' && text[end] <= '9') {
            ++end;
        }
        auto last = end;
        while (last > dot + 1 && text[last - 1] == '0') {
            --last;
        }
        text.erase(last == dot + 1 ? dot : last, end - (last == dot + 1 ? dot : last));
    }
    return text;
}

void print_text(const OJson& fields, const oci2sif::SourceDocuments& d) {
    std::string out;
    const auto line = [&out](const std::string& key, const std::string& value) {
        out += key + std::string(key.size() < 14 ? 14 - key.size() : 1, ' ') + value + "\n";
    };
    if (fields.contains("Name")) {
        line("Name:", fields["Name"].get<std::string>());
    }
    line("Digest:", fields["Digest"].get<std::string>());
    if (d.manifest_digest != d.raw_digest) {
        line("Manifest:", d.manifest_digest + " (chosen from the index)");
    }
    if (!d.platforms.empty()) {
        line("Platforms:", sif::join(d.platforms));
    }
    std::string tags;
    for (const auto& t : fields["RepoTags"]) {
        tags += (tags.empty() ? "" : ", ") + t.get<std::string>();
    }
    if (!tags.empty()) {
        line("Tags:", tags);
    }
    line("Created:", fields["Created"].is_null() ? "-" : fields["Created"].get<std::string>());
    std::string platform =
        fields["Os"].get<std::string>() + "/" + fields["Architecture"].get<std::string>();
    if (fields.contains("Variant")) {
        platform += "/" + fields["Variant"].get<std::string>();
    }
    line("Platform:", platform);
    if (!fields["DockerVersion"].get<std::string>().empty()) {
        line("Docker:", fields["DockerVersion"].get<std::string>());
    }
    out += "Labels:\n";
    if (fields["Labels"].is_object()) {
        for (const auto& [key, value] : fields["Labels"].items()) {
            out += "  " + key + "=" + value.get<std::string>() + "\n";
        }
    }
    out += "Env:\n";
    if (fields["Env"].is_array()) {
        for (const auto& e : fields["Env"]) {
            out += "  " + e.get<std::string>() + "\n";
        }
    }
    out += "Layers:\n";
    for (const auto& layer : d.layers) {
        out += "  " + layer.digest + "  " + (layer.size ? human_bytes(*layer.size) : "?") + "  " +
               layer.media_type + "\n";
    }
    write_stdout(out);
}

OJson layers_json(const std::vector<oci2sif::LayerDescriptor>& layers) {
    OJson out = OJson::array();
    for (const auto& layer : layers) {
        OJson data;
        data["MIMEType"] = layer.media_type;
        data["Digest"] = layer.digest;
        data["Size"] = layer.size.value_or(0);
        data["Annotations"] = layer.annotations.empty() ? OJson() : OJson(layer.annotations);
        out.push_back(std::move(data));
    }
    return out;
}

// oras://: the artifact's manifest, and with --sif the SIF's header and descriptor table.
void inspect_artifact(const std::string& source, const SourceInspectOptions& options) {
    if (options.config || !options.platform.empty()) {
        throw Error(ErrorKind::usage,
                    "--config and --platform apply to container images, not to SIF artifacts",
                    source);
    }
    const auto ref = registry::Reference::parse(source);
    const auto artifact =
        registry::inspect_artifact(ref, options.registry.resolve(), options.sif && !options.raw);
    if (options.raw) {
        write_stdout(artifact.manifest.body);
        return;
    }
    std::optional<sif::Image> image;
    if (options.sif) {
        auto storage = std::make_unique<PartialStorage>(source, artifact.sif_size);
        storage->add(0, artifact.sif_header);
        storage->add(artifact.sif_descriptors_offset, artifact.sif_descriptors);
        image.emplace(sif::Image::open(std::move(storage), sif::OpenMode::read_only));
    }
    if (options.json) {
        OJson out;
        out["Name"] = artifact.name;
        out["Digest"] = artifact.manifest.digest;
        out["MediaType"] = artifact.media_type;
        out["ArtifactType"] = artifact.artifact_type;
        out["Size"] = artifact.manifest.body.size();
        out["Annotations"] = artifact.annotations.empty() ? OJson() : OJson(artifact.annotations);
        out["Layers"] = layers_json(artifact.layers);
        if (image) {
            out["SIF"] = {{"header", header_json(*image)}, {"descriptors", list_json(*image)}};
        }
        write_stdout(out.dump(4, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
        return;
    }
    std::string text = "Name:         " + artifact.name +
                       "\nDigest:       " + artifact.manifest.digest +
                       "\nMediaType:    " + artifact.media_type +
                       "\nArtifactType: " + artifact.artifact_type + "\nAnnotations:\n";
    for (const auto& [key, value] : artifact.annotations) {
        text += "  " + key + "=" + value + "\n";
    }
    text += "Layers:\n";
    for (const auto& layer : artifact.layers) {
        text += "  " + layer.digest + "  " + (layer.size ? human_bytes(*layer.size) : "?") + "  " +
                layer.media_type + "\n";
        for (const auto& [key, value] : layer.annotations) {
            text += "    " + key + "=" + value + "\n";
        }
    }
    if (image) {
        std::ostringstream out;
        out << "SIF header:\n";
        write_header_text(out, *image);
        out << "SIF descriptors:\n";
        write_list_text(out, *image);
        text += out.str();
    }
    write_stdout(text);
}

}  // namespace

bool is_inspect_source(const std::string& argument) {
    const SourceForm form = source_form(argument);
    return form == SourceForm::registry || form == SourceForm::transport;
}

OJson skopeo_fields(const oci2sif::SourceDocuments& documents, const std::string& name,
                    const std::vector<std::string>& repo_tags) {
    const auto config = OJson::parse(documents.config, nullptr, false);
    const OJson runtime = member(config, "config") != nullptr ? config["config"] : OJson();
    OJson out;
    if (!name.empty()) {
        out["Name"] = name;
    }
    // skopeo's Digest is that of the document the reference names: an index's, for an index.
    out["Digest"] = documents.raw_digest;
    out["RepoTags"] = repo_tags;
    const std::string created = string_member(config, "created");
    out["Created"] = created.empty() ? OJson() : OJson(go_time_text(created));
    out["DockerVersion"] = string_member(config, "docker_version");
    const OJson* labels = member(runtime, "Labels");
    out["Labels"] = labels != nullptr ? *labels : OJson();
    out["Architecture"] = string_member(config, "architecture");
    if (const std::string variant = string_member(config, "variant"); !variant.empty()) {
        out["Variant"] = variant;
    }
    out["Os"] = string_member(config, "os");
    out["Layers"] = OJson::array();
    for (const auto& layer : documents.layers) {
        out["Layers"].push_back(layer.digest);
    }
    out["LayersData"] = layers_json(documents.layers);
    const OJson* env = member(runtime, "Env");
    out["Env"] = env != nullptr ? *env : OJson();
    return out;
}

void run_source_inspect(const std::string& source, const SourceInspectOptions& options) {
    oci2sif::SourceDocuments documents;
    std::string name;
    std::vector<std::string> tags;
    if (source.rfind("oras://", 0) == 0) {
        inspect_artifact(source, options);
        return;
    }
    if (options.sif) {
        throw Error(ErrorKind::usage, "--sif applies to oras:// SIF artifacts", source);
    }
    if (is_registry_reference(source)) {
        const auto ref = registry::Reference::parse(source);
        if (options.raw && !options.config) {
            write_stdout(registry::raw_manifest(ref, options.registry.resolve()).body);
            return;
        }
        // --raw and --config show one document: the tag list would be a wasted request.
        const bool list_tags = !options.no_tags && !options.raw && !options.config;
        auto image =
            registry::inspect_image(ref, options.registry.resolve(), options.platform, list_tags);
        documents = std::move(image.documents);
        name = image.name;
        tags = std::move(image.tags);
    } else {
        documents = oci2sif::inspect_source(source, options.platform);
        name = archive_name(documents.named_tag);
    }
    if (options.config) {
        write_stdout(documents.config);
        return;
    }
    if (options.raw) {
        write_stdout(documents.raw);
        return;
    }
    const OJson fields = skopeo_fields(documents, name, tags);
    if (options.json) {
        // Four-space indentation, as skopeo prints it.
        write_stdout(fields.dump(4, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
        return;
    }
    print_text(fields, documents);
}

}  // namespace sifkit::cli
