#include "output.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>

#include "sifkit/rootfs/sandbox.hpp"
#include "sifkit/sif/atomic_file.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/file_io.hpp"

namespace sifkit::cli {

void write_stdout(std::string_view text) {
    sif::write_full(STDOUT_FILENO, std::as_bytes(std::span(text.data(), text.size())), kStdoutName,
                    "cannot write output");
}

std::string output_in_directory(const std::string& output, const std::string& file_name) {
    std::error_code ec;
    if (output.empty() || !std::filesystem::is_directory(output, ec)) {
        return output;
    }
    return (std::filesystem::path(output) / file_name).string();
}

void refuse_stdout_for_sif(const std::string& output) {
    if (output == "-") {
        throw Error(ErrorKind::usage,
                    "a SIF image cannot be written to standard output (\"-\"): it is written "
                    "with seeks and renamed into place; give a file name (./- for a file named "
                    "\"-\")");
    }
}

bool is_closed_stdout_pipe(const Error& error) {
    if (error.kind() != ErrorKind::io || error.file() != kStdoutName) {
        return false;
    }
    // The error text does not keep errno; Linux reports a pipe without readers as POLLERR to
    // its writer, which is exactly the case (and a full disk or a bad socket is not).
    pollfd out{STDOUT_FILENO, POLLOUT, 0};
    return ::poll(&out, 1, 0) == 1 && (out.revents & POLLERR) != 0;
}

void refuse_binary_on_terminal(const std::string& what, bool force) {
    if (!force && ::isatty(STDOUT_FILENO) == 1) {
        throw Error(ErrorKind::usage,
                    "refusing to write " + what +
                        " to a terminal; redirect standard output, or use --force",
                    kStdoutName);
    }
}

void write_object(const sif::Image& image, const sif::Descriptor& object, const std::string& output,
                  bool force) {
    if (output.empty() || output == "-") {
        image.copy_to_fd(object, STDOUT_FILENO, kStdoutName);
        return;
    }
    sif::AtomicFile file(
        output, force ? sif::AtomicFile::Overwrite::replace : sif::AtomicFile::Overwrite::refuse);
    image.copy_to_fd(object, file.fd(), output);
    file.commit();
}

void write_file_atomically(const std::filesystem::path& path, std::string_view text, mode_t mode,
                           bool force) {
    sif::AtomicFile file(
        path, force ? sif::AtomicFile::Overwrite::replace : sif::AtomicFile::Overwrite::refuse,
        mode);
    file.storage()->write_at(0, std::as_bytes(std::span(text)));
    file.commit();
}

void report_replaced_tree_left(const std::string& destination, const std::string& left) {
    if (!left.empty()) {
        std::fprintf(stderr,
                     "sifkit: warning: %s: replaced, but the old tree could not all be removed; "
                     "what is left is in %s\n",
                     destination.c_str(), left.c_str());
    }
}

void report_unpack_skips(const rootfs::UnpackReport& report, const std::string& destination) {
    // In a user namespace (a rootless build) root may give only the IDs it maps, and no one
    // may create devices: say that, not "needs root".
    const bool namespaced = rootfs::in_user_namespace();
    if (report.owners_not_applied > 0) {
        std::fprintf(stderr,
                     "sifkit: warning: %s: %llu entries keep %s instead of the image's (%s), "
                     "e.g. %s\n",
                     destination.c_str(),
                     static_cast<unsigned long long>(report.owners_not_applied),
                     namespaced ? "root's uid/gid" : "your own uid/gid",
                     namespaced ? "their IDs are outside this user namespace's mapping"
                                : "changing owners needs root or a user namespace",
                     report.first_owner_skipped.c_str());
    }
    if (report.devices_skipped > 0) {
        std::fprintf(stderr, "sifkit: warning: %s: %llu device node(s) not created (%s)\n",
                     destination.c_str(), static_cast<unsigned long long>(report.devices_skipped),
                     namespaced ? "not allowed in a user namespace" : "needs root");
    }
    if (report.xattrs_skipped > 0) {
        std::fprintf(stderr,
                     "sifkit: warning: %s: %llu extended attribute(s) not set (refused by the "
                     "file system or needing root)\n",
                     destination.c_str(), static_cast<unsigned long long>(report.xattrs_skipped));
    }
}

void print_json(const nlohmann::ordered_json& value) {
    write_stdout(value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

}  // namespace sifkit::cli
