// What a SOURCE argument of build/convert names (a registry, a local transport, a definition
// file, a SIF image), and the one-line hint for arguments given in the other command's order:
// `build` takes OUT.sif SOURCE as Apptainer does, `convert` SOURCE OUT.
#pragma once

#include <string>
#include <string_view>

namespace sifkit::cli {

enum class SourceForm {
    registry,    // docker://, oras://
    transport,   // oci:, oci-archive:, docker-archive:, dir:, tar:
    definition,  // an existing file whose header has "Bootstrap:"
    sif,         // an existing SIF image
    other,       // anything else (a missing file, a file of another kind)
};

SourceForm source_form(const std::string& argument);

// The file name `convert SOURCE DIR` gives the image in DIR: a registry reference's as `pull`
// names it (NAME_TAG.sif), else the source file's or directory's name with .sif for its
// extension (oci-archive:app.tar:v2 -> app.sif, dir:rootfs/ -> rootfs.sif).
std::string default_sif_name(const std::string& source);

// Throws a usage Error when the arguments look swapped: OUTPUT names a source (a transport, a
// definition file) and SOURCE does not. The message ends with
// "did you mean: sifkit COMMAND A B?", A B in the order `command` takes them.
void check_argument_order(const std::string& command, const std::string& source,
                          const std::string& output);

}  // namespace sifkit::cli
