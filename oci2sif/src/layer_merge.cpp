#include "layer_merge.hpp"

#include <algorithm>

#include "sifkit/sif/error.hpp"

namespace sifkit::oci2sif {
namespace {

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";
constexpr std::size_t kDataChunk = 1 << 18;

std::string_view base_name(std::string_view path) {
    const auto slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string_view parent_path(std::string_view path) {
    const auto slash = path.rfind('/');
    return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

// AUFS keeps its own bookkeeping under ".wh..wh.*" names (hardlink stores, for instance); they
// are neither files of the image nor whiteouts. Only the opaque marker has that prefix and a
// meaning.
bool is_aufs_internal(std::string_view path) {
    std::size_t start = 0;
    while (start < path.size()) {
        const std::size_t slash = std::min(path.find('/', start), path.size());
        const std::string_view part = path.substr(start, slash - start);
        if (part.substr(0, 8) == ".wh..wh." && !(part == kOpaqueMarker && slash == path.size())) {
            return true;
        }
        start = slash + 1;
    }
    return false;
}

bool is_below(std::string_view path, std::string_view prefix) {
    if (prefix.empty()) {
        return !path.empty();
    }
    return path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0 &&
           path[prefix.size()] == '/';
}

Inode* resolved(Inode* inode) {
    while (inode != nullptr && inode->forward != nullptr) {
        inode = inode->forward;
    }
    return inode;
}

}  // namespace

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (start < path.size()) {
        std::size_t slash = path.find('/', start);
        if (slash == std::string_view::npos) {
            slash = path.size();
        }
        parts.push_back(path.substr(start, slash - start));
        start = slash + 1;
    }
    return parts;
}

void LayerMerger::merge(int level, EntryStream& entries) {
    if (level >= level_) {
        throw Error(ErrorKind::internal, "layers must be merged from the top down");
    }
    level_ = level;
    index_ = 0;
    records_.clear();
    refills_.clear();
    Entry entry;
    std::vector<std::string_view> parts;
    while (entries.next(entry)) {
        ++stats_.entries;
        const std::uint64_t index = index_++;
        const std::string_view base = base_name(entry.path);
        if (is_aufs_internal(entry.path)) {
            continue;
        }
        if (base.substr(0, kWhiteoutPrefix.size()) == kWhiteoutPrefix) {
            handle_whiteout(entry, base, level);
            continue;
        }
        if (!requests_.empty() && entry.type != EntryType::directory) {
            // Nothing below a non-directory exists in the layers under this one.
            lower_hiding(entry.path, false, level);
        }
        const Verdict verdict = judge(entry, level, parts);
        Inode* inode = nullptr;
        if (entry.type == EntryType::hardlink) {
            inode = handle_hardlink(entry, level, verdict);
        } else if (verdict == Verdict::define) {
            Node& node = define(parts, level);
            if (entry.type == EntryType::directory && is_directory(node.inode) &&
                node.defined_at == level) {
                *node.inode = inode_from(entry);  // the same directory again: later entry wins
            } else {
                if (entry.type != EntryType::directory) {
                    drop_children(node);
                }
                inode = &make_inode(entry);
                node.inode = inode;
                if (entry.type == EntryType::regular) {
                    stream_data(entries, *inode);
                }
            }
            node.defined_at = level;
        } else {
            if (verdict == Verdict::hidden) {
                ++stats_.hidden;
            }
        }
        if (entry.type != EntryType::directory && entry.type != EntryType::hardlink) {
            Record& record = records_[entry.path];
            record.inode = inode;
            record.index = index;
            record.entry = inode == nullptr ? entry : Entry{};
        }
        if (!requests_.empty()) {
            satisfy_requests(entry, level, inode, entries);
        }
    }
    for (auto& warning : entries.take_warnings()) {
        warnings_.push_back(std::move(warning));
    }
}

LayerMerger::Verdict LayerMerger::judge(const Entry& entry, int level,
                                        std::vector<std::string_view>& parts) {
    parts = split_path(entry.path);
    const bool is_dir = entry.type == EntryType::directory;
    Node* node = &tree_->root();
    if (parts.empty()) {
        if (!is_dir) {
            warnings_.push_back("the root is not a directory in one layer: entry skipped");
            return Verdict::hidden;
        }
        return node->inode != nullptr && node->defined_at > level ? Verdict::merge_directory
                                                                  : Verdict::define;
    }
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
        Node* child = node->child(parts[i]);
        if (child == nullptr) {
            return Verdict::define;  // nothing above touches this path
        }
        if (child->whiteout_at > level || child->opaque_at > level) {
            return Verdict::hidden;
        }
        if (child->inode != nullptr && !is_directory(child->inode) && child->defined_at > level) {
            return Verdict::hidden;  // an upper layer put a non-directory on the way
        }
        node = child;
    }
    const Node* leaf = node->child(parts.back());
    if (leaf == nullptr) {
        return Verdict::define;
    }
    if (leaf->whiteout_at > level) {
        return Verdict::hidden;
    }
    if (leaf->inode != nullptr) {
        if (leaf->defined_at > level) {
            return is_dir && is_directory(leaf->inode) ? Verdict::merge_directory : Verdict::hidden;
        }
        // The same layer names the path twice: the later entry wins, unless a directory with
        // contents from upper layers would have to give way to a non-directory.
        if (!is_dir && leaf->descendant_at > level) {
            return Verdict::hidden;
        }
        return Verdict::define;
    }
    // Only placeholders so far: upper layers put something below this path (it must stay a
    // directory) or only whiteouts (anything may come).
    if (!is_dir && leaf->descendant_at > level) {
        return Verdict::hidden;
    }
    return Verdict::define;
}

Node& LayerMerger::define(const std::vector<std::string_view>& parts, int level) {
    Node* node = &tree_->root();
    for (std::size_t i = 0; i < parts.size(); ++i) {
        node->descendant_at = std::max(node->descendant_at, level);
        node = &node->make_child(parts[i]);
        if (i + 1 < parts.size() && node->inode != nullptr && !is_directory(node->inode)) {
            // A file of this same layer (judge() refused upper ones) gives way to the directory
            // its later entries need, as extraction would do.
            node->inode = nullptr;
            node->defined_at = kNoLayer;
        }
    }
    return *node;
}

void LayerMerger::handle_whiteout(const Entry& entry, std::string_view base, int level) {
    ++stats_.whiteouts;
    const std::string_view parent = parent_path(entry.path);
    Node* node = &tree_->root();
    for (const auto part : split_path(parent)) {
        node = &node->make_child(part);
    }
    if (base == kOpaqueMarker) {
        node->opaque_at = std::max(node->opaque_at, level);
        lower_hiding(parent, false, level);
        return;
    }
    const std::string_view name = base.substr(kWhiteoutPrefix.size());
    if (name.empty() || name.substr(0, kWhiteoutPrefix.size()) == kWhiteoutPrefix) {
        return;  // other ".wh..wh." names are aufs bookkeeping: not files, not whiteouts
    }
    Node& target = node->make_child(name);
    target.whiteout_at = std::max(target.whiteout_at, level);
    std::string target_path =
        parent.empty() ? std::string(name) : std::string(parent) + "/" + std::string(name);
    lower_hiding(target_path, true, level);
}

Inode* LayerMerger::handle_hardlink(const Entry& entry, int level, Verdict verdict) {
    if (verdict != Verdict::define) {
        ++stats_.hidden;
        // Later links in this layer to this path mean the same file as this link.
        const auto target = records_.find(entry.link_target);
        if (target != records_.end()) {
            Record copy = target->second;
            records_[entry.path] = std::move(copy);
        }
        return nullptr;
    }
    Inode* inode = nullptr;
    const auto target = records_.find(entry.link_target);
    if (target != records_.end()) {
        Record& record = target->second;
        if (record.inode == nullptr) {
            // The target is hidden by an upper layer, but this link keeps its data alive.
            record.inode = &make_inode(record.entry);
            if (record.entry.type == EntryType::regular) {
                refills_.emplace(record.index, record.inode);
            }
        }
        inode = record.inode;
    } else {
        inode = &tree_->new_inode();
        inode->placeholder = true;
        requests_[entry.link_target].push_back(Request{level, kNoLayer, inode});
    }
    std::vector<std::string_view> parts = split_path(entry.path);
    Node& node = define(parts, level);
    drop_children(node);
    node.inode = inode;
    node.defined_at = level;
    Record& own = records_[entry.path];
    own.inode = inode;
    own.index = index_ - 1;
    return inode;
}

Inode& LayerMerger::make_inode(const Entry& entry) {
    Inode& inode = tree_->new_inode();
    inode = inode_from(entry);
    return inode;
}

void LayerMerger::stream_data(EntryStream& entries, Inode& inode) {
    std::vector<std::byte> buffer(kDataChunk);
    inode.data = sink_->begin_file();
    std::uint64_t total = 0;
    while (const std::size_t n = entries.read_data(buffer)) {
        sink_->append(std::span<const std::byte>(buffer.data(), n));
        total += n;
    }
    sink_->end_file();
    ++stats_.files;
    stats_.file_bytes += total;
}

void LayerMerger::lower_hiding(std::string_view prefix, bool include_self, int level) {
    if (requests_.empty()) {
        return;
    }
    auto it = include_self ? requests_.lower_bound(prefix) : requests_.upper_bound(prefix);
    for (; it != requests_.end(); ++it) {
        const bool self = it->first == prefix;
        if (!(self && include_self) && !is_below(it->first, prefix)) {
            if (it->first.compare(0, prefix.size(), prefix) != 0) {
                break;  // sorted: past every path that starts with the prefix
            }
            continue;  // "prefix-other": shares the letters, not the directory
        }
        for (Request& request : it->second) {
            if (request.level > level) {
                request.floor = std::max(request.floor, level);
            }
        }
    }
}

void LayerMerger::satisfy_requests(const Entry& entry, int level, Inode* visible,
                                   EntryStream& entries) {
    const auto it = requests_.find(entry.path);
    if (it == requests_.end()) {
        return;
    }
    Inode* provider = nullptr;
    auto& list = it->second;
    for (auto request = list.begin(); request != list.end();) {
        if (request->level <= level) {
            ++request;  // a link only sees what lies below its own layer
            continue;
        }
        if (level >= request->floor && entry.type != EntryType::directory) {
            if (provider == nullptr) {
                if (visible != nullptr) {
                    provider = visible;
                } else if (entry.type == EntryType::hardlink) {
                    const auto target = records_.find(entry.link_target);
                    provider = target != records_.end() ? target->second.inode : nullptr;
                } else {
                    provider = &make_inode(entry);
                    if (entry.type == EntryType::regular) {
                        stream_data(entries, *provider);
                    }
                    records_[entry.path].inode = provider;
                }
            }
            request->placeholder->forward = provider;
        } else {
            warnings_.push_back(
                "hardlink to \"/" + entry.path + "\": " +
                (entry.type == EntryType::directory
                     ? std::string("the target is a directory")
                     : std::string("a layer between the link and its target removes it")) +
                "; dropped");
        }
        // Satisfied, or impossible: a layer in between hides the target, or it is a directory.
        request = list.erase(request);
    }
    if (list.empty()) {
        requests_.erase(it);
    }
}

void LayerMerger::refill(EntryStream& entries) {
    Entry entry;
    std::uint64_t index = 0;
    while (!refills_.empty() && entries.next(entry)) {
        const auto it = refills_.find(index++);
        if (it != refills_.end()) {
            stream_data(entries, *it->second);
            refills_.erase(it);
        }
    }
    entries.take_warnings();  // already reported by the first pass
    ++stats_.second_passes;
    if (!refills_.empty()) {
        throw Error(ErrorKind::invalid_input,
                    "the layer changed between two reads (hardlink targets not found again)");
    }
}

void LayerMerger::drop_children(Node& node) {
    node.children.clear();
    node.descendant_at = kNoLayer;
}

void LayerMerger::finish() {
    for (auto& [path, list] : requests_) {
        for (const Request& request : list) {
            (void)request;
            warnings_.push_back("hardlink to \"/" + path + "\": no lower layer has it; dropped");
        }
    }
    requests_.clear();
    finish_node(tree_->root());
    if (tree_->root().inode == nullptr) {
        Inode& root = tree_->new_inode();
        root.type = EntryType::directory;
        root.mode = 0755;
        tree_->root().inode = &root;
    }
}

void LayerMerger::finish_node(Node& node) {
    node.inode = resolved(node.inode);
    if (node.inode != nullptr && node.inode->placeholder) {
        node.inode = nullptr;  // a hardlink whose target never turned up (reported above)
    }
    if (node.inode != nullptr && !is_directory(node.inode)) {
        node.children.clear();
        return;
    }
    for (auto it = node.children.begin(); it != node.children.end();) {
        finish_node(*it->second);
        if (it->second->inode == nullptr) {
            it = node.children.erase(it);
        } else {
            ++it;
        }
    }
    if (node.inode == nullptr && !node.children.empty()) {
        Inode& implied = tree_->new_inode();
        implied.type = EntryType::directory;
        implied.mode = 0755;
        node.inode = &implied;
    }
}

}  // namespace sifkit::oci2sif
