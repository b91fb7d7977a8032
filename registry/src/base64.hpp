// Standard base64 (RFC 4648 §4, with padding), for Basic authentication and auth files.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sifkit::registry {

std::string base64_encode(std::string_view data);
// nullopt when `text` is not base64 (padding may be missing, as some tools write it).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace sifkit::registry
