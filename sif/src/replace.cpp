// Replacing an object: add() and remove() made one step for readers (see ObjectWriter::commit).
#include <algorithm>

#include "sifkit/sif/error.hpp"
#include "sifkit/sif/image.hpp"

namespace sifkit::sif {

const Descriptor& Image::replace(std::uint32_t id, const ObjectSpec& spec, ByteSource& source,
                                 const UpdateOptions& options) {
    require_writable("replace an object");
    const auto victim = std::find_if(slots_.begin(), slots_.end(),
                                     [id](const Descriptor& d) { return d.used && d.id == id; });
    if (victim == slots_.end()) {
        throw Error(ErrorKind::not_found, "no object with ID " + std::to_string(id), name());
    }
    ObjectWriter writer =
        start_object(spec, options, static_cast<std::size_t>(victim - slots_.begin()));
    writer.write_all(source);
    return writer.commit();
}

}  // namespace sifkit::sif
