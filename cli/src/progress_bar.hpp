// Progress on a terminal: one status line on stderr, redrawn at most five times a second, cleared
// at the end (and by the SIGINT/SIGTERM/SIGHUP handler, so that Ctrl-C leaves a clean line).
// Quiet when stderr is not a terminal or with --quiet/--json; warnings always go to stderr, one
// line each. `ProgressBar` is convert's and pull docker://'s (layers, files); `IoProgress`
// (io_progress.hpp) serves the commands that read or write one large thing.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "sifkit/oci2sif/convert.hpp"

namespace sifkit::cli {

// A time-left estimate that does not jump about: none until the work has run for 2 s and done
// 3 %, then the remaining bytes over a rate smoothed once a second (an exponential moving
// average), so that a slow start or a burst from the page cache does not make it lie.
class EtaEstimator {
  public:
    // Seconds left, or nullopt while there is no trustworthy estimate yet.
    std::optional<double> update(std::chrono::steady_clock::time_point now, std::uint64_t done,
                                 std::uint64_t total);
    void restart(std::chrono::steady_clock::time_point now);

  private:
    std::chrono::steady_clock::time_point start_{};
    std::chrono::steady_clock::time_point sample_time_{};
    std::uint64_t sample_done_ = 0;
    double rate_ = 0;  // bytes per second, smoothed; 0 until the first full sample
    bool started_ = false;
};

// "[#####     ] " for `done` of `total` (20 cells).
std::string progress_cells(std::uint64_t done, std::uint64_t total);
// "ETA 1m05s" style text for a number of seconds.
std::string eta_text(double seconds);

// Draws `line` as the status line ("\r", clear to the end of line, the text) and remembers
// that a line is drawn, for clear_status_line_on_signal(). Callers serialize their calls.
void draw_status_line(const std::string& line);
// Clears a drawn status line; nothing when none is drawn.
void clear_status_line();
// The same for a signal handler: async-signal-safe (one write(2)).
void clear_status_line_on_signal() noexcept;
// True when progress may be drawn: stderr is a terminal.
bool stderr_is_terminal();

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
    EtaEstimator eta_;
    std::string label_;
    std::uint64_t total_ = 0;
    std::uint64_t bytes_ = 0;
    std::uint64_t files_ = 0;
};

// "12.3 MiB"
std::string human_bytes(std::uint64_t bytes);

}  // namespace sifkit::cli
