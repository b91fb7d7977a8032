// Quoting for the POSIX shell scripts sifkit writes into images. Everything that comes from an
// image config is quoted so that the shell reads it byte for byte, whatever it contains.
#pragma once

#include <string>
#include <string_view>

namespace sifkit::oci2sif::detail {

// A shell word whose value is exactly `text`: 'text', where single quotes make every byte
// literal and an embedded ' is written as '"'"' (close the quotes, a double-quoted ', reopen),
// as Apptainer writes it: the shorter '\'' is misread in assignments by the mvdan.cc/sh
// interpreter (3.6 gives it\'s for it'\''s).
// Bytes that are not UTF-8 are written as "$(printf '\ooo')" instead of raw: the shell
// interpreter Apptainer and SingularityCE embed (mvdan.cc/sh) refuses to parse a script with
// invalid UTF-8, so the script text stays UTF-8 while the value keeps those bytes.
std::string single_quoted(std::string_view text);

// "text" with \ " ` and $ escaped: the characters that stay special inside double quotes, so the
// word is literal even when it goes through `eval`. Used for the OCI_ENTRYPOINT/OCI_CMD values,
// which keep the shape Apptainer gives them.
std::string double_quoted(std::string_view text);

// True for a name the shell can assign and export: [A-Za-z_][A-Za-z0-9_]*.
bool is_shell_name(std::string_view name);

// A script cannot carry a NUL byte (the shell would cut the word there), so one in a command or
// an Env value is refused with an invalid_input Error naming `what`.
void require_no_nul(std::string_view text, std::string_view what);

}  // namespace sifkit::oci2sif::detail
