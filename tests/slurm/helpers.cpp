#include "helpers.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "sifkit/sif/image.hpp"

namespace slurm_test {
namespace {

namespace t = sifkit::test;

void require_ok(const t::RunResult& r) {
    if (r.exit_code != 0) {
        throw std::runtime_error(r.describe() + "\nstdout: " + r.out);
    }
}

}  // namespace

void tamper(const fs::path& image) {
    std::uint64_t offset = 0;
    {
        const auto sif = sifkit::sif::Image::open(image);
        const auto* partition = sif.primary_partition();
        if (partition == nullptr) {
            throw std::runtime_error(image.string() + ": no primary partition");
        }
        offset = static_cast<std::uint64_t>(partition->offset) + 4096;
    }
    std::fstream f(image, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(offset));
    char c = 0;
    f.get(c);
    f.seekp(static_cast<std::streamoff>(offset));
    f.put(static_cast<char>(c ^ 0x20));
}

t::RunResult run_sifkit(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {t::sifkit_bin().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return t::run(argv);
}

void make_layout(const fs::path& dir) {
    require_ok(
        t::run({"python3", (t::repo_root() / "tests/fixtures/demo/make-demo-image.py").string(),
                dir.string()}));
}

void make_image(const fs::path& layout, const fs::path& out, const fs::path& key,
                const std::string& uuid) {
    std::vector<std::string> convert = {"convert", "-q", "-f", "oci:" + layout.string(),
                                        out.string()};
    if (!uuid.empty()) {
        convert.insert(convert.end(), {"--uuid", uuid});
    }
    require_ok(run_sifkit(convert));
    if (!key.empty()) {
        require_ok(run_sifkit({"sign", out.string(), "--key", key.string()}));
    }
    fs::permissions(out, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                             fs::perms::others_read);
}

std::vector<int> lock_waiter_pids(const fs::path& file) {
    struct stat info {};
    if (::stat(file.c_str(), &info) != 0) {
        return {};
    }
    char id[64];
    std::snprintf(id, sizeof id, "%02x:%02x:%llu", major(info.st_dev), minor(info.st_dev),
                  static_cast<unsigned long long>(info.st_ino));
    // "N: -> FLOCK  ADVISORY  WRITE PID MAJ:MIN:INODE 0 EOF" for a blocked waiter.
    std::istringstream locks(t::read_file("/proc/locks"));
    std::vector<int> pids;
    for (std::string line; std::getline(locks, line);) {
        std::istringstream in(line);
        std::vector<std::string> fields;
        for (std::string field; in >> field;) {
            fields.push_back(field);
        }
        if (fields.size() >= 7 && fields[1] == "->" && fields[6] == id) {
            pids.push_back(std::stoi(fields[5]));
        }
    }
    return pids;
}

int lock_waiters(const fs::path& file) {
    return static_cast<int>(lock_waiter_pids(file).size());
}

void make_sparse_image(const fs::path& path, std::uint64_t bytes) {
    t::write_file(path, "");
    auto image = sifkit::sif::Image::create(
        sifkit::sif::FileStorage::open(path, sifkit::sif::OpenMode::read_write), {});
    sifkit::sif::ObjectSpec spec;
    spec.group = 1;
    auto writer = image.begin_object(spec);
    const std::byte last{1};
    const std::uint64_t header_and_table = fs::file_size(path);
    writer.write_at(bytes - header_and_table - 1, std::span(&last, 1));
    writer.commit();
}

std::vector<std::string> entries_of(const fs::path& dir) {
    std::vector<std::string> names;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
        names.push_back(it->path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::vector<std::string> temporaries_in(const fs::path& dir) {
    std::vector<std::string> names;
    for (const std::string& name : entries_of(dir)) {
        if (name.find(".sifkit-") != std::string::npos) {
            names.push_back(name);
        }
    }
    return names;
}

std::uint64_t allocated_bytes(const fs::path& file) {
    struct stat info {};
    if (::lstat(file.c_str(), &info) != 0) {
        return 0;
    }
    return static_cast<std::uint64_t>(info.st_blocks) * 512;
}

HeldLock::HeldLock(const fs::path& file)
    : fd_(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
    if (fd_ < 0 || ::flock(fd_, LOCK_EX) != 0) {
        throw std::runtime_error("cannot lock " + file.string());
    }
}

HeldLock::~HeldLock() {
    release();
}

void HeldLock::release() {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

bool wait_for_waiters(const fs::path& file, int count, const std::function<bool()>& gone,
                      int seconds) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (lock_waiters(file) < count) {
        if (gone() || std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
}

std::vector<std::string> lines_with(const std::string& text, const std::string& needle) {
    std::vector<std::string> found;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.find(needle) != std::string::npos) {
            found.push_back(line);
        }
    }
    return found;
}

}  // namespace slurm_test
