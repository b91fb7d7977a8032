#include "sifkit/rootfs/inspect.hpp"

#include <nlohmann/json.hpp>

#include "sifkit/rootfs/image_root.hpp"
#include "sifkit/rootfs/oci_sif.hpp"
#include "sifkit/sif/error.hpp"

namespace sifkit::rootfs {
namespace {

using Json = nlohmann::json;

// Metadata files are scripts and small JSON documents.
constexpr std::uint64_t kMaxMetadataFile = 4U << 20;

// Environment scripts the runtime writes for every image and that say nothing about this one.
bool is_boilerplate_env(const std::string& name) {
    return name == "01-base.sh" || name == "95-apps.sh" || name == "99-base.sh" ||
           name == "99-runtimevars.sh";
}

std::optional<std::string> read_if_file(const SquashfsImage& fs, const std::string& path) {
    try {
        const FileInfo info = fs.stat(path, true);
        if (info.type != FileType::regular) {
            return std::nullopt;
        }
        return fs.read_all(info, kMaxMetadataFile);
    } catch (const Error& e) {
        if (e.kind() == ErrorKind::not_found) {
            return std::nullopt;
        }
        throw;
    }
}

std::string object_text(const sif::Image& image, const sif::Descriptor& d) {
    if (static_cast<std::uint64_t>(d.size) > kMaxMetadataFile) {
        throw Error(ErrorKind::invalid_input,
                    "object " + std::to_string(d.id) + " is too large to show", image.name());
    }
    std::string text(static_cast<std::size_t>(d.size), '\0');
    image.read(d, 0, std::as_writable_bytes(std::span<char>(text.data(), text.size())));
    return text;
}

void read_sif_objects(const sif::Image& image, ImageMetadata& out) {
    for (const sif::Descriptor& d : image.objects()) {
        switch (d.type()) {
            case sif::DataType::partition: {
                const sif::PartitionInfo p = d.partition();
                out.partitions.push_back(
                    {d.id, std::string(sif::token(p.fs_type)), std::string(sif::token(p.part_type)),
                     std::string(p.arch.go_name()), static_cast<std::uint64_t>(d.size)});
                break;
            }
            case sif::DataType::signature: {
                const sif::SignatureInfo s = d.signature();
                SignatureSummary summary;
                summary.id = d.id;
                const sif::Link link = d.link();
                summary.link = link.kind() == sif::Link::Kind::group
                                   ? "group " + std::to_string(link.target())
                               : link.kind() == sif::Link::Kind::object
                                   ? "object " + std::to_string(link.target())
                                   : "none";
                summary.hash = std::string(sif::token(s.hash_type));
                if (s.has_fingerprint()) {
                    static constexpr char kHex[] = "0123456789ABCDEF";
                    for (const std::uint8_t byte : s.fingerprint) {
                        summary.fingerprint += kHex[byte >> 4];
                        summary.fingerprint += kHex[byte & 0x0F];
                    }
                }
                out.signatures.push_back(std::move(summary));
                break;
            }
            case sif::DataType::deffile:
                if (!out.deffile) {
                    out.deffile = object_text(image, d);
                }
                break;
            case sif::DataType::generic_json:
                if (d.name_text() == "oci-config.json" && !out.config) {
                    out.config = object_text(image, d);
                }
                break;
            default:
                break;
        }
    }
}

void read_oci_config(const sif::Image& image, ImageMetadata& out) {
    const OciSifImage oci = read_oci_sif(image);
    const Json config = Json::parse(oci.config_json, nullptr, false);
    const Json runtime =
        config.is_object() && config.contains("config") && config["config"].is_object()
            ? config["config"]
            : Json::object();
    out.config = runtime.dump();
    if (config.is_object() && config.contains("architecture") &&
        config["architecture"].is_string()) {
        out.architecture = config["architecture"].get<std::string>();
    }
    if (runtime.contains("Labels") && runtime["Labels"].is_object()) {
        out.labels = parse_labels(runtime["Labels"].dump(), image.name());
    }
    if (runtime.contains("Env") && runtime["Env"].is_array()) {
        std::string env;
        for (const Json& item : runtime["Env"]) {
            if (item.is_string()) {
                env += item.get<std::string>() + "\n";
            }
        }
        out.environment.emplace_back("config Env", env);
    }
}

void read_runtime_files(const SquashfsImage& fs, ImageMetadata& out) {
    if (const auto labels = read_if_file(fs, "/.singularity.d/labels.json")) {
        out.labels = parse_labels(*labels, fs.origin() + ":/.singularity.d/labels.json");
    }
    try {
        const FileInfo env_dir = fs.stat("/.singularity.d/env", true);
        if (env_dir.type == FileType::directory) {
            for (const FileInfo& item : fs.list("/.singularity.d/env")) {
                if (item.type != FileType::regular || is_boilerplate_env(item.name)) {
                    continue;
                }
                out.environment.emplace_back(item.path, fs.read_all(item, kMaxMetadataFile));
            }
        }
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::not_found) {
            throw;
        }
    }
    out.runscript = read_if_file(fs, "/.singularity.d/runscript");
    out.startscript = read_if_file(fs, "/.singularity.d/startscript");
    out.test = read_if_file(fs, "/.singularity.d/test");
    out.help = read_if_file(fs, "/.singularity.d/runscript.help");
    if (!out.deffile) {
        out.deffile = read_if_file(fs, "/.singularity.d/Singularity");
    }
}

}  // namespace

std::map<std::string, std::string> parse_labels(const std::string& text,
                                                const std::string& origin) {
    const Json value = Json::parse(text, nullptr, false);
    if (value.is_discarded() || !value.is_object()) {
        throw Error(ErrorKind::invalid_input, "labels are not a JSON object", origin);
    }
    std::map<std::string, std::string> out;
    for (const auto& [key, item] : value.items()) {
        out[key] = item.is_string() ? item.get<std::string>() : item.dump();
    }
    return out;
}

ImageMetadata read_metadata(const sif::Image& image) {
    ImageMetadata out;
    out.format = is_oci_sif(image) ? "oci-sif" : "sif";
    out.architecture = std::string(image.header().arch.go_name());
    read_sif_objects(image, out);
    if (out.format == "oci-sif") {
        read_oci_config(image, out);
        return out;
    }
    const sif::Descriptor* primary = image.primary_partition();
    if (primary == nullptr || primary->partition().fs_type != sif::FsType::squashfs) {
        return out;
    }
    read_runtime_files(open_root(image), out);
    return out;
}

}  // namespace sifkit::rootfs
