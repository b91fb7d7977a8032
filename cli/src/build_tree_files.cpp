#include "build_tree_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sifkit/sif/error.hpp"
#include "sifkit/sif/unique_fd.hpp"

namespace sifkit::cli {

namespace fs = std::filesystem;

// Writes a new file below `root` without following links (the tree is the image's: a name in
// it may be a link pointing anywhere on the host).
void write_new_file_below(const fs::path& root, const std::string& name, const std::string& text,
                          mode_t mode) {
    const sif::UniqueFd dir(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    const sif::UniqueFd file(
        dir.get() < 0 ? -1
                      : ::openat(dir.get(), name.c_str(),
                                 O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
    if (file.get() < 0) {
        throw_errno("cannot create", (root / name).string());
    }
    if (::write(file.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()) ||
        ::fchmod(file.get(), mode) != 0) {
        throw_errno("cannot write", (root / name).string());
    }
}

// Reads `path` (relative, components separated by '/') below `root` without following links;
// nullopt when it does not exist or is not a regular file.
std::optional<std::string> read_file_below(int root, const std::string& path) {
    sif::UniqueFd dir(::dup(root));
    std::size_t start = 0;
    for (;;) {
        const auto slash = path.find('/', start);
        const std::string name = path.substr(start, slash - start);
        if (slash == std::string::npos) {
            sif::UniqueFd file(
                ::openat(dir.get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
            struct stat st {};
            if (file.get() < 0 || ::fstat(file.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
                return std::nullopt;
            }
            std::string text;
            char buffer[65536];
            for (ssize_t n; (n = ::read(file.get(), buffer, sizeof buffer)) > 0;) {
                text.append(buffer, static_cast<std::size_t>(n));
                if (text.size() > (16U << 20)) {
                    return std::nullopt;  // not a labels file anybody wrote by hand
                }
            }
            return text;
        }
        dir = sif::UniqueFd(
            ::openat(dir.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (dir.get() < 0) {
            return std::nullopt;
        }
        start = slash + 1;
    }
}

// $APPTAINER_LABELS: merged into /.singularity.d/labels.json, then removed.
void merge_post_labels(const fs::path& rootfs, const oci2sif::Definition& def) {
    const sif::UniqueFd root(::open(rootfs.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    const auto lines = read_file_below(root.get(), std::string(kBuildLabelsFile + 1));
    if (!lines) {
        return;
    }
    ::unlinkat(root.get(), kBuildLabelsFile + 1, 0);
    const std::string labels_path = ".singularity.d/labels.json";
    const auto current = read_file_below(root.get(), labels_path);
    const std::string merged =
        oci2sif::merge_build_labels(current.value_or("{}"), *lines, def, "/" + labels_path);
    const sif::UniqueFd dir(
        ::openat(root.get(), ".singularity.d", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (dir.get() < 0) {
        throw_errno("cannot open", (rootfs / ".singularity.d").string());
    }
    ::unlinkat(dir.get(), "labels.json", 0);
    write_new_file_below(rootfs / ".singularity.d", "labels.json", merged, 0644);
}

}  // namespace sifkit::cli
