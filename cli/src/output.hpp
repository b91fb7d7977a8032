// Writing command output to stdout with errors that say what failed.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

namespace sifkit::cli {

// Writes all of `text` to standard output; an io Error on failure (e.g. a closed pipe).
void write_stdout(std::string_view text);
// Pretty JSON (two-space indent, invalid UTF-8 replaced) and a newline.
void print_json(const nlohmann::ordered_json& value);

}  // namespace sifkit::cli
