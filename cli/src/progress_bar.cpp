#include "progress_bar.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <iostream>

namespace sifkit::cli {
namespace {

constexpr char kClearLine[] = "\r\033[K";
// Whether a status line is on the terminal now; read by the signal handler.
std::atomic<bool> g_line_drawn{false};

}  // namespace

std::string human_bytes(std::uint64_t bytes) {
    static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double value = static_cast<double>(bytes);
    std::size_t unit = 0;
    while (value >= 1024.0 && unit + 1 < std::size(kUnits)) {
        value /= 1024.0;
        ++unit;
    }
    char text[32];
    std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", value, kUnits[unit]);
    return text;
}

void EtaEstimator::restart(std::chrono::steady_clock::time_point now) {
    start_ = now;
    sample_time_ = now;
    sample_done_ = 0;
    rate_ = 0;
    started_ = true;
}

std::optional<double> EtaEstimator::update(std::chrono::steady_clock::time_point now,
                                           std::uint64_t done, std::uint64_t total) {
    if (!started_) {
        restart(now);
    }
    const double since_sample = std::chrono::duration<double>(now - sample_time_).count();
    if (since_sample >= 1.0 && done >= sample_done_) {
        const double current = static_cast<double>(done - sample_done_) / since_sample;
        // The first rate counts whole; then each second weighs 30 %.
        rate_ = rate_ == 0 ? current : 0.3 * current + 0.7 * rate_;
        sample_time_ = now;
        sample_done_ = done;
    }
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    if (total == 0 || done >= total || rate_ <= 0 || elapsed < 2.0 ||
        static_cast<double>(done) < 0.03 * static_cast<double>(total)) {
        return std::nullopt;
    }
    return static_cast<double>(total - done) / rate_;
}

std::string progress_cells(std::uint64_t done, std::uint64_t total) {
    const double fraction =
        total == 0 ? 0.0 : std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
    constexpr int kWidth = 20;
    const int filled = static_cast<int>(fraction * kWidth);
    return "[" + std::string(static_cast<std::size_t>(filled), '#') +
           std::string(static_cast<std::size_t>(kWidth - filled), ' ') + "] ";
}

std::string eta_text(double seconds) {
    const auto total = static_cast<long>(seconds + 0.5);
    char text[32];
    if (total >= 3600) {
        std::snprintf(text, sizeof text, "ETA %ldh%02ldm", total / 3600, (total / 60) % 60);
    } else if (total >= 60) {
        std::snprintf(text, sizeof text, "ETA %ldm%02lds", total / 60, total % 60);
    } else {
        std::snprintf(text, sizeof text, "ETA %lds", total);
    }
    return text;
}

bool stderr_is_terminal() {
    return ::isatty(STDERR_FILENO) == 1;
}

void draw_status_line(const std::string& line) {
    std::cerr << kClearLine << line << std::flush;
    g_line_drawn = true;
}

void clear_status_line() {
    if (g_line_drawn.exchange(false)) {
        std::cerr << kClearLine << std::flush;
    }
}

void clear_status_line_on_signal() noexcept {
    if (g_line_drawn.exchange(false)) {
        [[maybe_unused]] const ssize_t n =
            ::write(STDERR_FILENO, kClearLine, sizeof kClearLine - 1);
    }
}

ProgressBar::ProgressBar(bool enabled)
    : enabled_(enabled && stderr_is_terminal()), start_(std::chrono::steady_clock::now()) {
    eta_.restart(start_);
}

ProgressBar::~ProgressBar() {
    clear();
}

void ProgressBar::source_resolved(std::size_t layers, std::uint64_t bytes) {
    (void)layers;
    total_ = bytes;  // 0 (unknown): no bar and no ETA, only counters
}

void ProgressBar::layer_started(std::size_t index, std::size_t count, const std::string& name,
                                std::uint64_t bytes) {
    (void)bytes;
    const std::string shortened = name.size() > 19 ? name.substr(0, 19) : name;
    label_ = "layer " + std::to_string(index + 1) + "/" + std::to_string(count) + " " + shortened;
    draw(true);
}

void ProgressBar::advanced(std::uint64_t bytes_read, std::uint64_t files) {
    bytes_ = bytes_read;
    files_ = files;
    draw(false);
}

void ProgressBar::phase(const std::string& name) {
    label_ = name;
    draw(true);
}

void ProgressBar::warning(const std::string& message) {
    clear();
    std::cerr << "sifkit: warning: " << message << '\n';
    draw(true);
}

void ProgressBar::clear() {
    if (enabled_) {
        clear_status_line();
    }
}

void ProgressBar::draw(bool force) {
    if (!enabled_) {
        return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - last_draw_ < std::chrono::milliseconds(200)) {
        return;
    }
    last_draw_ = now;
    const double seconds = std::chrono::duration<double>(now - start_).count();
    const double rate = seconds > 0 ? static_cast<double>(bytes_) / seconds : 0.0;
    std::string line = label_ + "  " + human_bytes(bytes_);
    if (total_ > 0) {
        line = progress_cells(bytes_, total_) + line + " / " + human_bytes(total_);
        if (const auto eta = eta_.update(now, bytes_, total_)) {
            line += "  " + eta_text(*eta);
        }
    }
    line += "  " + std::to_string(files_) + " files  " +
            human_bytes(static_cast<std::uint64_t>(rate)) + "/s";
    draw_status_line(line);
}

}  // namespace sifkit::cli
