#include "sifkit/registry/push.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "sifkit/oci/media_types.hpp"
#include "sifkit/registry/blob_cache.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/image.hpp"
#include "sifkit/sif/sha256.hpp"
#include "sifkit/sif/time_text.hpp"
#include "sifkit/sif/types.hpp"
#include "sifkit/sif/unique_fd.hpp"

namespace sifkit::registry {
namespace {

std::string file_digest(int fd, std::uint64_t size, const std::string& name) {
    sif::Sha256 hasher;
    std::vector<std::byte> buffer(8 << 20);
    std::uint64_t done = 0;
    while (done < size) {
        const ssize_t n = ::pread(fd, buffer.data(), buffer.size(), static_cast<off_t>(done));
        if (n < 0) {
            throw_errno("cannot read", name);
        }
        if (n == 0) {
            throw Error(ErrorKind::io, "the file shrank while it was being read", name);
        }
        hasher.update(std::span<const std::byte>(buffer.data(), static_cast<std::size_t>(n)));
        done += static_cast<std::uint64_t>(n);
    }
    return hasher.finish();
}

// The manifest Apptainer writes for `sif push oras://` (internal/pkg/client/oras/image.go),
// with sifkit's choice of key order; the same image gives the same bytes.
std::string sif_manifest(const std::string& digest, std::uint64_t size, const std::string& title,
                         std::int64_t created) {
    nlohmann::ordered_json m;
    m["schemaVersion"] = 2;
    m["mediaType"] = oci::media::kOciManifest;
    m["config"] = {{"mediaType", oci::media::kSifConfig},
                   {"digest", oci::media::kEmptyConfigDigest},
                   {"size", oci::media::kEmptyConfig.size()}};
    m["layers"] =
        nlohmann::ordered_json::array({{{"mediaType", oci::media::kSifLayer},
                                        {"digest", digest},
                                        {"size", size},
                                        {"annotations", {{oci::media::kTitleAnnotation, title}}}}});
    if (created != sif::kUnsetTime) {
        m["annotations"] = {{oci::media::kCreatedAnnotation, sif::utc_rfc3339(created)}};
    }
    return m.dump();
}

}  // namespace

PushResult push(const PushOptions& options) {
    const Reference ref = Reference::parse(options.reference);
    if (ref.transport == Transport::docker) {
        throw Error(ErrorKind::usage,
                    "SIF files go to oras:// references; docker:// takes --format oci",
                    options.reference);
    }
    if (!ref.digest.empty()) {
        throw Error(ErrorKind::usage, "push to a tag, not to a digest", options.reference);
    }
    const std::string name = options.image.string();
    const sif::Image image = sif::Image::open(options.image);  // refuses what is not SIF
    const sif::UniqueFd fd(::open(options.image.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        throw_errno("cannot open", name);
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) {
        throw_errno("cannot stat", name);
    }
    PushResult result;
    result.reference = ref;
    result.size = static_cast<std::uint64_t>(st.st_size);
    result.blob_digest = file_digest(fd.get(), result.size, name);

    std::unique_ptr<BlobCache> cache;
    if (options.use_cache) {
        cache =
            std::make_unique<BlobCache>(options.cache_dir.value_or(BlobCache::default_directory()));
    }
    std::vector<std::string> mount_from = options.mount_from;
    if (cache) {
        for (auto& repo : cache->sources(result.blob_digest, ref.registry)) {
            mount_from.push_back(std::move(repo));
        }
    }
    Client client(ref.registry, ref.repository, options.client, true);
    result.outcome =
        client.push_blob(result.blob_digest, fd.get(), result.size, mount_from, options.chunk_size);
    client.push_blob(std::string(oci::media::kEmptyConfigDigest), oci::media::kEmptyConfig);
    const std::string manifest =
        sif_manifest(result.blob_digest, result.size, options.image.filename().string(),
                     image.header().created_at);
    result.manifest_digest =
        client.put_manifest(ref.tag, std::string(oci::media::kOciManifest), manifest);
    if (cache) {
        cache->record_source(result.blob_digest, ref.registry, ref.repository);
    }
    result.http = client.stats();
    return result;
}

}  // namespace sifkit::registry
