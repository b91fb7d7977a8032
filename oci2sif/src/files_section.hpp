// The %files and %appfiles sections: host files copied into the image. Each line is
// "SOURCE [DESTINATION]" (either may be quoted); SOURCE is a glob on the host, relative to the
// current directory as for Apptainer's cp; DESTINATION defaults to SOURCE's path, and for
// %appfiles is inside /scif/apps/NAME. Files are copied as `cp -rL` copies them: links
// followed, contents of directories included, owned by root, with their permission bits.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "entry.hpp"
#include "sifkit/oci2sif/definition.hpp"

namespace sifkit::oci2sif {

struct FileCopy {
    std::filesystem::path source;  // a host path that exists (one glob match)
    std::string destination;       // image path, normalized (relative to /)
    std::string origin;            // "app.def:12", for messages
};

// Every copy the definition asks for, in file order. Errors name the line: a glob that matches
// nothing (not_found), a line with more than two words (invalid_input), a destination that
// climbs out of the image.
std::vector<FileCopy> file_copies(const Definition& definition);

// The entries of the copies, one layer's worth, with the data read from the host as the merge
// asks for it; `mtime` on every entry (the recorded build time, not the host's times, so that
// the same inputs give the same image).
std::unique_ptr<EntryStream> host_file_entries(std::vector<FileCopy> copies, std::int64_t mtime);

}  // namespace sifkit::oci2sif
