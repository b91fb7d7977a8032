#include "progress_bar.hpp"

#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace sifkit::cli {

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

ProgressBar::ProgressBar(bool enabled)
    : enabled_(enabled && ::isatty(STDERR_FILENO) == 1), start_(std::chrono::steady_clock::now()) {}

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
    if (enabled_ && drawn_) {
        std::cerr << "\r\033[K" << std::flush;
        drawn_ = false;
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
        const double fraction =
            std::min(1.0, static_cast<double>(bytes_) / static_cast<double>(total_));
        constexpr int kWidth = 20;
        const int filled = static_cast<int>(fraction * kWidth);
        line = "[" + std::string(static_cast<std::size_t>(filled), '#') +
               std::string(static_cast<std::size_t>(kWidth - filled), ' ') + "] " + line + " / " +
               human_bytes(total_);
        if (rate > 0 && bytes_ < total_) {
            const auto eta = static_cast<long>(static_cast<double>(total_ - bytes_) / rate);
            line += "  ETA " + std::to_string(eta) + "s";
        }
    }
    line += "  " + std::to_string(files_) + " files  " +
            human_bytes(static_cast<std::uint64_t>(rate)) + "/s";
    std::cerr << "\r\033[K" << line << std::flush;
    drawn_ = true;
}

}  // namespace sifkit::cli
