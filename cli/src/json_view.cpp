#include "json_view.hpp"

#include <cstdio>

namespace sifkit::cli {
namespace {

std::string link_kind(sif::Link::Kind kind) {
    switch (kind) {
        case sif::Link::Kind::object:
            return "object";
        case sif::Link::Kind::group:
            return "group";
        case sif::Link::Kind::none:
            break;
    }
    return "none";
}

nlohmann::ordered_json fingerprint_json(const sif::SignatureInfo& info) {
    if (!info.has_fingerprint()) {
        return nullptr;
    }
    std::string text;
    char byte[3];
    for (const auto b : info.fingerprint) {
        std::snprintf(byte, sizeof byte, "%02X", static_cast<unsigned>(b));
        text += byte;
    }
    return text;
}

}  // namespace

nlohmann::ordered_json header_json(const sif::Image& image) {
    const sif::Header& h = image.header();
    nlohmann::ordered_json j;
    j["launch_script"] = h.launch_script_text();
    j["version"] = h.version_text();
    j["arch"] = std::string(h.arch.go_name());
    j["arch_code"] = h.arch.code();
    j["id"] = h.id.to_string();
    j["created_at"] = h.created_at;
    j["modified_at"] = h.modified_at;
    j["descriptors_free"] = h.descriptors_free;
    j["descriptors_total"] = h.descriptors_total;
    j["descriptors_offset"] = h.descriptors_offset;
    j["descriptors_size"] = h.descriptors_size;
    j["data_offset"] = h.data_offset;
    j["data_size"] = h.data_size;
    j["file_size"] = image.file_size();
    return j;
}

nlohmann::ordered_json descriptor_json(const sif::Image& image, const sif::Descriptor& d) {
    nlohmann::ordered_json j;
    j["id"] = d.id;
    j["type"] = std::string(sif::token(d.type()));
    j["type_code"] = d.data_type;
    j["type_name"] = std::string(sif::display_name(d.type()));
    j["group"] = d.group();
    j["link"] = {{"kind", link_kind(d.link().kind())}, {"id", d.link().target()}};
    j["offset"] = d.offset;
    j["size"] = d.size;
    j["size_with_padding"] = d.size_with_padding;
    j["created_at"] = d.created_at;
    j["modified_at"] = d.modified_at;
    j["uid"] = d.uid;
    j["gid"] = d.gid;
    j["name"] = d.name_text();
    j["relative_id"] = image.relative_id(d);
    switch (d.type()) {
        case sif::DataType::partition: {
            const auto p = d.partition();
            j["partition"] = {{"fs_type", std::string(sif::token(p.fs_type))},
                              {"fs_type_code", static_cast<std::int32_t>(p.fs_type)},
                              {"part_type", std::string(sif::token(p.part_type))},
                              {"part_type_code", static_cast<std::int32_t>(p.part_type)},
                              {"arch", std::string(p.arch.go_name())},
                              {"arch_code", p.arch.code()}};
            break;
        }
        case sif::DataType::signature: {
            const auto s = d.signature();
            j["signature"] = {{"hash_type", std::string(sif::token(s.hash_type))},
                              {"hash_type_code", static_cast<std::int32_t>(s.hash_type)},
                              {"fingerprint", fingerprint_json(s)}};
            break;
        }
        case sif::DataType::crypto_message: {
            const auto m = d.crypto_message();
            j["crypto_message"] = {
                {"format_type", std::string(sif::token(m.format_type))},
                {"format_type_code", static_cast<std::int32_t>(m.format_type)},
                {"message_type", std::string(sif::token(m.message_type))},
                {"message_type_code", static_cast<std::int32_t>(m.message_type)}};
            break;
        }
        case sif::DataType::sbom: {
            const auto format = d.sbom_format();
            j["sbom"] = {{"format", std::string(sif::display_name(format))},
                         {"format_code", static_cast<std::int32_t>(format)}};
            break;
        }
        case sif::DataType::oci_blob:
        case sif::DataType::oci_root_index:
            j["oci"] = {{"digest", d.oci_digest().value}};
            break;
        default:
            break;
    }
    return j;
}

nlohmann::ordered_json list_json(const sif::Image& image) {
    nlohmann::ordered_json objects = nlohmann::ordered_json::array();
    for (const sif::Descriptor& d : image.objects()) {
        objects.push_back(descriptor_json(image, d));
    }
    nlohmann::ordered_json j;
    j["objects"] = std::move(objects);
    return j;
}

}  // namespace sifkit::cli
