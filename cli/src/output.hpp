// Writing command output to stdout with errors that say what failed.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "sifkit/rootfs/unpack.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/image.hpp"

namespace sifkit::cli {

// How errors name standard output (the `file` of an Error about writing to it).
inline constexpr const char* kStdoutName = "<stdout>";

// `output` itself, or DIR/`file_name` when `output` is an existing directory (or a link to one):
// a copy into a directory is named as cp names it.
std::string output_in_directory(const std::string& output, const std::string& file_name);

// Refuses (a usage Error) "-" as the OUTPUT of a command that writes a SIF image (convert, pull,
// build): a SIF is written with seeks and renamed into place, so it cannot stream to standard
// output, and a file silently named "-" is not what `-` means to add, extract and export.
void refuse_stdout_for_sif(const std::string& output);
// Writes all of `text` to standard output; an io Error on failure (e.g. a closed pipe).
void write_stdout(std::string_view text);
// True when `error` is a failed write to standard output because its reader has gone
// (`sifkit cat ... | head -c 4`): GNU tools die quietly of SIGPIPE then, and so does sifkit.
bool is_closed_stdout_pipe(const Error& error);
// Refuses (a usage Error) to send `what`, binary data, to standard output when that is a
// terminal, unless `force`: GNU tar's rule for archives.
void refuse_binary_on_terminal(const std::string& what, bool force);
// Streams an object's bytes to standard output (`output` empty or "-") or to a file created
// atomically (an existing one is replaced only with `force`, otherwise a conflict Error).
void write_object(const sif::Image& image, const sif::Descriptor& object, const std::string& output,
                  bool force);
// Writes `text` as the whole file `path`, created atomically with `mode` (an existing one is
// replaced only with `force`, otherwise a conflict Error): keys, keyrings, generated docs.
void write_file_atomically(const std::filesystem::path& path, std::string_view text, mode_t mode,
                           bool force);
// One warning line per kind of thing a rootless unpack could not apply (owners, devices, xattrs).
void report_unpack_skips(const rootfs::UnpackReport& report, const std::string& destination);
// The warning of a --force replacement whose old tree could not all be removed (export,
// bundle): `left` is where the rest is; nothing is printed when it is empty.
void report_replaced_tree_left(const std::string& destination, const std::string& left);
// Pretty JSON (two-space indent, invalid UTF-8 replaced) and a newline.
void print_json(const nlohmann::ordered_json& value);

}  // namespace sifkit::cli
