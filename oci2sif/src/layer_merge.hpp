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
// A hardlink means the inode its target name has when the link is applied (bottom-up): a link
// to a name that is itself a link follows that name's link, whatever happens to either name
// later.
//
// Layers no runtime would apply are refused (sifkit::Error, invalid_input): a hardlink to a
// name that does not exist at that point, or to a directory; an entry or whiteout below a path
// that a lower layer (or its own, earlier) makes a symlink or file.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
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

// What a layer is to the merge.
enum class LayerRole {
    image,       // a layer of the image: checked, and refused when crafted
    runtime,     // sifkit's own files above the image (trusted, never refused)
    gap_filler,  // sifkit's own entries below the image that only fill gaps of the result:
                 // the image's whiteouts and opaque markers do not hide them
    kept_layer,  // one image layer stored on its own (OCI-SIF --keep-layers): checked like
                 // an image layer, but a hardlink to a lower layer's file cannot be resolved
                 // here and is dropped with a warning
};

class LayerMerger {
  public:
    LayerMerger(Tree& tree, FileDataSink& sink) : tree_(&tree), sink_(&sink) {}

    // Entries read and tree nodes made, each at most `limit` (0: no limit); past it the merge
    // fails with an invalid_input Error that names the limit and `option` to raise it.
    void limit_entries(std::uint64_t limit, std::string option) {
        entry_limit_ = limit;
        limit_option_ = std::move(option);
    }

    // Names the layer of `level` in error messages ("layer 2 of 3 (sha256:...)"), and the file
    // that holds it (the Error's file).
    void name_layer(int level, std::string name, std::string file = {}) {
        names_[level] = {std::move(name), std::move(file)};
    }
    // Merges one layer. Levels must decrease from call to call (top layer first).
    void merge(int level, EntryStream& entries, LayerRole role = LayerRole::image);
    // True when the layer just merged needs a second pass: call refill() with a fresh stream of
    // the same layer.
    bool needs_refill() const noexcept { return !refills_.empty(); }
    void refill(EntryStream& entries);
    // After the last layer: follows forwarded hardlinks, refuses hardlinks whose target no
    // layer holds, makes implied parent directories real (0755 root:root, time 0) and discards
    // the bookkeeping nodes of whiteouts.
    void finish();

    const MergeStats& stats() const noexcept { return stats_; }
    std::vector<std::string> take_warnings() { return std::exchange(warnings_, {}); }

  private:
    enum class Verdict { hidden, merge_directory, define };

    // What a non-directory name of the current layer holds, for hardlinks later in the same
    // layer: an entry of this layer (kept even when an upper layer hides it, since a link may
    // bring it back), or, for a hardlink to a name this layer has not defined (yet), that name
    // in the layers below. Every name linked to it shares the Slot, so all get one inode.
    struct Slot {
        Inode* inode = nullptr;   // made when a visible name needs it
        std::uint64_t index = 0;  // an entry of this layer: its index, for a second pass
        // An entry of this layer that an upper layer hides: its metadata, for bringing it back
        // (kept only then: every file of a layer has a slot, most need no more than this).
        std::unique_ptr<const Entry> hidden;
        // A hardlink to a name this layer has not defined: that name in the layers below and
        // the link that named it (for errors); the inode is whatever the name holds there.
        struct Below {
            std::string path;
            std::string link_path;
        };
        std::unique_ptr<const Below> below;
        bool verified = false;  // a request checks that `below->path` exists
    };
    // A hardlink placeholder waiting for its target in a lower layer.
    struct Request {
        int level = kNoLayer;          // layer of the hardlink
        int floor = kNoLayer;          // lowest layer that may still provide the target
        Inode* placeholder = nullptr;  // nullptr: a hidden link, only checked
        std::string link_path;         // for errors
    };

    Node* find_node(std::string_view path);
    Node& child_of(Node& parent, std::string_view name);
    // The current layer's record of `path` (Node::named_*): named() finds it (nullptr: the
    // layer has not named the path), name_path() makes it, unname_below() forgets the records
    // below a path.
    Node* named(std::string_view path);
    Node& name_path(std::string_view path, int level);
    void unname_below(Node& node, int level);
    bool linkable(const Node& node) const noexcept;
    void set_slot(Node& node, std::shared_ptr<Slot> slot);
    void drop_slot(Node& node);
    std::shared_ptr<Slot> shared_slot(Node& node);
    void check_entry_limit(std::uint64_t count, const char* what) const;
    Verdict judge(const Entry& entry, int level, std::vector<std::string_view>& parts);
    Node& define(const std::vector<std::string_view>& parts, int level, const Entry& entry);
    void handle_whiteout(const Entry& entry, std::string_view base, int level);
    Inode* handle_hardlink(const Entry& entry, int level, Verdict verdict);
    Inode* materialize(Slot& slot, EntryStream* current, std::uint64_t current_index);
    Inode& make_inode(const Entry& entry);
    void stream_data(EntryStream& entries, Inode& inode);
    void lower_hiding(std::string_view prefix, bool include_self, int level);
    void satisfy_requests(const Entry& entry, int level, EntryStream& entries, std::uint64_t index);
    void finish_node(Node& node);

    // Crafted layers (see the top of this file).
    void require_directories(std::string_view path, int level, bool whiteout);
    void settle_requirements(int level);
    void settle_upper_requirements(int level);
    void check_link_target(const Entry& entry, int level);
    bool removed_in_layer(std::string_view path);
    bool emptied_in_layer(std::string_view path);
    Slot& slot_of(std::string_view path);
    void clear_requirements(std::string_view path, bool include_self, int level);
    void cut_below(Node& node, int level);
    void forget_below(Node& node, int level);
    void imply_parents(const std::vector<std::string_view>& parts, int level);
    [[noreturn]] void refuse(int level, const std::string& what) const;
    std::string layer_name(int level) const;

    Tree* tree_;
    FileDataSink* sink_;
    int level_ = INT_MAX;
    LayerRole role_ = LayerRole::image;
    bool unresolved_links_dropped_ = false;  // a kept_layer was merged
    std::uint64_t index_ = 0;
    std::size_t visible_parents_ = 0;  // judge(): leading parents of a hidden entry not hidden
    // Current layer only:
    // What the layer's entries made of each path lives in the tree's nodes (Node::named_*),
    // one record per path; the Slots of the few paths that need one are here.
    std::unordered_map<const Node*, std::shared_ptr<Slot>> slots_;
    std::set<std::string, std::less<>> layer_removed_;  // whiteouts so far (path and below)
    std::set<std::string, std::less<>> layer_opaque_;   // opaque markers so far (below only)
    struct Answer {
        std::vector<Request> requests;
        std::string problem;  // set while a later entry of the layer undoes the answer
    };
    std::map<std::string, Answer, std::less<>> answered_;             // requests this layer met
    std::map<std::string, std::string, std::less<>> layer_required_;  // path -> entry
    std::map<std::uint64_t, Inode*> refills_;                         // entry index -> inode
    // All layers:
    std::map<std::string, std::vector<Request>, std::less<>> requests_;  // by target path
    // Paths that entries of an upper layer need to be directories (see require_directories).
    struct Requirement {
        int level = kNoLayer;  // the lowest such layer not met yet
        std::string by;        // one of its entries, for the error
    };
    std::map<std::string, Requirement, std::less<>> required_;
    std::map<int, std::pair<std::string, std::string>> names_;  // level -> name, file
    MergeStats stats_;
    std::vector<std::string> warnings_;
    std::uint64_t entry_limit_ = 0;
    std::string limit_option_;
    std::uint64_t nodes_made_ = 0;
};

// Splits a normalized path into its components ("" -> none).
std::vector<std::string_view> split_path(std::string_view path);

}  // namespace sifkit::oci2sif
