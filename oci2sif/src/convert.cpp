// The conversion: resolve the source, create the SIF (definition file, oci-config.json), merge
// the layers top-down straight into a squashfs partition, then name the image after its content
// and publish it atomically.
#include "sifkit/oci2sif/convert.hpp"

#include <sys/stat.h>

#include <algorithm>

#include "content_id.hpp"
#include "definition_file.hpp"
#include "dir_entries.hpp"
#include "files_section.hpp"
#include "image_source.hpp"
#include "layer_merge.hpp"
#include "layer_stream.hpp"
#include "metadata_layers.hpp"
#include "oci_sif_documents.hpp"
#include "overlay_whiteouts.hpp"
#include "sha256.hpp"
#include "sifkit/sif/atomic_file.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/image.hpp"
#include "squashfs_writer.hpp"
#include "tar_entries.hpp"

namespace sifkit::oci2sif {
namespace {

constexpr std::string_view kLaunchScript = "#!/usr/bin/env run-singularity\n";
constexpr std::uint64_t kProgressStep = 4 << 20;

// Counts the stored bytes of a layer as they are read, for the observer.
class ProgressSource final : public sif::ByteSource {
  public:
    ProgressSource(std::unique_ptr<sif::ByteSource> inner, ConvertObserver* observer,
                   std::uint64_t& total, const std::uint64_t& files)
        : inner_(std::move(inner)), observer_(observer), total_(&total), files_(&files) {}
    std::size_t read(std::span<std::byte> data) override {
        const std::size_t n = inner_->read(data);
        *total_ += n;
        if (observer_ != nullptr && *total_ >= next_report_) {
            observer_->advanced(*total_, *files_);
            next_report_ = *total_ + kProgressStep;
        }
        return n;
    }
    const std::string& name() const override { return inner_->name(); }

  private:
    std::unique_ptr<sif::ByteSource> inner_;
    ConvertObserver* observer_;
    std::uint64_t* total_;
    const std::uint64_t* files_;
    std::uint64_t next_report_ = 0;
};

class Conversion {
  public:
    Conversion(const ConvertOptions& options, ConvertObserver* observer)
        : options_(options), observer_(observer) {}

    ConvertResult run();

  private:
    ConvertResult write_native_sif(std::int64_t time, sif::Arch arch);
    ConvertResult write_oci_sif(std::int64_t time);
    ConvertResult publish(sif::Image& image, sif::AtomicFile& output);
    sif::AtomicFile::Overwrite overwrite_mode() const noexcept {
        return options_.overwrite ? sif::AtomicFile::Overwrite::replace
                                  : sif::AtomicFile::Overwrite::refuse;
    }
    struct SquashfsStats {
        std::uint64_t entries = 0;
        std::uint64_t files = 0;
        std::uint64_t inodes = 0;
        std::uint64_t second_passes = 0;
    };
    // The one place a squashfs image is written: a merge that `fill` feeds, then the tables.
    SquashfsStats write_squashfs(sif::ObjectWriter& writer, std::int64_t mkfs_time,
                                 const std::function<void(LayerMerger&)>& fill);
    // Writes one squashfs OCI.Blob filled by `fill` and returns its descriptor.
    BlobDescriptor squashfs_blob(sif::Image& image, std::int64_t time,
                                 const std::function<void(LayerMerger&)>& fill);
    void add_document(sif::Image& image, sif::DataType type, const std::string& text,
                      std::int64_t time);
    void merge_layers(LayerMerger& merger);
    // `overlay`: whiteouts kept in overlayfs form (an OCI-SIF layer of its own) instead of applied.
    void merge_image_layer(LayerMerger& merger, std::size_t layer, int level, bool overlay = false);
    // `merger` supplies the file count the progress display shows while the layer streams.
    std::unique_ptr<LayerStream> open_layer(const LayerRef& layer, const LayerMerger& merger);
    void report(std::vector<std::string> warnings);

    const ConvertOptions& options_;
    ConvertObserver* observer_;
    ImageSource source_;
    ConvertResult result_;
    std::uint64_t bytes_read_ = 0;
};

ConvertResult Conversion::run() {
    check_squashfs_options(options_.squashfs);
    if (options_.definition) {
        if (const DefinitionSection* s = options_.definition->first_command_section()) {
            throw Error(ErrorKind::unsupported,
                        "%" + s->name + " runs commands: only sifkit build runs them",
                        options_.definition->where(s->line));
        }
    }
    SourceOptions source_options;
    if (options_.platform) {
        source_options.platform = Platform::parse(*options_.platform);
    }
    source_options.architecture = options_.architecture;
    if (const auto* served = std::get_if<ServedLayout>(&options_.source)) {
        source_ =
            open_store(served->store, served->tag, served->bootstrap, served->from, source_options);
    } else if (options_.definition && options_.definition->bootstrap == "scratch") {
        source_ = scratch_source(source_options);
    } else {
        source_ = open_source(std::get<std::string>(options_.source), source_options);
    }
    apply_edits(source_.config, options_.changes);

    const auto arch = sif::Arch::from_go_name(source_.config.architecture);
    if (!arch) {
        throw Error(ErrorKind::unsupported,
                    "image architecture \"" + source_.config.architecture + "\" has no SIF code",
                    source_.reference);
    }
    if (options_.format == OutputFormat::oci_sif) {
        // An OCI-SIF has no /.singularity.d and no definition file for the sections to go to.
        if (options_.definition) {
            throw Error(ErrorKind::usage,
                        "a definition file builds a native SIF; --format oci-sif is not supported "
                        "with one",
                        options_.definition->path);
        }
        return write_oci_sif(options_.time.value_or(sif::kUnsetTime));
    }
    return write_native_sif(
        options_.time.value_or(source_.config.created.value_or(sif::kUnsetTime)), *arch);
}

// The native SIF, as Apptainer builds it: the definition file, oci-config.json and the squashfs
// root file system with the runtime metadata (/.singularity.d) merged in.
ConvertResult Conversion::write_native_sif(std::int64_t time, sif::Arch arch) {
    // A definition file is recorded as it was built from; otherwise the one Apptainer would
    // have written for the source.
    const std::string deffile =
        options_.definition ? options_.definition->text : definition_file(source_);
    // %files are read (and their globs expanded) before the output exists: a missing file
    // fails the build before any work.
    std::vector<FileCopy> copies;
    if (options_.definition) {
        copies = file_copies(*options_.definition);
    }
    if (observer_ != nullptr) {
        std::uint64_t total = 0;
        for (const LayerRef& layer : source_.layers) {
            total += layer.size.value_or(0);
        }
        if (source_.kind == ImageSource::Kind::tarball) {
            std::error_code ec;
            total = std::filesystem::file_size(source_.path, ec);
        }
        observer_->source_resolved(std::max<std::size_t>(source_.layers.size(), 1), total);
    }

    sif::AtomicFile output(options_.output, overwrite_mode(), 0755);
    sif::CreateOptions create;
    create.launch_script = std::string(kLaunchScript);
    create.id = sif::Uuid{};  // replaced by the content ID at the end
    create.time = time;
    create.arch = arch;
    sif::Image image = sif::Image::create(output.storage(), create);
    const sif::UpdateOptions at_time{time};

    sif::ObjectSpec deffile_spec;
    deffile_spec.type = sif::DataType::deffile;
    sif::MemorySource deffile_source(deffile, "definition file");
    image.add(deffile_spec, deffile_source, at_time);

    sif::ObjectSpec config_spec;
    config_spec.type = sif::DataType::generic_json;
    config_spec.name = "oci-config.json";
    const std::string config_json = source_.config.runtime_json();
    sif::MemorySource config_source(config_json, "oci-config.json");
    image.add(config_spec, config_source, at_time);

    sif::ObjectSpec partition;
    partition.type = sif::DataType::partition;
    partition.extra =
        sif::PartitionInfo{sif::FsType::squashfs, sif::PartType::primary_system, arch};
    sif::ObjectWriter writer = image.begin_object(partition, at_time);
    MetadataLayers metadata = metadata_layers(
        source_.config, deffile, time, options_.definition.get(),
        options_.definition && options_.base_metadata ? &*options_.base_metadata : nullptr);
    // Levels, top down: sifkit's metadata, the %files copies, the image's layers.
    const int top = static_cast<int>(std::max<std::size_t>(source_.layers.size(), 1)) +
                    (copies.empty() ? 0 : 1);
    const SquashfsStats stats = write_squashfs(writer, time, [&](LayerMerger& merger) {
        merger.merge(top, metadata.above, LayerRole::runtime);
        if (!copies.empty()) {
            auto files = host_file_entries(std::move(copies), time);
            merger.name_layer(top - 1, "%files of " + options_.definition->path,
                              options_.definition->path);
            // Checked like an image layer: host files are input, not sifkit's own.
            merger.merge(top - 1, *files, LayerRole::image);
            report(files->take_warnings());
        }
        merge_layers(merger);
        merger.merge(-1, metadata.below, LayerRole::gap_filler);
    });
    result_.entries = stats.entries;
    result_.files = stats.files;
    result_.inodes = stats.inodes;
    result_.layers_read_twice = stats.second_passes;
    result_.squashfs_bytes = writer.size();
    writer.commit();

    result_.id = options_.id.value_or(content_id(image));
    image.set_id(result_.id, at_time);
    return publish(image, output);
}

// The OCI-SIF layout of sylabs/oci-tools' Write: a deterministic SIF (nil ID, the reference's
// unset time unless a time is given, no launch script) with room for the objects plus 8 spare
// descriptors, holding in group 1 the layer blobs, the config, the manifest and then the root
// index.
ConvertResult Conversion::write_oci_sif(std::int64_t time) {
    if (source_.kind == ImageSource::Kind::directory ||
        source_.kind == ImageSource::Kind::tarball || source_.kind == ImageSource::Kind::scratch) {
        if (options_.keep_layers) {
            throw Error(ErrorKind::usage, "--keep-layers needs an OCI or Docker image source");
        }
    }
    const std::size_t layer_blobs = options_.keep_layers ? source_.layers.size() : 1;
    sif::AtomicFile output(options_.output, overwrite_mode(), 0755);
    sif::CreateOptions create;
    create.id = options_.id.value_or(sif::Uuid{});
    create.time = time;
    create.descriptor_capacity = static_cast<std::int64_t>(layer_blobs + 3 + 8);
    sif::Image image = sif::Image::create(output.storage(), create);

    std::vector<BlobDescriptor> layers;
    if (options_.keep_layers) {
        for (std::size_t i = 0; i < source_.layers.size(); ++i) {
            layers.push_back(squashfs_blob(
                image, time, [&](LayerMerger& merger) { merge_image_layer(merger, i, 0, true); }));
        }
    } else {
        layers.push_back(
            squashfs_blob(image, time, [&](LayerMerger& merger) { merge_layers(merger); }));
    }
    const std::optional<std::int64_t> created =
        options_.time ? options_.time : source_.config.created;
    const std::string config =
        oci_sif_config(source_.config, layers, source_.manifest_digest, created);
    add_document(image, sif::DataType::oci_blob, config, time);
    const BlobDescriptor config_blob{std::string(oci::media::kOciConfig), sha256_digest(config),
                                     config.size()};
    const std::string manifest = oci_sif_manifest(config_blob, layers);
    add_document(image, sif::DataType::oci_blob, manifest, time);
    const BlobDescriptor manifest_blob{std::string(oci::media::kOciManifest),
                                       sha256_digest(manifest), manifest.size()};
    add_document(image, sif::DataType::oci_root_index, oci_sif_index(manifest_blob), time);
    result_.id = create.id.value_or(sif::Uuid{});
    return publish(image, output);
}

// Makes the finished image durable and renames it into place.
ConvertResult Conversion::publish(sif::Image& image, sif::AtomicFile& output) {
    image.sync();
    if (options_.before_publish) {
        options_.before_publish(output.temporary_path());
    }
    result_.sif_bytes = image.file_size();
    output.commit();
    result_.output = options_.output;
    result_.architecture = source_.config.architecture;
    result_.layers = source_.layers.size();
    return result_;
}

BlobDescriptor Conversion::squashfs_blob(sif::Image& image, std::int64_t time,
                                         const std::function<void(LayerMerger&)>& fill) {
    sif::ObjectSpec spec;
    spec.type = sif::DataType::oci_blob;
    // A placeholder until the data is written; commit() records the real digest.
    spec.extra = sif::OciDigest{"sha256:" + std::string(64, '0')};
    sif::ObjectWriter writer = image.begin_object(spec, sif::UpdateOptions{time});
    const std::int64_t mkfs_time = time == sif::kUnsetTime ? 0 : time;
    const SquashfsStats stats = write_squashfs(writer, mkfs_time, fill);
    result_.entries += stats.entries;
    result_.files += stats.files;
    result_.inodes += stats.inodes;
    // The blob's digest goes into its descriptor: hash what was written, then publish.
    Sha256 hasher;
    std::vector<std::byte> buffer(1 << 20);
    for (std::uint64_t at = 0; at < writer.size();) {
        const std::size_t n = writer.read_at(at, buffer);
        if (n == 0) {
            throw Error(ErrorKind::internal, "squashfs layer shorter than written");
        }
        hasher.update(std::span<const std::byte>(buffer.data(), n));
        at += n;
    }
    const std::string digest = hasher.finish();
    const std::uint64_t size = writer.size();
    result_.squashfs_bytes += size;
    writer.commit(sif::Extra{sif::OciDigest{digest}});
    return BlobDescriptor{std::string(oci::media::kSquashfsLayer), digest, size};
}

Conversion::SquashfsStats Conversion::write_squashfs(
    sif::ObjectWriter& writer, std::int64_t mkfs_time,
    const std::function<void(LayerMerger&)>& fill) {
    SquashfsWriter squashfs(writer, options_.squashfs, mkfs_time);
    Tree tree;
    LayerMerger merger(tree, squashfs);
    merger.limit_entries(options_.max_entries, "--max-entries");
    fill(merger);
    merger.finish();
    report(merger.take_warnings());
    if (observer_ != nullptr) {
        observer_->phase("writing squashfs tables");
    }
    squashfs.finish(tree);
    report(squashfs.take_warnings());
    return SquashfsStats{merger.stats().entries, merger.stats().files, squashfs.inode_count(),
                         merger.stats().second_passes};
}

void Conversion::add_document(sif::Image& image, sif::DataType type, const std::string& text,
                              std::int64_t time) {
    sif::ObjectSpec spec;
    spec.type = type;
    spec.extra = sif::OciDigest{sha256_digest(text)};
    sif::MemorySource source(text, "OCI document");
    image.add(spec, source, sif::UpdateOptions{time});
}

void Conversion::merge_layers(LayerMerger& merger) {
    switch (source_.kind) {
        case ImageSource::Kind::directory: {
            if (observer_ != nullptr) {
                observer_->layer_started(0, 1, source_.path.string(), 0);
            }
            auto entries = read_directory_entries(source_.path);
            merger.merge(0, *entries);
            return;
        }
        case ImageSource::Kind::scratch:
            return;
        case ImageSource::Kind::tarball: {
            LayerRef layer;
            layer.path = source_.path.string();
            source_.layers.push_back(layer);
            merge_image_layer(merger, 0, 0);
            source_.layers.clear();
            return;
        }
        default:
            break;
    }
    const std::size_t count = source_.layers.size();
    for (std::size_t i = count; i-- > 0;) {
        merge_image_layer(merger, i, static_cast<int>(i));
    }
}

std::unique_ptr<LayerStream> Conversion::open_layer(const LayerRef& layer,
                                                    const LayerMerger& merger) {
    std::unique_ptr<sif::ByteSource> blob;
    if (source_.store) {
        blob = source_.store->open(layer.path);
    } else {
        blob = std::make_unique<sif::FileSource>(layer.path);
    }
    auto counted = std::make_unique<ProgressSource>(std::move(blob), observer_, bytes_read_,
                                                    merger.stats().files);
    LayerExpectations expected{layer.digest, layer.size, layer.diff_id, layer.media_type};
    return std::make_unique<LayerStream>(std::move(counted), expected);
}

void Conversion::merge_image_layer(LayerMerger& merger, std::size_t layer, int level,
                                   bool overlay) {
    const LayerRef& ref = source_.layers[layer];
    if (observer_ != nullptr) {
        observer_->layer_started(source_.layers.size() - 1 - layer, source_.layers.size(),
                                 ref.digest.value_or(ref.path), ref.size.value_or(0));
    }
    const auto merge = [&](LayerStream& stream, bool again) {
        auto entries = read_tar_entries(stream);
        std::optional<OverlayWhiteouts> converted;
        EntryStream* input = entries.get();
        if (overlay) {
            input = &converted.emplace(*entries, layer == 0);
        }
        if (again) {
            merger.refill(*input);
        } else {
            merger.merge(level, *input, overlay ? LayerRole::kept_layer : LayerRole::image);
        }
    };
    auto stream = open_layer(ref, merger);
    merger.name_layer(level,
                      "layer " + std::to_string(layer + 1) + " of " +
                          std::to_string(source_.layers.size()) + " (" +
                          ref.digest.value_or(ref.path) + ")",
                      stream->name());
    merge(*stream, false);
    // A layer whose digests do not match must not end up in an image: checked before the next
    // layer, and the output is discarded on the error.
    stream->verify();
    result_.bytes_in += stream->compressed_bytes();
    result_.bytes_uncompressed += stream->uncompressed_bytes();
    if (merger.needs_refill()) {
        auto again = open_layer(ref, merger);
        merge(*again, true);
        again->verify();
    }
    report(merger.take_warnings());
    if (observer_ != nullptr) {
        observer_->advanced(bytes_read_, merger.stats().files);
    }
}

void Conversion::report(std::vector<std::string> warnings) {
    for (auto& warning : warnings) {
        if (observer_ != nullptr) {
            observer_->warning(warning);
        }
        result_.warnings.push_back(std::move(warning));
    }
}

}  // namespace

ConvertResult convert(const ConvertOptions& options, ConvertObserver* observer) {
    Conversion conversion(options, observer);
    return conversion.run();
}

}  // namespace sifkit::oci2sif
