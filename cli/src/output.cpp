#include "output.hpp"

#include <unistd.h>

#include <cerrno>

#include "sifkit/sif/atomic_file.hpp"
#include "sifkit/sif/error.hpp"

namespace sifkit::cli {

void write_stdout(std::string_view text) {
    while (!text.empty()) {
        const ssize_t n = ::write(STDOUT_FILENO, text.data(), text.size());
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw_errno("cannot write output", "<stdout>");
        }
        text.remove_prefix(static_cast<std::size_t>(n));
    }
}

void write_object(const sif::Image& image, const sif::Descriptor& object, const std::string& output,
                  bool force) {
    if (output.empty() || output == "-") {
        image.copy_to_fd(object, STDOUT_FILENO, "<stdout>");
        return;
    }
    sif::AtomicFile file(
        output, force ? sif::AtomicFile::Overwrite::replace : sif::AtomicFile::Overwrite::refuse);
    image.copy_to_fd(object, file.fd(), output);
    file.commit();
}

void print_json(const nlohmann::ordered_json& value) {
    write_stdout(value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

}  // namespace sifkit::cli
