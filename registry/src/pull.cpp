#include "sifkit/registry/pull.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <nlohmann/json.hpp>

#include "blob_fetcher.hpp"
#include "registry_store.hpp"
#include "sifkit/oci/media_types.hpp"
#include "sifkit/registry/blob_cache.hpp"
#include "sifkit/sif/atomic_file.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/image.hpp"
#include "sifkit/sif/sha256.hpp"

namespace sifkit::registry {
namespace fs = std::filesystem;
namespace {

std::unique_ptr<BlobCache> open_cache(const PullOptions& options) {
    if (!options.use_cache) {
        return nullptr;
    }
    return std::make_unique<BlobCache>(options.cache_dir.value_or(BlobCache::default_directory()));
}

// Unlinked download files (no cache) go next to the output: same file system, and nothing to
// clean up if the process dies.
fs::path scratch_directory(const fs::path& output) {
    return output.has_parent_path() ? output.parent_path() : fs::path(".");
}

void fill_stats(PullResult& result, const BlobFetcher& fetcher, const Client& client) {
    const FetchStats f = fetcher.stats();
    result.blobs = f.blobs;
    result.blobs_from_cache = f.from_cache;
    result.blobs_downloaded = f.downloaded;
    result.blobs_resumed = f.resumed;
    result.bytes_downloaded = f.bytes;
    result.http = client.stats();
}

void copy_file(int from, int to, const std::string& name) {
    loff_t in = 0;
    while (true) {
        const ssize_t n = ::copy_file_range(from, &in, to, nullptr, 1 << 30, 0);
        if (n == 0) {
            return;
        }
        if (n > 0) {
            continue;
        }
        if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP) {
            throw_errno("cannot copy the downloaded image to", name);
        }
        break;  // no copy_file_range between these files: copy by hand
    }
    std::vector<char> buffer(1 << 20);
    while (true) {
        const ssize_t n = ::pread(from, buffer.data(), buffer.size(), static_cast<off_t>(in));
        if (n < 0) {
            throw_errno("cannot read the downloaded image", name);
        }
        if (n == 0) {
            return;
        }
        for (ssize_t done = 0; done < n;) {
            const ssize_t w = ::write(to, buffer.data() + done, static_cast<std::size_t>(n - done));
            if (w < 0) {
                throw_errno("cannot write", name);
            }
            done += w;
        }
        in += n;
    }
}

PullResult pull_sif(const Reference& ref, const PullOptions& options) {
    PullResult result;
    result.reference = ref;
    Client client(ref.registry, ref.repository, options.client);
    const auto cache = open_cache(options);
    const std::string origin = "oras://" + ref.registry + "/" + ref.repository;
    const ManifestDocument doc = client.get_manifest(ref.manifest_reference());
    result.manifest_digest = doc.digest;
    const auto json = nlohmann::json::parse(doc.body, nullptr, false);
    if (!json.is_object()) {
        throw Error(ErrorKind::invalid_input, "the manifest is not a JSON object", ref.to_string());
    }
    if (json.contains("manifests")) {
        throw Error(ErrorKind::unsupported,
                    "is an image index, not a SIF artifact (name one of its manifests by digest)",
                    ref.to_string());
    }
    const auto layers = json.find("layers");
    if (layers == json.end() || !layers->is_array() || layers->size() != 1) {
        throw Error(
            ErrorKind::unsupported,
            "not a SIF artifact: a SIF artifact has exactly one layer, this manifest has " +
                std::to_string(layers != json.end() && layers->is_array() ? layers->size() : 0) +
                " (container images are pulled with docker://)",
            ref.to_string());
    }
    const auto& layer = layers->front();
    const std::string type = layer.is_object() ? layer.value("mediaType", std::string()) : "";
    if (type != oci::media::kSifLayer && type != oci::media::kSifLayerPrototype) {
        throw Error(ErrorKind::unsupported,
                    "not a SIF artifact: layer media type \"" + type + "\" (expected " +
                        std::string(oci::media::kSifLayer) +
                        "; container images are pulled with "
                        "docker://)",
                    ref.to_string());
    }
    const std::string digest = layer.value("digest", std::string());
    if (!layer.contains("size") || !layer["size"].is_number_unsigned() ||
        !sif::is_sha256_digest(digest)) {
        throw Error(ErrorKind::invalid_input, "the SIF layer has no sha256 digest or no size",
                    ref.to_string());
    }
    const auto size = layer["size"].get<std::uint64_t>();

    const fs::path& output = options.convert.output;
    sif::AtomicFile out(output,
                        options.convert.overwrite ? sif::AtomicFile::Overwrite::replace
                                                  : sif::AtomicFile::Overwrite::refuse,
                        0755);
    {
        BlobFetcher fetcher(client, cache.get(), 1, scratch_directory(output), origin);
        fetcher.want({BlobWanted{digest, size}});
        const int fd = fetcher.wait_complete(digest);
        copy_file(fd, out.fd(), output.string());
        fill_stats(result, fetcher, client);
    }
    try {
        sif::Image::open(out.temporary_path());
    } catch (const Error& e) {
        throw Error(ErrorKind::invalid_image, "the artifact is not a SIF image: " + e.detail(),
                    ref.to_string());
    }
    out.commit();
    struct stat st {};
    result.sif_bytes =
        ::stat(output.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : size;
    return result;
}

PullResult pull_image(const Reference& ref, const std::string& as_given, const PullOptions& options,
                      oci2sif::ConvertObserver* observer) {
    PullResult result;
    result.reference = ref;
    Client client(ref.registry, ref.repository, options.client);
    const auto cache = open_cache(options);
    BlobFetcher fetcher(client, cache.get(), options.jobs,
                        scratch_directory(options.convert.output),
                        "docker://" + ref.registry + "/" + ref.repository);
    auto store = std::make_shared<RegistryStore>(client, fetcher, cache.get(), ref);
    oci2sif::ConvertOptions convert = options.convert;
    convert.source = oci2sif::ServedLayout{.store = store,
                                           .tag = "",
                                           .bootstrap = "docker",
                                           .from = as_given.substr(as_given.find("://") + 3)};
    try {
        result.conversion = oci2sif::convert(convert, observer);
    } catch (const Error& e) {
        // A corrupt stream is usually a symptom: the download's own error says what happened.
        if (e.kind() == ErrorKind::invalid_input) {
            if (const auto cause = fetcher.failure_of_read_blobs()) {
                std::rethrow_exception(cause);
            }
        }
        if (e.kind() == ErrorKind::unsupported && store->image_is_sif_artifact()) {
            throw Error(e.kind(), e.detail() + " (a SIF artifact: pull it with oras://)", e.file(),
                        e.offset());
        }
        throw;
    }
    result.manifest_digest = store->image_manifest_digest();
    result.sif_bytes = result.conversion->sif_bytes;
    fill_stats(result, fetcher, client);
    return result;
}

}  // namespace

PullResult pull(const PullOptions& options, oci2sif::ConvertObserver* observer) {
    const Reference ref = Reference::parse(options.reference);
    if (ref.transport == Transport::oras) {
        return pull_sif(ref, options);
    }
    return pull_image(ref, options.reference, options, observer);
}

}  // namespace sifkit::registry
