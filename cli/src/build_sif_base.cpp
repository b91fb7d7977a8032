#include "build_sif_base.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <iostream>
#include <memory>

#include "build_base_trust.hpp"
#include "build_sandbox.hpp"
#include "build_tree_files.hpp"
#include "output.hpp"
#include "progress_bar.hpp"
#include "sifkit/rootfs/image_root.hpp"
#include "sifkit/rootfs/unpack.hpp"
#include "sifkit/sif/directory.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/image.hpp"
#include "sifkit/sif/unique_fd.hpp"

namespace sifkit::cli {
namespace {

namespace fs = std::filesystem;

// Entries of the directory `path` below `root`, links not followed; 0 when it is not there.
std::size_t count_entries_below(int root, const std::string& path) {
    const int fd = ::openat(root, path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        return 0;
    }
    // closedir closes the descriptor too; fdopendir takes it only when it succeeds.
    const sif::UniqueDir dir(::fdopendir(fd));
    if (!dir) {
        ::close(fd);
        return 0;
    }
    std::size_t count = 0;
    while (const dirent* entry = ::readdir(dir.get())) {
        const std::string_view name = entry->d_name;
        if (name != "." && name != "..") {
            ++count;
        }
    }
    return count;
}

}  // namespace

bool builds_on_sif(const oci2sif::Definition& definition) {
    if (definition.bootstrap == "oras") {
        return true;
    }
    std::error_code ec;
    return definition.bootstrap == "localimage" && !fs::is_directory(definition.from, ec);
}

SifBase::SifBase(const oci2sif::Definition& definition, const std::string& tmpdir,
                 const PullRequest& pull)
    : work_(build_work_parent(tmpdir), "sifkit-base"),
      report_(!pull.convert.quiet && !pull.convert.json) {
    fs::path image = definition.from;
    if (definition.bootstrap == "oras") {
        PullRequest request = pull;
        request.reference = "oras://" + definition.from;
        request.output = (work_.path() / "base.sif").string();
        request.definition = nullptr;
        request.before_publish = {};
        request.convert.quiet = true;
        request.convert.json = false;
        run_pull(request);
        image = request.output;
        image_ = request.reference;
    } else {
        image_ = definition.from;
    }
    {
        const sif::Image sif = sif::Image::open(image);
        check_base_signatures(sif, image_, definition);
        const sif::Descriptor* primary = sif.primary_partition();
        if (primary == nullptr) {
            throw Error(ErrorKind::unsupported,
                        "a definition builds on a SIF with a primary partition (for an OCI-SIF, "
                        "export it and use \"Bootstrap: localimage\" with the directory)",
                        image_);
        }
        architecture_ = std::string(primary->partition().arch.go_name());
        const rootfs::SquashfsImage root = rootfs::open_root(sif);
        const rootfs::UnpackReport report =
            rootfs::unpack_to_directory(root, work_.path() / "rootfs");
        report_unpack_skips(report, image_);
    }
    const sif::UniqueFd root(
        ::open((work_.path() / "rootfs").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    metadata_.origin = image_;
    metadata_.labels_json = read_file_below(root.get(), ".singularity.d/labels.json");
    metadata_.environment = read_file_below(root.get(), ".singularity.d/env/90-environment.sh");
    metadata_.deffile = read_file_below(root.get(), ".singularity.d/Singularity");
    metadata_.history_entries = count_entries_below(root.get(), ".singularity.d/bootstrap_history");
}

SifBase::~SifBase() {
    if (report_) {
        const std::uint64_t used = work_.disk_usage();
        const bool removed = work_.remove();
        std::cerr << "sifkit: base image tree " << work_.path().string() << ": "
                  << human_bytes(used) << " used, " << (removed ? "removed" : "NOT all removed")
                  << "\n";
    }
}

void SifBase::apply(oci2sif::ConvertOptions& options) const {
    options.source = "dir:" + (work_.path() / "rootfs").string();
    options.base_metadata = metadata_;
    if (options.architecture.empty() && architecture_ != "unknown") {
        options.architecture = architecture_;
    }
}

}  // namespace sifkit::cli
