#include "io_progress.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <utility>

#include "progress_bar.hpp"

namespace sifkit::cli {

std::uint64_t process_io_bytes(IoProgress::Counter counter, std::uint64_t* own_reads) {
    // Read with read(2) to know how many bytes this look itself adds to rchar.
    const int fd = ::open("/proc/self/io", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return 0;
    }
    std::string text;
    char buffer[512];
    ssize_t n = 0;
    while ((n = ::read(fd, buffer, sizeof buffer)) > 0) {
        text.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    if (own_reads != nullptr) {
        *own_reads += text.size();
    }
    const std::string key = counter == IoProgress::Counter::read ? "rchar: " : "wchar: ";
    const auto at = text.find(key);
    return at == std::string::npos ? 0 : std::strtoull(text.c_str() + at + key.size(), nullptr, 10);
}

std::uint64_t file_size_or_zero(const std::string& path) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    return ec ? 0 : static_cast<std::uint64_t>(size);
}

IoProgress::IoProgress(std::string label, std::uint64_t total, Counter counter, bool enabled)
    : label_(std::move(label)), total_(total), counter_(counter) {
    if (!enabled || !stderr_is_terminal()) {
        return;
    }
    base_ = process_io_bytes(counter_, &own_reads_);
    thread_ = std::thread([this] { run(); });
}

IoProgress::~IoProgress() {
    stop();
}

void IoProgress::stop() {
    if (!thread_.joinable()) {
        return;
    }
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
    clear_status_line();
}

namespace {

long progress_delay_ms() {
    constexpr long kDefault = 500;
    const char* text = std::getenv("SIFKIT_PROGRESS_DELAY_MS");
    if (text == nullptr || *text == '\0') {
        return kDefault;
    }
    char* end = nullptr;
    const long value = std::strtol(text, &end, 10);
    return *end == '\0' && value >= 0 && value <= 60000 ? value : kDefault;
}

}  // namespace

void IoProgress::run() {
    using namespace std::chrono_literals;
    const auto start = std::chrono::steady_clock::now();
    EtaEstimator eta;
    eta.restart(start);
    std::unique_lock lock(mutex_);
    // Quick commands finish before anything is drawn. $SIFKIT_PROGRESS_DELAY_MS changes the
    // half second (0: drawn at once, at least once: how the tests see every command's line).
    const auto delay = std::chrono::milliseconds(progress_delay_ms());
    if (delay.count() > 0 && wake_.wait_for(lock, delay, [this] { return stopping_; })) {
        return;
    }
    do {
        const auto now = std::chrono::steady_clock::now();
        // Our earlier looks at /proc/self/io are reads too, not the command's work (this look
        // is counted only after it).
        const std::uint64_t ours = counter_ == Counter::read ? own_reads_ : 0;
        const std::uint64_t now_bytes = process_io_bytes(counter_, &own_reads_);
        const std::uint64_t done = now_bytes > base_ + ours ? now_bytes - base_ - ours : 0;
        const double seconds = std::chrono::duration<double>(now - start).count();
        std::string line;
        if (total_ > 0) {
            line = progress_cells(done, total_) + label_ + "  " +
                   human_bytes(std::min(done, total_)) + " / " + human_bytes(total_);
            if (const auto left = eta.update(now, done, total_)) {
                line += "  " + eta_text(*left);
            }
        } else {
            line = label_ + "  " + human_bytes(done);
        }
        line += "  " +
                human_bytes(static_cast<std::uint64_t>(static_cast<double>(done) /
                                                       std::max(seconds, 0.001))) +
                "/s";
        draw_status_line(line);
    } while (!wake_.wait_for(lock, 200ms, [this] { return stopping_; }));
}

}  // namespace sifkit::cli
