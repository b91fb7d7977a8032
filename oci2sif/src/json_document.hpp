// Reading the JSON documents of an image (index, manifests, configs, docker manifest.json) with
// errors that name the document and the field, and with type checks: a document from an
// untrusted archive may hold anything.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sifkit::oci2sif {

using Json = nlohmann::json;

// Largest JSON document accepted (real manifests and configs are a few KiB).
inline constexpr std::uint64_t kMaxJsonDocument = 16U << 20;

// Parses `text`; an invalid_input Error naming `origin` when it is not a JSON object.
Json parse_json_object(std::string_view text, const std::string& origin);

// Typed field access. A missing optional field gives nullopt/empty; a field of the wrong type is
// an invalid_input Error "ORIGIN: field KEY: expected TYPE".
std::optional<std::string> optional_string(const Json& object, std::string_view key,
                                           const std::string& origin);
std::string required_string(const Json& object, std::string_view key, const std::string& origin);
std::optional<std::uint64_t> optional_size(const Json& object, std::string_view key,
                                           const std::string& origin);
// An array of strings; nullopt when the field is absent or null.
std::optional<std::vector<std::string>> optional_strings(const Json& object, std::string_view key,
                                                         const std::string& origin);
// An object whose values are strings (labels, annotations).
std::map<std::string, std::string> string_map(const Json& object, std::string_view key,
                                              const std::string& origin);
const Json* optional_object(const Json& object, std::string_view key, const std::string& origin);
const Json& required_array(const Json& object, std::string_view key, const std::string& origin);

}  // namespace sifkit::oci2sif
