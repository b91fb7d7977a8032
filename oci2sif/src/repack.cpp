// Packs a build sandbox into a SIF shaped like the streaming conversion's
// (sifkit/oci2sif/repack.hpp).
#include "sifkit/oci2sif/repack.hpp"

#include <algorithm>

#include "content_id.hpp"
#include "dir_entries.hpp"
#include "layer_merge.hpp"
#include "sifkit/sif/atomic_file.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/image.hpp"
#include "squashfs_writer.hpp"

namespace sifkit::oci2sif {
namespace {

// Entries of the tree with their times clamped (reproducible builds' SOURCE_DATE_EPOCH rule).
class ClampedTimes final : public EntryStream {
  public:
    ClampedTimes(std::unique_ptr<EntryStream> inner, std::optional<std::int64_t> limit)
        : inner_(std::move(inner)), limit_(limit) {}
    bool next(Entry& entry) override {
        if (!inner_->next(entry)) {
            return false;
        }
        if (limit_ && entry.mtime > *limit_) {
            entry.mtime = *limit_;
        }
        return true;
    }
    std::size_t read_data(std::span<std::byte> data) override { return inner_->read_data(data); }
    std::vector<std::string> take_inner_warnings() { return inner_->take_warnings(); }

  private:
    std::unique_ptr<EntryStream> inner_;
    std::optional<std::int64_t> limit_;
};

void take(std::vector<std::string>& into, std::vector<std::string> warnings,
          ConvertObserver* observer) {
    for (auto& warning : warnings) {
        if (observer != nullptr) {
            observer->warning(warning);
        }
        into.push_back(std::move(warning));
    }
}

}  // namespace

ConvertResult repack_directory(const RepackOptions& options, ConvertObserver* observer) {
    check_squashfs_options(options.squashfs);
    const sif::Image like = sif::Image::open(options.like);
    const sif::Descriptor* old_partition = like.primary_partition();
    if (old_partition == nullptr) {
        throw Error(ErrorKind::invalid_input, "no primary partition to replace", like.name());
    }
    const sif::Arch arch = old_partition->partition().arch;
    const std::int64_t time = like.header().created_at;
    const sif::UpdateOptions at_time{time};

    sif::AtomicFile output(options.output,
                           options.overwrite ? sif::AtomicFile::Overwrite::replace
                                             : sif::AtomicFile::Overwrite::refuse,
                           0755);
    sif::CreateOptions create;
    create.launch_script = like.header().launch_script_text();
    create.id = sif::Uuid{};  // replaced by the content ID at the end
    create.time = time;
    create.arch = arch;
    sif::Image image = sif::Image::create(output.storage(), create);
    // The objects besides the partition, in their order (definition file, oci-config.json).
    for (const sif::Descriptor& d : like.objects()) {
        if (d.id == old_partition->id) {
            continue;
        }
        if (d.type() == sif::DataType::partition || d.type() == sif::DataType::signature) {
            continue;  // nothing the streaming conversion writes; a signature would not hold
        }
        sif::ObjectSpec spec;
        spec.type = d.type();
        spec.group = d.group();
        spec.name = d.name_text();
        sif::ObjectReader reader = like.reader(d);
        image.add(spec, reader, at_time);
    }

    ConvertResult result;
    sif::ObjectSpec partition;
    partition.type = sif::DataType::partition;
    partition.extra =
        sif::PartitionInfo{sif::FsType::squashfs, sif::PartType::primary_system, arch};
    sif::ObjectWriter writer = image.begin_object(partition, at_time);
    {
        SquashfsWriter squashfs(writer, options.squashfs, time);
        Tree tree;
        LayerMerger merger(tree, squashfs);
        merger.limit_entries(options.max_entries, "--max-entries");
        if (observer != nullptr) {
            observer->source_resolved(1, 0);
            observer->layer_started(0, 1, options.root.string(), 0);
        }
        ClampedTimes entries(read_directory_entries(options.root), options.clamp_mtime);
        merger.merge(0, entries);
        take(result.warnings, entries.take_inner_warnings(), observer);
        merger.finish();
        take(result.warnings, merger.take_warnings(), observer);
        if (observer != nullptr) {
            observer->phase("writing squashfs tables");
        }
        squashfs.finish(tree);
        take(result.warnings, squashfs.take_warnings(), observer);
        result.entries = merger.stats().entries;
        result.files = merger.stats().files;
        result.inodes = squashfs.inode_count();
    }
    result.squashfs_bytes = writer.size();
    writer.commit();
    result.id = content_id(image);
    image.set_id(result.id, at_time);
    image.sync();
    result.sif_bytes = image.file_size();
    output.commit();
    result.output = options.output;
    result.architecture = std::string(arch.go_name());
    result.layers = 1;
    return result;
}

}  // namespace sifkit::oci2sif
