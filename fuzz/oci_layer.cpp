// Fuzzes what a hostile layer blob reaches: compression detection and decompression (gzip,
// zstd, plain), libarchive's tar parsing through our entry conversion (names, links, xattrs,
// devices) and the top-down merge with its whiteout, opaque and hardlink rules, on top of a
// fixed lower layer, including the second pass for hardlinks to hidden targets.
#include <cstddef>
#include <cstdint>
#include <string>

#include "layer_merge.hpp"
#include "layer_stream.hpp"
#include "memory_entries.hpp"
#include "sifkit/sif/error.hpp"
#include "tar_entries.hpp"

namespace {

using namespace sifkit::oci2sif;

// Counts data instead of compressing it.
class NullSink final : public FileDataSink {
  public:
    std::uint32_t begin_file() override { return files_++; }
    void append(std::span<const std::byte> data) override { bytes_ += data.size(); }
    void end_file() override {}

  private:
    std::uint32_t files_ = 0;
    std::uint64_t bytes_ = 0;
};

MemoryEntries lower_layer() {
    std::vector<std::pair<Entry, std::string>> entries;
    const auto add = [&](const char* path, EntryType type, const char* data = "") {
        Entry e;
        e.path = path;
        e.type = type;
        e.size = std::string(data).size();
        entries.emplace_back(e, data);
    };
    add("etc", EntryType::directory);
    add("etc/passwd", EntryType::regular, "root:x:0:0::/root:/bin/sh\n");
    add("bin", EntryType::directory);
    add("bin/sh", EntryType::regular, "#!");
    add("usr/lib/lib.so", EntryType::regular, "ELF");
    add("data", EntryType::directory);
    add("data/file", EntryType::regular, "data");
    return MemoryEntries(std::move(entries));
}

void merge_upper(LayerMerger& merger, const std::string& blob, bool second_pass) {
    LayerStream stream(std::make_unique<sifkit::sif::MemorySource>(blob, "layer"),
                       LayerExpectations{});
    auto entries = read_tar_entries(stream);
    if (second_pass) {
        merger.refill(*entries);
    } else {
        merger.merge(1, *entries);
    }
    stream.verify();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string blob(reinterpret_cast<const char*>(data), size);
    try {
        Tree tree;
        NullSink sink;
        LayerMerger merger(tree, sink);
        merge_upper(merger, blob, false);
        if (merger.needs_refill()) {
            merge_upper(merger, blob, true);
        }
        MemoryEntries lower = lower_layer();
        merger.merge(0, lower);
        merger.finish();
    } catch (const sifkit::Error&) {
        // Refusing hostile input with an error is the expected outcome.
    }
    return 0;
}
