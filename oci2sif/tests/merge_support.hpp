// Helpers for the merge tests: layers written as lists of entries, a sink that keeps file data
// in memory, and queries on the merged tree.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "fs_tree.hpp"
#include "layer_merge.hpp"
#include "memory_entries.hpp"

namespace merge_test {

using namespace sifkit::oci2sif;

class RecordingSink final : public FileDataSink {
  public:
    std::uint32_t begin_file() override {
        files.emplace_back();
        return static_cast<std::uint32_t>(files.size() - 1);
    }
    void append(std::span<const std::byte> data) override {
        files.back().append(reinterpret_cast<const char*>(data.data()), data.size());
    }
    void end_file() override {}
    std::vector<std::string> files;
};

// A layer under construction: entries in stream order.
class Layer {
  public:
    Layer& dir(const std::string& path, std::uint32_t mode = 0755) {
        return add(path, EntryType::directory, mode, "");
    }
    Layer& file(const std::string& path, const std::string& data, std::uint32_t mode = 0644) {
        return add(path, EntryType::regular, mode, data);
    }
    Layer& symlink(const std::string& path, const std::string& target) {
        add(path, EntryType::symlink, 0777, "");
        entries_.back().first.link_target = target;
        return *this;
    }
    Layer& hardlink(const std::string& path, const std::string& target) {
        add(path, EntryType::hardlink, 0644, "");
        entries_.back().first.link_target = target;
        return *this;
    }
    Layer& whiteout(const std::string& dir, const std::string& name) {
        return file(dir.empty() ? ".wh." + name : dir + "/.wh." + name, "");
    }
    Layer& opaque(const std::string& dir) { return file(dir + "/.wh..wh..opq", ""); }
    MemoryEntries stream() const { return MemoryEntries(entries_); }

  private:
    Layer& add(const std::string& path, EntryType type, std::uint32_t mode,
               const std::string& data) {
        Entry e;
        e.path = path;
        e.type = type;
        e.mode = mode;
        e.size = data.size();
        entries_.emplace_back(e, data);
        return *this;
    }
    std::vector<std::pair<Entry, std::string>> entries_;
};

// Merges layers given bottom first (as a manifest lists them), top-down like the converter,
// including second passes.
struct Merged {
    Tree tree;
    RecordingSink sink;
    MergeStats stats;
    std::vector<std::string> warnings;

    explicit Merged(const std::vector<Layer>& layers) {
        LayerMerger merger(tree, sink);
        for (std::size_t i = layers.size(); i-- > 0;) {
            MemoryEntries entries = layers[i].stream();
            merger.merge(static_cast<int>(i), entries);
            if (merger.needs_refill()) {
                MemoryEntries again = layers[i].stream();
                merger.refill(again);
            }
        }
        merger.finish();
        stats = merger.stats();
        warnings = merger.take_warnings();
    }

    const Node* find(const std::string& path) const {
        const Node* node = &tree.root();
        for (const auto part : split_path(std::string_view(path).substr(1))) {  // skip the "/"
            node = tree.child(*node, part);
            if (node == nullptr) {
                return nullptr;
            }
        }
        return node;
    }
    bool exists(const std::string& path) const { return find(path) != nullptr; }
    EntryType type(const std::string& path) const {
        const Node* node = find(path);
        return node == nullptr ? EntryType::socket : node->inode->type;  // socket: "absent"
    }
    std::string content(const std::string& path) const {
        const Node* node = find(path);
        return node == nullptr || !node->inode->has_data() ? "<none>"
                                                           : sink.files.at(node->inode->data);
    }
    // Every path in the tree, sorted ("/" excluded).
    std::vector<std::string> paths() const {
        std::vector<std::string> out;
        collect(tree, tree.root(), "", out);
        return out;
    }

  private:
    static void collect(const Tree& tree, const Node& node, const std::string& prefix,
                        std::vector<std::string>& out) {
        for (const Node* child : tree.sorted_children(node)) {
            const std::string path = prefix + "/" + std::string(child->name());
            out.push_back(path);
            collect(tree, *child, path, out);
        }
    }
};

}  // namespace merge_test
