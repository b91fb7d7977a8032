// Creating an empty image with the reference library's defaults (format §2).
#include <vector>

#include "layout.hpp"
#include "sifkit/sif/clock.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/image.hpp"

namespace sifkit::sif {

CreateOptions CreateOptions::deterministic() {
    CreateOptions options;
    options.id = Uuid();
    options.time = kUnsetTime;
    return options;
}

Image Image::create(std::unique_ptr<Storage> storage, const CreateOptions& options) {
    const std::string file = storage->name();
    if (options.launch_script.size() >= kLaunchScriptSize) {
        throw Error(ErrorKind::usage,
                    "launch script is " + std::to_string(options.launch_script.size()) +
                        " bytes; at most " + std::to_string(kLaunchScriptSize - 1) + " fit",
                    file);
    }
    if (options.descriptor_capacity < 0 || options.descriptor_capacity > kMaxDescriptorCapacity) {
        throw Error(
            ErrorKind::usage,
            "descriptor capacity must be between 0 and " + std::to_string(kMaxDescriptorCapacity),
            file);
    }
    if (options.descriptor_offset < static_cast<std::int64_t>(kHeaderSize)) {
        throw Error(ErrorKind::usage, "descriptor table offset must be at least 128", file);
    }

    Image image(std::move(storage), OpenMode::read_write);
    Header& h = image.header_;
    std::copy(options.launch_script.begin(), options.launch_script.end(), h.launch_script.begin());
    h.arch = options.arch;
    h.id = options.id ? *options.id : Uuid::random();
    h.created_at = h.modified_at = options.time ? *options.time : unix_now();
    h.descriptors_free = h.descriptors_total = options.descriptor_capacity;
    h.descriptors_offset = options.descriptor_offset;
    h.descriptors_size = options.descriptor_capacity * static_cast<std::int64_t>(kDescriptorSize);
    h.data_offset = h.descriptors_offset + h.descriptors_size;
    h.data_size = 0;
    image.slots_.assign(static_cast<std::size_t>(options.descriptor_capacity), Descriptor{});

    // Table before header: a file cut short by a crash has no magic and is not mistaken for
    // an image.
    image.storage_->truncate(0);
    const std::vector<std::byte> empty_table(detail::table_bytes(h));
    image.storage_->write_at(static_cast<std::uint64_t>(h.descriptors_offset), empty_table);
    image.write_header();
    image.file_size_ = image.storage_->size();
    return image;
}

}  // namespace sifkit::sif
