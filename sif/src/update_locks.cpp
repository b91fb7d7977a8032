// In-process registry of the files under an update lock.
#include "update_locks.hpp"

#include <mutex>
#include <set>
#include <utility>

#include "sifkit/sif/error.hpp"

namespace sifkit::sif::detail {
namespace {

std::mutex& registry_mutex() {
    static std::mutex mutex;
    return mutex;
}

std::set<std::pair<dev_t, ino_t>>& claimed() {
    static std::set<std::pair<dev_t, ino_t>> files;
    return files;
}

}  // namespace

void claim_update(dev_t device, ino_t inode, const std::string& name) {
    const std::lock_guard<std::mutex> hold(registry_mutex());
    if (!claimed().emplace(device, inode).second) {
        throw Error(ErrorKind::conflict,
                    "already open for update in this process (close it before opening it again "
                    "read-write)",
                    name);
    }
}

void release_update(dev_t device, ino_t inode) noexcept {
    const std::lock_guard<std::mutex> hold(registry_mutex());
    claimed().erase({device, inode});
}

}  // namespace sifkit::sif::detail
