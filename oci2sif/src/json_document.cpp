#include "json_document.hpp"

#include "sifkit/sif/error.hpp"

namespace sifkit::oci2sif {
namespace {

[[noreturn]] void wrong_type(std::string_view key, const char* expected,
                             const std::string& origin) {
    throw Error(ErrorKind::invalid_input,
                "field \"" + std::string(key) + "\": expected " + expected, origin);
}

const Json* member(const Json& object, std::string_view key) {
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) {
        return nullptr;
    }
    return &*it;
}

}  // namespace

Json parse_json_object(std::string_view text, const std::string& origin) {
    Json value = Json::parse(text, nullptr, false);
    if (value.is_discarded()) {
        throw Error(ErrorKind::invalid_input, "not valid JSON", origin);
    }
    if (!value.is_object()) {
        throw Error(ErrorKind::invalid_input, "not a JSON object", origin);
    }
    return value;
}

std::optional<std::string> optional_string(const Json& object, std::string_view key,
                                           const std::string& origin) {
    const Json* value = member(object, key);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (!value->is_string()) {
        wrong_type(key, "a string", origin);
    }
    return value->get<std::string>();
}

std::string required_string(const Json& object, std::string_view key, const std::string& origin) {
    auto value = optional_string(object, key, origin);
    if (!value) {
        throw Error(ErrorKind::invalid_input, "field \"" + std::string(key) + "\" is missing",
                    origin);
    }
    return std::move(*value);
}

std::optional<std::uint64_t> optional_size(const Json& object, std::string_view key,
                                           const std::string& origin) {
    const Json* value = member(object, key);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (!value->is_number_unsigned()) {
        if (value->is_number_integer() || value->is_number_float()) {
            wrong_type(key, "a non-negative integer", origin);
        }
        wrong_type(key, "a number", origin);
    }
    return value->get<std::uint64_t>();
}

std::optional<std::vector<std::string>> optional_strings(const Json& object, std::string_view key,
                                                         const std::string& origin) {
    const Json* value = member(object, key);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (!value->is_array()) {
        wrong_type(key, "an array of strings", origin);
    }
    std::vector<std::string> out;
    out.reserve(value->size());
    for (const auto& item : *value) {
        if (!item.is_string()) {
            wrong_type(key, "an array of strings", origin);
        }
        out.push_back(item.get<std::string>());
    }
    return out;
}

std::map<std::string, std::string> string_map(const Json& object, std::string_view key,
                                              const std::string& origin) {
    std::map<std::string, std::string> out;
    const Json* value = member(object, key);
    if (value == nullptr) {
        return out;
    }
    if (!value->is_object()) {
        wrong_type(key, "an object of strings", origin);
    }
    for (const auto& [name, item] : value->items()) {
        if (!item.is_string()) {
            wrong_type(key, "an object of strings", origin);
        }
        out.emplace(name, item.get<std::string>());
    }
    return out;
}

const Json* optional_object(const Json& object, std::string_view key, const std::string& origin) {
    const Json* value = member(object, key);
    if (value != nullptr && !value->is_object()) {
        wrong_type(key, "an object", origin);
    }
    return value;
}

const Json& required_array(const Json& object, std::string_view key, const std::string& origin) {
    const Json* value = member(object, key);
    if (value == nullptr) {
        throw Error(ErrorKind::invalid_input, "field \"" + std::string(key) + "\" is missing",
                    origin);
    }
    if (!value->is_array()) {
        wrong_type(key, "an array", origin);
    }
    return *value;
}

}  // namespace sifkit::oci2sif
