// A BlobStore over an uncompressed tar archive, read in place through a TarIndex.
#include "byte_sources.hpp"
#include "sifkit/oci2sif/blob_store.hpp"
#include "sifkit/sif/error.hpp"
#include "tar_index.hpp"

namespace sifkit::oci2sif {
namespace {

class TarStore final : public BlobStore {
  public:
    TarStore(std::shared_ptr<SharedFile> archive, TarIndex index)
        : archive_(std::move(archive)), index_(std::move(index)) {}

    const std::string& name() const override { return archive_->name(); }

    std::optional<std::uint64_t> size_of(std::string_view path) const override {
        const auto member = index_.find(path);
        if (!member || member->type != TarMember::Type::file) {
            return std::nullopt;
        }
        return member->size;
    }

    std::unique_ptr<sif::ByteSource> open(std::string_view path) const override {
        const auto member = index_.find(path);
        if (!member || member->type != TarMember::Type::file) {
            throw Error(ErrorKind::not_found, "no such member in the archive", describe(path));
        }
        return std::make_unique<RangeSource>(archive_, member->data_offset, member->size,
                                             describe(path));
    }

  private:
    std::shared_ptr<SharedFile> archive_;
    TarIndex index_;
};

}  // namespace

std::unique_ptr<BlobStore> open_tar_store(const std::filesystem::path& archive) {
    auto file = SharedFile::open(archive);
    auto index = TarIndex::build(*file);
    return std::make_unique<TarStore>(std::move(file), std::move(index));
}

}  // namespace sifkit::oci2sif
