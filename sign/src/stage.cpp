// Staging an image (see stage.hpp): the source, and the steps of stage_image() in order. The
// copy-and-verify itself is in stage_copy.cpp.
#include "sifkit/sign/stage.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "cache_dir.hpp"
#include "disk_space.hpp"
#include "sifkit/sif/error.hpp"
#include "stage_copy.hpp"

namespace sifkit::sign {

StageSource::StageSource(sif::UniqueFd fd, std::string name)
    : fd_(std::move(fd)), name_(std::move(name)) {
    struct stat info {};
    if (::fstat(fd_.get(), &info) != 0) {
        throw_errno("cannot stat", name_);
    }
    if (!S_ISREG(info.st_mode)) {
        throw Error(ErrorKind::usage, "not a regular file", name_);
    }
    size_ = static_cast<std::uint64_t>(info.st_size);
    mode_ = info.st_mode & 07777;
}

StageSource StageSource::open(const std::filesystem::path& path) {
    // O_NONBLOCK: opening a FIFO must not hang; the regular-file check refuses it next.
    sif::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (!fd) {
        throw_errno("cannot open", path.string());
    }
    return StageSource(std::move(fd), path.string());
}

StageSource StageSource::adopt(int fd, std::string name) {
    if (fd < 0) {
        throw Error(ErrorKind::usage, "invalid file descriptor " + std::to_string(fd), name);
    }
    return StageSource(sif::UniqueFd(fd), std::move(name));
}

StageResult stage_image(const StageSource& source, const std::filesystem::path& destination,
                        const VerifyOptions& options, sif::AtomicFile::Overwrite overwrite,
                        const StageLimits& limits) {
    detail::check_max_size(source, limits);
    const std::filesystem::path dir = destination.parent_path();
    detail::remove_dead_temporaries(dir);
    detail::check_space(dir, source.size(), "the staged copy of " + source.name());
    StageResult result;
    if (auto refusal = detail::refusal_before_copy(detail::open_metadata_only(source), options)) {
        result.report = std::move(*refusal);
        result.refused_before_copy = true;
        return result;
    }
    sif::AtomicFile copy(destination, overwrite, source.mode() & 0777);
    result.report = detail::copy_and_verify(source, copy, options).report;
    if (result.report.status == VerifyStatus::verified) {
        detail::flush_copy(copy);
        copy.commit();
        result.written = true;
    }
    return result;
}

StageResult stage_image(const std::filesystem::path& source,
                        const std::filesystem::path& destination, const VerifyOptions& options,
                        sif::AtomicFile::Overwrite overwrite, const StageLimits& limits) {
    return stage_image(StageSource::open(source), destination, options, overwrite, limits);
}

}  // namespace sifkit::sign
