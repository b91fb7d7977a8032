// Progress of a command that reads (or writes) one large thing — export, extract, push, pull
// oras://, stage, sign, verify — measured where it cannot be wrong whatever library does the
// work: the bytes this process has read or written so far, as the kernel counts them
// (/proc/self/io: rchar/wchar, every thread, read/pread/sendfile/copy_file_range included).
// A thread samples them five times a second and draws the status line (progress_bar.hpp) on
// a terminal only, after the first half second, so that quick runs stay silent.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace sifkit::cli {

class IoProgress {
  public:
    enum class Counter { read, written };

    // `label` starts the line ("export app.sif"); `total` bytes expected of `counter` (0:
    // unknown, then only the bytes and the rate show). Disabled unless `enabled` and stderr is
    // a terminal.
    IoProgress(std::string label, std::uint64_t total, Counter counter, bool enabled);
    ~IoProgress();
    IoProgress(const IoProgress&) = delete;
    IoProgress& operator=(const IoProgress&) = delete;

    // Stops drawing and clears the line (before a summary is printed); also done on
    // destruction.
    void stop();

  private:
    void run();

    std::string label_;
    std::uint64_t total_;
    Counter counter_;
    std::uint64_t base_ = 0;
    std::uint64_t own_reads_ = 0;  // what reading /proc/self/io added to rchar
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

// The process's bytes read or written so far (/proc/self/io); 0 when unreadable. The bytes of
// /proc/self/io read to find out are added to *own_reads.
std::uint64_t process_io_bytes(IoProgress::Counter counter, std::uint64_t* own_reads);
// The size of the file at `path` (0 when it cannot be told: the bar then shows no total).
std::uint64_t file_size_or_zero(const std::string& path);

}  // namespace sifkit::cli
