#include "document_store.hpp"

#include <nlohmann/json.hpp>

#include "sifkit/oci/media_types.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/source.hpp"

namespace sifkit::registry {
namespace {

constexpr std::size_t kMaxDocument = 16 << 20;

// "blobs/sha256/<hex>" -> "sha256:<hex>", empty for anything else.
std::string digest_of(std::string_view path) {
    constexpr std::string_view prefix = "blobs/sha256/";
    if (path.substr(0, prefix.size()) != prefix) {
        return "";
    }
    return "sha256:" + std::string(path.substr(prefix.size()));
}

}  // namespace

DocumentStore::DocumentStore(Client& client, ManifestDocument top, std::string name)
    : client_(client), name_(std::move(name)) {
    std::string media_type = top.media_type;
    const auto json = nlohmann::json::parse(top.body, nullptr, false);
    // Old registries answer application/json: the document says what it is.
    if (json.is_object() && json.contains("mediaType") && json["mediaType"].is_string()) {
        media_type = json["mediaType"].get<std::string>();
    }
    learn(top.body);
    manifests_.insert(top.digest);
    nlohmann::ordered_json index;
    index["schemaVersion"] = 2;
    index["mediaType"] = oci::media::kOciIndex;
    index["manifests"] = nlohmann::ordered_json::array(
        {{{"mediaType", media_type}, {"digest", top.digest}, {"size", top.body.size()}}});
    documents_["index.json"] = index.dump();
    documents_[top.digest] = std::move(top.body);
}

void DocumentStore::learn(const std::string& body) const {
    const auto json = nlohmann::json::parse(body, nullptr, false);
    if (!json.is_object()) {
        return;  // resolving reports it
    }
    const auto note = [this](const nlohmann::json& d, std::set<std::string>* kind) {
        if (d.is_object() && d.contains("digest") && d["digest"].is_string() &&
            d.contains("size") && d["size"].is_number_unsigned()) {
            const auto digest = d["digest"].get<std::string>();
            sizes_[digest] = d["size"].get<std::uint64_t>();
            if (kind != nullptr) {
                kind->insert(digest);
            }
        }
    };
    if (const auto it = json.find("manifests"); it != json.end() && it->is_array()) {
        for (const auto& entry : *it) {
            note(entry, &manifests_);
        }
    }
    if (const auto it = json.find("config"); it != json.end()) {
        note(*it, &configs_);
    }
    if (const auto it = json.find("layers"); it != json.end() && it->is_array()) {
        for (const auto& entry : *it) {
            note(entry, nullptr);
        }
    }
}

const std::string* DocumentStore::fetch(const std::string& digest) const {
    if (const auto it = documents_.find(digest); it != documents_.end()) {
        return &it->second;
    }
    std::string body;
    if (manifests_.count(digest) != 0) {
        body = client_.get_manifest(digest, kMaxDocument).body;
        learn(body);
    } else if (configs_.count(digest) != 0) {
        if (sizes_.at(digest) > kMaxDocument) {
            throw Error(ErrorKind::invalid_input,
                        "config of " + std::to_string(sizes_.at(digest)) + " bytes is too large",
                        name_ + "@" + digest);
        }
        client_.fetch_blob(digest, 0, [&body](std::span<const std::byte> data) {
            body.append(reinterpret_cast<const char*>(data.data()), data.size());
        });
    } else {
        return nullptr;  // a layer: never downloaded here
    }
    return &documents_.emplace(digest, std::move(body)).first->second;
}

std::optional<std::uint64_t> DocumentStore::size_of(std::string_view path) const {
    if (path == "index.json") {
        return documents_.at("index.json").size();
    }
    const std::string digest = digest_of(path);
    if (const auto it = documents_.find(digest); it != documents_.end()) {
        return it->second.size();
    }
    if (const auto it = sizes_.find(digest); it != sizes_.end()) {
        return it->second;
    }
    return std::nullopt;
}

std::unique_ptr<sif::ByteSource> DocumentStore::open(std::string_view path) const {
    const std::string key = path == "index.json" ? std::string(path) : digest_of(path);
    const std::string* body =
        key == "index.json" ? &documents_.at(key) : (key.empty() ? nullptr : fetch(key));
    if (body == nullptr) {
        throw Error(ErrorKind::not_found, "not fetched for inspection", describe(path));
    }
    return std::make_unique<sif::MemorySource>(std::string_view(*body), describe(path));
}

}  // namespace sifkit::registry
