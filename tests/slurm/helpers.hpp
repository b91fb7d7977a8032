// Helpers of the Slurm and stage suites: demo images (good, unsigned, tampered), locks held by
// the test to make concurrent stagers meet, and output matching.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <future>
#include <string>
#include <vector>

#include "sifkit/test/support.hpp"

namespace slurm_test {

namespace fs = std::filesystem;

// sifkit (the binary under test), run directly.
sifkit::test::RunResult run_sifkit(const std::vector<std::string>& args);

// Writes the demo OCI layout (tests/fixtures/demo/make-demo-image.py) to `dir`/demo.
void make_layout(const fs::path& dir);
// Makes a demo image from `layout` (sifkit convert, with `uuid` when given), signed with `key`
// (unsigned when empty).
void make_image(const fs::path& layout, const fs::path& out, const fs::path& key,
                const std::string& uuid = {});
// Flips one byte inside the image's primary partition: it then claims its signatures, but its
// bytes are not the signed ones.
void tamper(const fs::path& image);

// Number of processes blocked waiting for a lock (flock or fcntl) on `file` (/proc/locks).
int lock_waiters(const fs::path& file);
// Their process IDs.
std::vector<int> lock_waiter_pids(const fs::path& file);

// An unsigned SIF image of `bytes` apparent size that uses a few KiB of disk: one data object
// in group 1, all holes but its last byte.
void make_sparse_image(const fs::path& path, std::uint64_t bytes);
// Names of the temporary files in `dir` (".NAME.sifkit-XXXXXX"), sorted.
std::vector<std::string> temporaries_in(const fs::path& dir);
// Names of every entry of `dir`, sorted (none when it does not exist).
std::vector<std::string> entries_of(const fs::path& dir);
// Bytes of disk a file holds (st_blocks * 512).
std::uint64_t allocated_bytes(const fs::path& file);

// Holds an exclusive flock on `file` until destroyed or released.
class HeldLock {
  public:
    explicit HeldLock(const fs::path& file);
    ~HeldLock();
    HeldLock(const HeldLock&) = delete;
    HeldLock& operator=(const HeldLock&) = delete;
    void release();

  private:
    int fd_ = -1;
};

// Waits until lock_waiters(file) reaches `count`; false as soon as `gone()` says the waiters
// will never come (their processes ended), or after `seconds` so that nothing ever hangs.
bool wait_for_waiters(const fs::path& file, int count, const std::function<bool()>& gone,
                      int seconds = 120);

// True when the future's result is there.
template <typename T>
bool ready(const std::future<T>& f) {
    return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
}

std::vector<std::string> lines_with(const std::string& text, const std::string& needle);

}  // namespace slurm_test
