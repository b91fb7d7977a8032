#include "registry_store.hpp"

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "sifkit/oci/media_types.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/sha256.hpp"

namespace sifkit::registry {
namespace {

constexpr std::string_view kBlobPrefix = "blobs/sha256/";
constexpr std::size_t kMaxDocument = 16 << 20;

std::optional<std::string> digest_of_path(std::string_view path) {
    const auto clean = oci2sif::normalize_store_path(path);
    if (!clean || clean->rfind(kBlobPrefix, 0) != 0) {
        return std::nullopt;
    }
    std::string digest = "sha256:" + clean->substr(kBlobPrefix.size());
    if (!sif::is_sha256_digest(digest)) {
        return std::nullopt;
    }
    return digest;
}

bool is_known_manifest_type(std::string_view type) {
    return oci::media::is_image_index(type) || oci::media::is_image_manifest(type);
}

// A small cached document, when it is there and still has its digest.
std::optional<std::string> read_cached(const BlobCache& cache, const std::string& digest) {
    const int fd = cache.open_blob(digest);
    if (fd < 0) {
        return std::nullopt;
    }
    std::string text;
    char buffer[65536];
    while (text.size() <= kMaxDocument) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n <= 0) {
            break;
        }
        text.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    if (sif::sha256_digest(text) != digest) {
        return std::nullopt;  // damaged: fetch it again
    }
    return text;
}

}  // namespace

RegistryStore::RegistryStore(Client& client, BlobFetcher& fetcher, const BlobCache* cache,
                             const Reference& reference)
    : client_(client),
      fetcher_(fetcher),
      cache_(cache),
      name_(reference.to_string()),
      origin_(name_.substr(0, name_.find("://") + 3) + reference.registry + "/" +
              reference.repository) {
    ManifestDocument doc;
    std::optional<std::string> cached;
    if (!reference.digest.empty() && cache_ != nullptr) {
        cached = read_cached(*cache_, reference.digest);
    }
    if (cached) {
        doc.body = std::move(*cached);
        doc.digest = reference.digest;
    } else {
        doc = client_.get_manifest(reference.manifest_reference(), kMaxDocument);
        if (cache_ != nullptr) {
            cache_->put(doc.digest, doc.body);
        }
    }
    std::string media_type = doc.media_type;
    if (!is_known_manifest_type(media_type)) {
        // Old registries answer application/json: the document says what it is.
        const auto json = nlohmann::json::parse(doc.body, nullptr, false);
        if (json.is_object() && json.contains("mediaType") && json["mediaType"].is_string()) {
            media_type = json["mediaType"].get<std::string>();
        }
    }
    top_digest_ = doc.digest;
    manifests_.insert(doc.digest);
    learn(doc.digest, doc.body);
    const std::size_t size = doc.body.size();
    documents_[doc.digest] = std::move(doc.body);
    nlohmann::ordered_json index;
    index["schemaVersion"] = 2;
    index["mediaType"] = oci::media::kOciIndex;
    index["manifests"] = nlohmann::ordered_json::array(
        {{{"mediaType", media_type}, {"digest", top_digest_}, {"size", size}}});
    documents_["index.json"] = index.dump();
}

void RegistryStore::learn(const std::string& digest, const std::string& body) const {
    const auto json = nlohmann::json::parse(body, nullptr, false);
    if (!json.is_object()) {
        return;  // the converter reports it
    }
    if (const auto it = json.find("manifests"); it != json.end() && it->is_array()) {
        for (const auto& entry : *it) {
            if (entry.is_object() && entry.contains("digest") && entry["digest"].is_string()) {
                manifests_.insert(entry["digest"].get<std::string>());
            }
        }
        return;
    }
    const auto config = json.find("config");
    const auto layers = json.find("layers");
    if (config == json.end() || !config->is_object() || layers == json.end() ||
        !layers->is_array()) {
        return;
    }
    image_manifest_ = digest;
    const auto descriptor = [](const nlohmann::json& d) -> std::optional<BlobWanted> {
        if (!d.is_object() || !d.contains("digest") || !d["digest"].is_string() ||
            !sif::is_sha256_digest(d["digest"].get<std::string>())) {
            return std::nullopt;
        }
        BlobWanted wanted{d["digest"].get<std::string>(), std::nullopt};
        if (d.contains("size") && d["size"].is_number_unsigned()) {
            wanted.size = d["size"].get<std::uint64_t>();
        }
        return wanted;
    };
    std::vector<BlobWanted> wanted;
    if (auto c = descriptor(*config)) {
        wanted.push_back(*c);
    }
    // Layers only for container images (not, say, a SIF artifact pulled by mistake): the
    // converter reads them from the top down.
    const std::string config_type = config->value("mediaType", std::string());
    image_is_sif_artifact_ = config_type == oci::media::kSifConfig;
    if (config_type == oci::media::kOciConfig || config_type == oci::media::kDockerConfig) {
        for (auto it = layers->rbegin(); it != layers->rend(); ++it) {
            if (auto l = descriptor(*it)) {
                wanted.push_back(*l);
            }
        }
    }
    fetcher_.want(wanted);
}

const std::string* RegistryStore::document(const std::string& digest) const {
    if (const auto it = documents_.find(digest); it != documents_.end()) {
        return &it->second;
    }
    if (manifests_.count(digest) == 0) {
        return nullptr;
    }
    std::optional<std::string> body;
    if (cache_ != nullptr) {
        body = read_cached(*cache_, digest);
    }
    if (!body) {
        body = client_.get_manifest(digest, kMaxDocument).body;
        if (cache_ != nullptr) {
            cache_->put(digest, *body);
        }
    }
    learn(digest, *body);
    return &(documents_[digest] = std::move(*body));
}

std::optional<std::uint64_t> RegistryStore::size_of(std::string_view path) const {
    std::lock_guard lock(mutex_);
    if (path == "index.json") {
        return documents_.at("index.json").size();
    }
    const auto digest = digest_of_path(path);
    if (!digest) {
        return std::nullopt;
    }
    if (const std::string* doc = document(*digest)) {
        return doc->size();
    }
    return fetcher_.size_of(*digest);
}

std::unique_ptr<sif::ByteSource> RegistryStore::open(std::string_view path) const {
    std::lock_guard lock(mutex_);
    if (path == "index.json") {
        return std::make_unique<sif::MemorySource>(std::string_view(documents_.at("index.json")),
                                                   describe(path));
    }
    const auto digest = digest_of_path(path);
    if (!digest) {
        throw Error(ErrorKind::not_found, "no such file in the image", describe(path));
    }
    if (const std::string* doc = document(*digest)) {
        return std::make_unique<sif::MemorySource>(std::string_view(*doc), describe(path));
    }
    if (!fetcher_.size_of(*digest)) {
        throw Error(ErrorKind::not_found, "no such blob in the image", describe(path));
    }
    return fetcher_.open(*digest);
}

std::string RegistryStore::describe(std::string_view path) const {
    const auto digest = digest_of_path(path);
    if (!digest) {
        return name_ + " (" + std::string(path) + ")";
    }
    if (*digest == top_digest_) {
        return name_;
    }
    return origin_ + "@" + *digest;
}

std::string RegistryStore::image_manifest_digest() const {
    std::lock_guard lock(mutex_);
    return image_manifest_;
}

bool RegistryStore::image_is_sif_artifact() const {
    std::lock_guard lock(mutex_);
    return image_is_sif_artifact_;
}

}  // namespace sifkit::registry
