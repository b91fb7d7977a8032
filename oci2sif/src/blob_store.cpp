#include "sifkit/oci2sif/blob_store.hpp"

#include <sys/stat.h>

#include <cerrno>

#include <vector>

#include "byte_sources.hpp"
#include "sifkit/sif/error.hpp"

namespace sifkit::oci2sif {

std::string BlobStore::read_all(std::string_view path, std::uint64_t limit) const {
    const auto size = size_of(path);
    if (!size) {
        throw Error(ErrorKind::not_found, "no such file in the image", describe(path));
    }
    if (*size > limit) {
        throw Error(ErrorKind::invalid_input,
                    "is " + std::to_string(*size) + " bytes; more than the " +
                        std::to_string(limit) + " bytes a document of this kind may have",
                    describe(path));
    }
    auto source = open(path);
    std::string text(static_cast<std::size_t>(*size), '\0');
    std::size_t done = 0;
    while (done < text.size()) {
        const auto n = source->read(
            std::as_writable_bytes(std::span<char>(text.data() + done, text.size() - done)));
        if (n == 0) {
            throw Error(ErrorKind::invalid_input, "shorter than its recorded size", describe(path));
        }
        done += n;
    }
    return text;
}

std::string BlobStore::describe(std::string_view path) const {
    return name() + ":" + std::string(path);
}

std::optional<std::string> normalize_store_path(std::string_view path) {
    if (path.empty() || path.front() == '/') {
        return std::nullopt;
    }
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (start <= path.size()) {
        const std::size_t slash = std::min(path.find('/', start), path.size());
        const std::string_view part = path.substr(start, slash - start);
        if (part == "..") {
            if (parts.empty()) {
                return std::nullopt;
            }
            parts.pop_back();
        } else if (!part.empty() && part != ".") {
            parts.push_back(part);
        }
        start = slash + 1;
    }
    if (parts.empty()) {
        return std::nullopt;
    }
    std::string out;
    for (const auto part : parts) {
        if (!out.empty()) {
            out += '/';
        }
        out += part;
    }
    return out;
}

namespace {

class DirectoryStore final : public BlobStore {
  public:
    explicit DirectoryStore(std::filesystem::path directory)
        : directory_(std::move(directory)), name_(directory_.string()) {}

    const std::string& name() const override { return name_; }

    std::optional<std::uint64_t> size_of(std::string_view path) const override {
        const auto clean = normalize_store_path(path);
        if (!clean) {
            return std::nullopt;
        }
        struct stat st {};
        const auto full = directory_ / *clean;
        if (::stat(full.c_str(), &st) != 0) {
            // Only a file that is not there is "missing"; a directory we may not search is not.
            if (errno == ENOENT || errno == ENOTDIR) {
                return std::nullopt;
            }
            throw_errno("cannot open", full.string());
        }
        if (!S_ISREG(st.st_mode)) {
            return std::nullopt;
        }
        return static_cast<std::uint64_t>(st.st_size);
    }

    std::unique_ptr<sif::ByteSource> open(std::string_view path) const override {
        const auto clean = normalize_store_path(path);
        if (!clean) {
            throw Error(ErrorKind::invalid_input, "path leaves the image layout", describe(path));
        }
        const auto full = directory_ / *clean;
        std::error_code ec;
        if (!std::filesystem::is_regular_file(full, ec)) {
            throw Error(ErrorKind::not_found, "no such file in the image layout", full.string());
        }
        auto file = SharedFile::open(full);
        const auto size = file->size();
        return std::make_unique<RangeSource>(std::move(file), 0, size, full.string());
    }

    std::string describe(std::string_view path) const override {
        return (directory_ / std::string(path)).string();
    }

  private:
    std::filesystem::path directory_;
    std::string name_;
};

}  // namespace

std::unique_ptr<BlobStore> open_directory_store(const std::filesystem::path& directory) {
    require_readable_directory(directory.string());
    return std::make_unique<DirectoryStore>(directory);
}

}  // namespace sifkit::oci2sif
