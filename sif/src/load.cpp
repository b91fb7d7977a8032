// Loading: header and descriptor table only, validated before anything else is trusted.
#include <vector>

#include "layout.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/image.hpp"

namespace sifkit::sif {

Image Image::open(const std::filesystem::path& path, OpenMode mode) {
    return open(FileStorage::open(path, mode), mode);
}

Image Image::open(std::unique_ptr<Storage> storage, OpenMode mode) {
    Image image(std::move(storage), mode);
    Storage& store = *image.storage_;
    const std::string& file = store.name();

    image.file_size_ = store.size();
    if (image.file_size_ < kHeaderSize) {
        throw Error(ErrorKind::invalid_image,
                    "not a SIF image: " + std::to_string(image.file_size_) +
                        " bytes is shorter than the 128-byte header",
                    file);
    }
    std::array<std::byte, kHeaderSize> header_bytes{};
    store.read_exact(0, header_bytes);
    image.header_ = Header::decode(header_bytes);
    detail::validate_header(image.header_, image.file_size_, file);

    // Bounded by validate_header: the whole table lies inside the file.
    const std::uint64_t table_size = detail::table_bytes(image.header_);
    std::vector<std::byte> table(table_size);
    store.read_exact(static_cast<std::uint64_t>(image.header_.descriptors_offset), table);
    image.slots_.reserve(static_cast<std::size_t>(image.header_.descriptors_total));
    for (std::size_t i = 0; i < static_cast<std::size_t>(image.header_.descriptors_total); ++i) {
        image.slots_.push_back(Descriptor::decode(std::span<const std::byte, kDescriptorSize>(
            table.data() + i * kDescriptorSize, kDescriptorSize)));
    }
    detail::validate_objects(image.header_, image.slots_, image.file_size_, file);
    return image;
}

}  // namespace sifkit::sif
