// An index of the members of an uncompressed tar archive (ustar, pax and GNU headers), so that an
// oci-archive or docker-archive is read in place: each member is a byte range of the archive.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "byte_sources.hpp"

namespace sifkit::oci2sif {

struct TarMember {
    enum class Type { file, directory, symlink, hardlink, other };
    Type type = Type::file;
    std::uint64_t data_offset = 0;  // offset of the member's data in the archive
    std::uint64_t size = 0;
    std::string link_target;  // symlink/hardlink target as recorded
};

class TarIndex {
  public:
    // Reads every header of the archive. Fails with a one-line error naming the archive and the
    // offset for anything that is not a well-formed, uncompressed tar.
    static TarIndex build(const SharedFile& archive);

    // The member a path names, following symlinks and hardlinks inside the archive (docker save
    // links "<id>/layer.tar" to the blob). nullopt when there is none.
    std::optional<TarMember> find(std::string_view path) const;
    std::size_t size() const noexcept { return members_.size(); }

  private:
    std::map<std::string, TarMember, std::less<>> members_;  // normalized path -> member
};

}  // namespace sifkit::oci2sif
