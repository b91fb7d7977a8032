// A build sandbox packed into an image (`sifkit build` of a definition file with %post): the root
// file system directory as it is after the commands ran — its /.singularity.d included, nothing
// added or replaced — in a new SIF whose other objects (the definition file, oci-config.json),
// architecture, times and launch script are those of `like`, the image the streaming conversion
// made of the same definition before the sandbox ran. The output appears complete or not at all;
// its ID is derived from its content, as convert's.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include "sifkit/oci2sif/convert.hpp"

namespace sifkit::oci2sif {

struct RepackOptions {
    std::filesystem::path root;  // the directory to pack
    std::filesystem::path like;  // the SIF whose objects and header to keep
    std::filesystem::path output;
    bool overwrite = false;
    SquashfsOptions squashfs;
    std::uint64_t max_entries = ConvertOptions::kDefaultMaxEntries;
    // Entries modified after this time get this time (SOURCE_DATE_EPOCH's clamping, as `tar
    // --clamp-mtime`): what the commands created carries no build-machine clock. nullopt: as is.
    std::optional<std::int64_t> clamp_mtime;
};

ConvertResult repack_directory(const RepackOptions& options, ConvertObserver* observer = nullptr);

}  // namespace sifkit::oci2sif
