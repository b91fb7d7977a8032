// The pieces of definition-file parsing shared by its two passes: lines with their numbers, the
// section lines, and the {{ NAME }} build arguments (definition_arguments.cpp).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "sifkit/oci2sif/definition.hpp"

namespace sifkit::oci2sif::detail {

std::string_view trim(std::string_view text);

// The file's lines without their '\n' (a final newline does not start an empty line).
std::vector<std::string> split_lines(std::string_view text);

// For a line that opens a section ("%runscript -s /bin/bash", at the first column): the
// section's name, lower-cased; empty for any other line. A name that is no section is still
// returned, so that the parser can say which one it does not know.
std::string section_name(std::string_view line);
bool is_known_section(std::string_view name);

// Replaces every {{ NAME }} outside %arguments with its value: the %arguments defaults, then
// `given` (--build-arg). Line numbers do not change (values are single lines). A name with no
// value is a usage Error naming it and its line; `warnings` gets the given arguments no line
// uses.
void substitute_arguments(std::vector<std::string>& lines, const std::string& path,
                          const BuildArguments& given, std::vector<std::string>& warnings);

}  // namespace sifkit::oci2sif::detail
