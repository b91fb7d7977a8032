// The progress display of `sifkit convert` on a terminal: one status line on stderr, redrawn at
// most a few times a second (layer, bytes read, files, throughput, ETA). Quiet when stderr is not
// a terminal or with --quiet; warnings always go to stderr, one line each.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "sifkit/oci2sif/convert.hpp"

namespace sifkit::cli {

class ProgressBar final : public oci2sif::ConvertObserver {
  public:
    explicit ProgressBar(bool enabled);
    ~ProgressBar() override;

    void source_resolved(std::size_t layers, std::uint64_t bytes) override;
    void layer_started(std::size_t index, std::size_t count, const std::string& name,
                       std::uint64_t bytes) override;
    void advanced(std::uint64_t bytes_read, std::uint64_t files) override;
    void phase(const std::string& name) override;
    void warning(const std::string& message) override;
    // Clears the status line (before the summary is printed).
    void clear();

  private:
    void draw(bool force);

    bool enabled_;
    std::chrono::steady_clock::time_point start_;
    std::chrono::steady_clock::time_point last_draw_{};
    std::string label_;
    std::uint64_t total_ = 0;
    std::uint64_t bytes_ = 0;
    std::uint64_t files_ = 0;
    bool drawn_ = false;
};

// "12.3 MiB"
std::string human_bytes(std::uint64_t bytes);

}  // namespace sifkit::cli
