#include "metadata_layers.hpp"

#include <algorithm>

#include "definition_metadata.hpp"
#include "labels_json.hpp"
#include "sifkit/sif/types.hpp"
#include "singularity_metadata.hpp"

namespace sifkit::oci2sif {

MetadataLayers metadata_layers(const ImageConfig& config, const std::string& deffile,
                               std::int64_t mtime, const Definition* definition,
                               const BaseImageMetadata* base) {
    MetadataInput input;
    input.env = config.env();
    input.entrypoint = config.entrypoint();
    input.cmd = config.cmd();
    input.working_dir = config.working_dir();
    input.user = config.user();
    for (const auto& [key, value] : config.labels()) {
        input.labels.emplace_back(key, value);
    }
    input.architecture = config.architecture;
    input.variant = config.variant;
    // The build-date labels carry the recorded time (SOURCE_DATE_EPOCH, --time or the image's
    // creation time), never the wall clock; without one they are left out.
    if (mtime != sif::kUnsetTime) {
        input.build_time = mtime;
    }
    input.deffile = deffile;
    if (definition != nullptr) {
        apply_definition(input, *definition);
    }
    if (base != nullptr) {
        input.keep_image_files = true;
        if (base->labels_json) {
            const std::string file = base->origin + ": /.singularity.d/labels.json";
            for (auto& label : detail::parse_labels_json(*base->labels_json, file)) {
                input.labels.push_back(std::move(label));
            }
            std::sort(input.labels.begin(), input.labels.end());
        }
        input.base_environment = base->environment;
        input.base_deffile = base->deffile;
        input.base_history_entries = base->history_entries;
    }

    std::vector<std::pair<Entry, std::string>> above;
    std::vector<std::pair<Entry, std::string>> below;
    for (const MetadataEntry& item : singularity_metadata(input)) {
        Entry entry;
        entry.path = item.path.substr(item.path.find_first_not_of('/') == std::string::npos
                                          ? item.path.size()
                                          : item.path.find_first_not_of('/'));
        entry.mode = item.mode & 07777U;
        entry.mtime = mtime;
        std::string data;
        switch (item.type) {
            case MetadataEntry::Type::directory:
                entry.type = EntryType::directory;
                break;
            case MetadataEntry::Type::symlink:
                entry.type = EntryType::symlink;
                entry.link_target = item.data;
                break;
            case MetadataEntry::Type::file:
                entry.type = EntryType::regular;
                entry.size = item.data.size();
                data = item.data;
                break;
        }
        (item.only_if_missing ? below : above).emplace_back(std::move(entry), std::move(data));
    }
    return MetadataLayers{MemoryEntries(std::move(above)), MemoryEntries(std::move(below))};
}

}  // namespace sifkit::oci2sif
