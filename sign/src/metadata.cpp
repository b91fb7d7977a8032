// The signed image metadata document (format §9.2).
#include "sifkit/sign/metadata.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "sifkit/sif/error.hpp"
#include "sifkit/sif/integrity.hpp"

namespace sifkit::sign {

std::string ImageMetadata::to_json() const {
    // Written by hand: the signed bytes must match the reference's encoder exactly.
    std::string json = "{\"version\":" + std::to_string(version) + ",\"header\":{\"digest\":\"" +
                       header_digest.to_string() + "\"},\"objects\":[";
    for (std::size_t i = 0; i < objects.size(); ++i) {
        const ObjectMetadata& o = objects[i];
        if (i > 0) {
            json += ',';
        }
        json += "{\"relativeId\":" + std::to_string(o.relative_id) + ",\"descriptorDigest\":\"" +
                o.descriptor_digest.to_string() + "\",\"objectDigest\":\"" +
                o.object_digest.to_string() + "\"}";
    }
    json += "]}";
    return json;
}

ImageMetadata ImageMetadata::parse(std::string_view text) {
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(text);
        ImageMetadata metadata;
        metadata.version = doc.at("version").get<int>();
        if (metadata.version != 1) {
            throw Error(ErrorKind::unsupported,
                        "image metadata version " + std::to_string(metadata.version));
        }
        metadata.header_digest = Digest::parse(doc.at("header").at("digest").get<std::string>());
        for (const auto& o : doc.at("objects")) {
            metadata.objects.push_back(
                ObjectMetadata{o.at("relativeId").get<std::uint32_t>(),
                               Digest::parse(o.at("descriptorDigest").get<std::string>()),
                               Digest::parse(o.at("objectDigest").get<std::string>())});
        }
        return metadata;
    } catch (const nlohmann::json::exception& e) {
        throw Error(ErrorKind::invalid_input, std::string("malformed image metadata: ") + e.what());
    }
}

ImageMetadata compute_metadata(const sif::Image& image, const std::vector<std::uint32_t>& ids,
                               DigestAlgorithm algorithm) {
    std::vector<std::uint32_t> sorted = ids;
    std::sort(sorted.begin(), sorted.end());
    ImageMetadata metadata;
    const auto header_input = sif::header_digest_input(image.header());
    metadata.header_digest = digest_of(algorithm, header_input);
    for (const std::uint32_t id : sorted) {
        const sif::Descriptor& d = image.object(id);
        const std::uint32_t relative = image.relative_id(d);
        const auto descriptor_input = sif::descriptor_digest_input(d, relative);
        metadata.objects.push_back(ObjectMetadata{relative, digest_of(algorithm, descriptor_input),
                                                  digest_object(image, d, algorithm)});
    }
    return metadata;
}

}  // namespace sifkit::sign
