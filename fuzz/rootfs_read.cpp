// libFuzzer target for reading a squashfs root file system out of a SIF image: the input is the
// squashfs partition's bytes, placed in an in-memory SIF as its primary partition. Opening,
// walking every entry, reading every file and its xattrs and resolving every symlink may fail
// with a sifkit::Error (corrupt input); a crash, a hang, a leak or another exception is a
// finding.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "sifkit/rootfs/image_root.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/image.hpp"
#include "sifkit/sif/source.hpp"
#include "sifkit/sif/storage.hpp"

namespace {

using namespace sifkit;

// A growable image in memory.
class MemoryStorage final : public sif::Storage {
  public:
    const std::string& name() const override { return name_; }
    std::uint64_t size() override { return bytes_.size(); }
    std::size_t read_at(std::uint64_t offset, std::span<std::byte> data) override {
        if (data.empty() || offset >= bytes_.size()) {
            return 0;
        }
        const std::size_t n = std::min<std::size_t>(data.size(), bytes_.size() - offset);
        std::memcpy(data.data(), bytes_.data() + offset, n);
        return n;
    }
    void write_at(std::uint64_t offset, std::span<const std::byte> data) override {
        if (offset + data.size() > bytes_.size()) {
            bytes_.resize(offset + data.size());
        }
        if (!data.empty()) {
            std::memcpy(bytes_.data() + offset, data.data(), data.size());
        }
    }
    void truncate(std::uint64_t size) override { bytes_.resize(size); }
    void sync() override {}

  private:
    std::vector<std::byte> bytes_;
    std::string name_ = "<fuzz>";
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        sif::CreateOptions create = sif::CreateOptions::deterministic();
        sif::Image image = sif::Image::create(std::make_unique<MemoryStorage>(), create);
        sif::ObjectSpec spec;
        spec.type = sif::DataType::partition;
        spec.extra = sif::PartitionInfo{sif::FsType::squashfs, sif::PartType::primary_system,
                                        *sif::Arch::from_go_name("amd64")};
        sif::MemorySource source(
            std::span<const std::byte>(reinterpret_cast<const std::byte*>(data), size));
        image.add(spec, source);
        const rootfs::SquashfsImage fs = rootfs::open_root(image);
        std::size_t budget = 4096;  // entries visited per input, so that each run stays short
        fs.walk("/", [&](const rootfs::FileInfo& info) {
            if (budget-- == 0) {
                throw Error(ErrorKind::invalid_input, "budget");
            }
            fs.xattrs(info);
            if (info.type == rootfs::FileType::regular && info.size < (1U << 20)) {
                fs.read(info, [](std::span<const std::byte>) {});
            } else if (info.type == rootfs::FileType::symlink) {
                try {
                    fs.stat(info.path, true);
                } catch (const Error&) {
                }
            }
        });
    } catch (const Error&) {
    } catch (const std::bad_alloc&) {
    }
    return 0;
}
