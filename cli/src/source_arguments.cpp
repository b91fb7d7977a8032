#include "source_arguments.hpp"

#include <array>
#include <fstream>

#include "registry_pull.hpp"
#include "sifkit/oci2sif/definition.hpp"
#include "sifkit/sif/error.hpp"

namespace sifkit::cli {
namespace {

bool names_local_transport(std::string_view argument) {
    for (const std::string_view prefix :
         {"oci:", "oci-archive:", "docker-archive:", "dir:", "tar:"}) {
        if (argument.starts_with(prefix)) {
            return true;
        }
    }
    return false;
}

// The first 64 KiB of a regular file; empty for anything else.
std::string head_of(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        return {};
    }
    std::ifstream in(path, std::ios::binary);
    std::string head(64 * 1024, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(in.gcount()));
    return head;
}

bool names_a_source(SourceForm form) {
    return form != SourceForm::other;
}

}  // namespace

SourceForm source_form(const std::string& argument) {
    if (is_registry_reference(argument)) {
        return SourceForm::registry;
    }
    if (names_local_transport(argument)) {
        return SourceForm::transport;
    }
    const std::string head = head_of(argument);
    // SIF_MAGIC follows the 32-byte launch script.
    if (head.size() >= 41 && head.compare(32, 9, "SIF_MAGIC") == 0) {
        return SourceForm::sif;
    }
    if (oci2sif::looks_like_definition(head)) {
        return SourceForm::definition;
    }
    return SourceForm::other;
}

std::string default_sif_name(const std::string& source) {
    if (source_form(source) == SourceForm::registry) {
        return default_pull_name(source);
    }
    std::string path = source;
    if (names_local_transport(source)) {
        path = source.substr(source.find(':') + 1);
        // oci:, oci-archive: and docker-archive: may end in :TAG (docker-archive: :REPO:TAG).
        if (!source.starts_with("dir:") && !source.starts_with("tar:")) {
            path = path.substr(0, path.find(':'));
        }
    }
    while (path.size() > 1 && path.ends_with('/')) {
        path.pop_back();
    }
    const std::string stem = std::filesystem::path(path).stem().string();
    return (stem.empty() || stem == "." || stem == ".." ? std::string("image") : stem) + ".sif";
}

void check_argument_order(const std::string& command, const std::string& source,
                          const std::string& output) {
    const SourceForm out = source_form(output);
    const SourceForm in = source_form(source);
    // An existing SIF as OUTPUT is an image to replace (--force), not a swap, unless SOURCE
    // names no source at all.
    const bool swapped = (out == SourceForm::sif) ? !names_a_source(in)
                                                  : names_a_source(out) && (!names_a_source(in) ||
                                                                            in == SourceForm::sif);
    if (!swapped) {
        return;
    }
    const std::string& first = command == "build" ? source : output;
    const std::string& second = command == "build" ? output : source;
    throw Error(ErrorKind::usage, "\"" + output + "\" is a source, not an output; did you mean: " +
                                      "sifkit " + command + " " + first + " " + second + "?");
}

}  // namespace sifkit::cli
