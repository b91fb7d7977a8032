// Parsing a source reference and opening it.
#include "image_source.hpp"

#include <sys/stat.h>

#include "sifkit/sif/error.hpp"

namespace sifkit::oci2sif {
namespace {

struct Transport {
    std::string_view prefix;
    ImageSource::Kind kind;
    std::string_view bootstrap;
};

constexpr Transport kTransports[] = {
    {"oci:", ImageSource::Kind::oci_layout, "oci"},
    {"oci-archive:", ImageSource::Kind::oci_archive, "oci-archive"},
    {"docker-archive:", ImageSource::Kind::docker_archive, "docker-archive"},
    {"dir:", ImageSource::Kind::directory, "scratch"},
    {"tar:", ImageSource::Kind::tarball, "scratch"},
};

bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

// Splits "PATH[:REST]". Paths may contain ':' themselves, so the longest prefix that exists on
// disk wins; when none exists, the first ':' separates (and opening reports the missing path).
std::pair<std::string, std::string> split_path(std::string_view text) {
    if (exists(std::string(text))) {
        return {std::string(text), ""};
    }
    for (std::size_t colon = text.rfind(':'); colon != std::string_view::npos && colon > 0;
         colon = text.rfind(':', colon - 1)) {
        const std::string head(text.substr(0, colon));
        if (exists(head)) {
            return {head, std::string(text.substr(colon + 1))};
        }
    }
    const auto colon = text.find(':');
    if (colon == std::string_view::npos) {
        return {std::string(text), ""};
    }
    return {std::string(text.substr(0, colon)), std::string(text.substr(colon + 1))};
}

}  // namespace

ImageSource open_source(std::string_view reference, const SourceOptions& options) {
    const Transport* transport = nullptr;
    for (const auto& t : kTransports) {
        if (reference.substr(0, t.prefix.size()) == t.prefix) {
            transport = &t;
            break;
        }
    }
    if (transport == nullptr) {
        throw Error(ErrorKind::usage,
                    "source \"" + std::string(reference) +
                        "\" names no known transport (oci:, oci-archive:, docker-archive:, "
                        "dir:, tar:)");
    }
    ImageSource source;
    source.kind = transport->kind;
    source.reference = std::string(reference);
    source.bootstrap = std::string(transport->bootstrap);
    const auto rest = reference.substr(transport->prefix.size());
    if (rest.empty()) {
        throw Error(ErrorKind::usage, "source \"" + std::string(reference) + "\" names no path");
    }

    switch (source.kind) {
        case ImageSource::Kind::oci_layout: {
            auto [path, tag] = split_path(rest);
            source.path = path;
            source.tag = tag;
            source.store = open_directory_store(source.path);
            resolve_oci_layout(source, options);
            break;
        }
        case ImageSource::Kind::oci_archive: {
            auto [path, tag] = split_path(rest);
            source.path = path;
            source.tag = tag;
            source.store = open_tar_store(source.path);
            resolve_oci_layout(source, options);
            break;
        }
        case ImageSource::Kind::docker_archive: {
            auto [path, tag] = split_path(rest);
            source.path = path;
            source.tag = tag;
            source.store = open_tar_store(source.path);
            resolve_docker_archive(source);
            break;
        }
        case ImageSource::Kind::scratch:  // not a transport: scratch_source()
        case ImageSource::Kind::directory:
        case ImageSource::Kind::tarball: {
            source.path = std::string(rest);
            if (source.kind == ImageSource::Kind::directory) {
                require_readable_directory(source.path.string());
            }
            if (source.kind == ImageSource::Kind::tarball) {
                require_readable_file(source.path.string());
            }
            source.config =
                ImageConfig::scratch(options.architecture.empty() ? Platform::host().architecture
                                                                  : options.architecture);
            break;
        }
    }
    // Apptainer records the source in the definition file as "bootstrap: X" / "from: Y".
    source.from =
        source.kind == ImageSource::Kind::directory || source.kind == ImageSource::Kind::tarball
            ? ""
            : std::string(rest);
    return source;
}

ImageSource scratch_source(const SourceOptions& options) {
    ImageSource source;
    source.kind = ImageSource::Kind::scratch;
    source.reference = "scratch";
    source.bootstrap = "scratch";
    source.config = ImageConfig::scratch(
        options.architecture.empty() ? Platform::host().architecture : options.architecture);
    return source;
}

ImageSource open_store(std::shared_ptr<const BlobStore> store, const std::string& tag,
                       const std::string& bootstrap, const std::string& from,
                       const SourceOptions& options) {
    ImageSource source;
    source.kind = ImageSource::Kind::oci_layout;
    source.reference = from.empty() ? store->name() : from;
    source.tag = tag;
    source.bootstrap = bootstrap.empty() ? "oci" : bootstrap;
    source.from = from.empty() ? store->name() : from;
    source.store = std::move(store);
    resolve_oci_layout(source, options);
    return source;
}

}  // namespace sifkit::oci2sif
