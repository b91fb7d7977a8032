// Merging a layer stack into one tree, from the top layer down (image-spec layer.md semantics:
// an entry replaces what lower layers have at its path, a non-directory replaces a directory and
// everything below it, `.wh.NAME` hides NAME and `.wh..wh..opq` hides a directory's contents in
// lower layers, whiteouts never hide entries of their own layer).
//
// Walking down means an entry is only accepted when nothing above hides it, so the data of
// overwritten or deleted files is never read into the image: each visible file's data streams
// to the sink the moment its entry is read. Two cases need more than one look:
//   - a hardlink to a file of its own layer that an upper layer hides: the target's data was
//     skipped; refill() reads it in a second pass over that layer;
//   - a hardlink to a file of a lower layer: its inode waits as a placeholder until the target
//     is reached further down.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "entry.hpp"
#include "fs_tree.hpp"

namespace sifkit::oci2sif {

// Receives the data of the files that end up in the image.
class FileDataSink {
  public:
    virtual ~FileDataSink() = default;
    // Starts a file; returns the ID the finished file's inode refers to.
    virtual std::uint32_t begin_file() = 0;
    virtual void append(std::span<const std::byte> data) = 0;
    virtual void end_file() = 0;
};

struct MergeStats {
    std::uint64_t entries = 0;        // entries read, all layers
    std::uint64_t hidden = 0;         // entries an upper layer overrode or deleted
    std::uint64_t files = 0;          // files whose data went to the sink
    std::uint64_t file_bytes = 0;     // bytes of that data
    std::uint64_t whiteouts = 0;      // whiteout and opaque markers
    std::uint64_t second_passes = 0;  // layers read twice for hidden hardlink targets
};

class LayerMerger {
  public:
    LayerMerger(Tree& tree, FileDataSink& sink) : tree_(&tree), sink_(&sink) {}

    // Merges one layer. Levels must decrease from call to call (top layer first).
    void merge(int level, EntryStream& entries);
    // True when the layer just merged needs a second pass: call refill() with a fresh stream of
    // the same layer.
    bool needs_refill() const noexcept { return !refills_.empty(); }
    void refill(EntryStream& entries);
    // After the last layer: follows forwarded hardlinks, drops hardlinks whose target no layer
    // holds, makes implied parent directories real (0755 root:root, time 0) and discards the
    // bookkeeping nodes of whiteouts.
    void finish();

    const MergeStats& stats() const noexcept { return stats_; }
    std::vector<std::string> take_warnings() { return std::exchange(warnings_, {}); }

  private:
    enum class Verdict { hidden, merge_directory, define };

    // A non-directory entry of the current layer, kept for hardlinks later in the same layer.
    struct Record {
        Inode* inode = nullptr;  // set when the entry is in the image (or was brought back)
        std::uint64_t index = 0;
        Entry entry;  // metadata, for bringing a hidden target back
    };
    // A hardlink placeholder waiting for its target in a lower layer.
    struct Request {
        int level = kNoLayer;  // layer of the hardlink
        int floor = kNoLayer;  // lowest layer that may still provide the target
        Inode* placeholder = nullptr;
    };

    Verdict judge(const Entry& entry, int level, std::vector<std::string_view>& parts);
    Node& define(const std::vector<std::string_view>& parts, int level);
    void handle_whiteout(const Entry& entry, std::string_view base, int level);
    Inode* handle_hardlink(const Entry& entry, int level, Verdict verdict);
    Inode& make_inode(const Entry& entry);
    void stream_data(EntryStream& entries, Inode& inode);
    void skip_data(EntryStream& entries);
    void lower_hiding(std::string_view prefix, bool include_self, int level);
    void satisfy_requests(const Entry& entry, int level, Inode* visible, EntryStream& entries);
    void drop_children(Node& node);
    void finish_node(Node& node);

    Tree* tree_;
    FileDataSink* sink_;
    int level_ = INT_MAX;
    std::uint64_t index_ = 0;
    std::map<std::string, Record, std::less<>> records_;                 // current layer only
    std::map<std::uint64_t, Inode*> refills_;                            // entry index -> inode
    std::map<std::string, std::vector<Request>, std::less<>> requests_;  // by target path
    MergeStats stats_;
    std::vector<std::string> warnings_;
};

// Splits a normalized path into its components ("" -> none).
std::vector<std::string_view> split_path(std::string_view path);

}  // namespace sifkit::oci2sif
