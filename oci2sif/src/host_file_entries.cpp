// The entry stream of %files copies: each copy's source, followed through symbolic links (as
// `cp -L` does), a directory with everything below it in name order.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>

#include "files_section.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/file_io.hpp"
#include "sifkit/sif/tree_limits.hpp"
#include "sifkit/sif/unique_fd.hpp"

namespace sifkit::oci2sif {
namespace {

class HostFileEntries final : public EntryStream {
  public:
    HostFileEntries(std::vector<FileCopy> copies, std::int64_t mtime)
        : copies_(std::move(copies)), mtime_(mtime) {}

    bool next(Entry& entry) override {
        data_.reset();
        while (true) {
            if (pending_.empty()) {
                if (next_copy_ == copies_.size()) {
                    return false;
                }
                const FileCopy& copy = copies_[next_copy_++];
                origin_ = copy.origin;
                pending_.push_back({copy.source, copy.destination, 0});
                directories_.clear();
            }
            Item item = std::move(pending_.back());
            pending_.pop_back();
            if (describe(item, entry)) {
                return true;
            }
        }
    }

    std::size_t read_data(std::span<std::byte> data) override {
        if (!data_) {
            return 0;
        }
        return sif::read_some(data_.get(), data, origin_, "cannot read \"" + current_ + "\"");
    }

  private:
    struct Item {
        std::filesystem::path host;
        std::string image;
        std::size_t depth;
    };

    bool describe(const Item& item, Entry& entry) {
        const std::string host = item.host.string();
        struct stat st {};
        // stat, not lstat: links are followed, as cp -L follows them.
        if (::stat(host.c_str(), &st) != 0) {
            throw_errno("cannot copy \"" + host + "\"", origin_);
        }
        // The merge reads ".wh." names as whiteouts: a host file of that name would delete
        // the image's files instead of being copied.
        if (item.image.starts_with(".wh.") || item.image.find("/.wh.") != std::string::npos) {
            throw Error(ErrorKind::invalid_input,
                        "\"" + host +
                            "\": a name starting with .wh. cannot be copied (it would "
                            "be a whiteout, deleting files of the image)",
                        origin_);
        }
        entry = Entry{};
        entry.path = item.image;
        entry.mode = st.st_mode & 07777U;
        entry.mtime = mtime_;  // owner root:root, as files copied by a root build
        if (S_ISDIR(st.st_mode)) {
            if (item.depth >= sif::kMaxTreeDepth) {
                throw Error(ErrorKind::invalid_input,
                            "\"" + host + "\": more than " + std::to_string(sif::kMaxTreeDepth) +
                                " directory levels",
                            origin_);
            }
            // A link back to a directory being copied would copy it forever.
            if (!directories_.insert({st.st_dev, st.st_ino}).second) {
                warn(origin_ + ": \"" + host +
                     "\" skipped: a directory reached a second time through a link");
                return false;
            }
            entry.type = EntryType::directory;
            queue_children(item);
            return true;
        }
        if (S_ISREG(st.st_mode)) {
            entry.type = EntryType::regular;
            entry.size = static_cast<std::uint64_t>(st.st_size);
            data_ = sif::UniqueFd(::open(host.c_str(), O_RDONLY | O_CLOEXEC));
            if (!data_) {
                throw_errno("cannot read \"" + host + "\"", origin_);
            }
            current_ = host;
            return true;
        }
        warn(origin_ + ": \"" + host + "\" skipped: only files and directories are copied");
        return false;
    }

    // Children go on the stack in reverse name order, so that they come out sorted.
    void queue_children(const Item& item) {
        std::vector<std::string> names;
        std::error_code ec;
        for (const auto& child : std::filesystem::directory_iterator(item.host, ec)) {
            names.push_back(child.path().filename().string());
        }
        if (ec) {
            throw Error(ErrorKind::io,
                        "cannot read directory \"" + item.host.string() + "\": " + ec.message(),
                        origin_);
        }
        std::sort(names.rbegin(), names.rend());
        for (const auto& name : names) {
            pending_.push_back({item.host / name,
                                item.image.empty() ? name : item.image + "/" + name,
                                item.depth + 1});
        }
    }

    std::vector<FileCopy> copies_;
    std::int64_t mtime_;
    std::size_t next_copy_ = 0;
    std::vector<Item> pending_;
    std::set<std::pair<dev_t, ino_t>> directories_;
    std::string origin_;
    sif::UniqueFd data_;
    std::string current_;
};

}  // namespace

std::unique_ptr<EntryStream> host_file_entries(std::vector<FileCopy> copies, std::int64_t mtime) {
    return std::make_unique<HostFileEntries>(std::move(copies), mtime);
}

}  // namespace sifkit::oci2sif
