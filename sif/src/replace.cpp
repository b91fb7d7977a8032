// Replacing an object: add() and remove() made one step for readers (see ObjectWriter::commit).
#include "sifkit/sif/image.hpp"

namespace sifkit::sif {

const Descriptor& Image::replace(std::uint32_t id, const ObjectSpec& spec, ByteSource& source,
                                 const UpdateOptions& options) {
    require_writable("replace an object");
    const auto slot = static_cast<std::size_t>(&object(id) - slots_.data());
    ObjectWriter writer = start_object(spec, options, slot);
    writer.write_all(source);
    return writer.commit();
}

}  // namespace sifkit::sif
