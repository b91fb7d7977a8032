#include "layer_merge.hpp"

#include <algorithm>

#include "sifkit/sif/error.hpp"
#include "sifkit/sif/tree_limits.hpp"

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

std::size_t depth_of(std::string_view path) {
    return path.empty() ? 0
                        : static_cast<std::size_t>(std::count(path.begin(), path.end(), '/')) + 1;
}

std::string shown(std::string_view path) {
    return "/" + std::string(path);
}

const char* kind_of(EntryType type) {
    switch (type) {
        case EntryType::symlink:
            return "a symlink";
        case EntryType::regular:
        case EntryType::hardlink:
            return "a file";
        case EntryType::directory:
            return "a directory";
        default:
            return "a special file";
    }
}

// Visits the nodes below `top`, depth first and without recursion (a crafted layer must not be
// able to exhaust the stack); `visit(node)` says whether to go on below that node.
template <class Visit>
void walk_below(Node& top, Visit&& visit) {
    std::vector<Node*> pending;
    const auto push_children = [&pending](const Node& parent) {
        for (Node* child = parent.first_child; child != nullptr; child = child->next_sibling) {
            pending.push_back(child);
        }
    };
    push_children(top);
    while (!pending.empty()) {
        Node* next = pending.back();
        pending.pop_back();
        if (visit(*next)) {
            push_children(*next);
        }
    }
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

void LayerMerger::merge(int level, EntryStream& entries, LayerRole role) {
    if (level >= level_) {
        throw Error(ErrorKind::internal, "layers must be merged from the top down");
    }
    level_ = level;
    role_ = role;
    index_ = 0;
    refills_.clear();
    slots_.clear();  // the records in the nodes lapse with the level
    layer_required_.clear();
    layer_removed_.clear();
    layer_opaque_.clear();
    answered_.clear();
    const bool checked = role == LayerRole::image || role == LayerRole::kept_layer;
    unresolved_links_dropped_ = unresolved_links_dropped_ || role == LayerRole::kept_layer;
    Entry entry;
    std::vector<std::string_view> parts;
    while (entries.next(entry)) {
        ++stats_.entries;
        check_entry_limit(stats_.entries, "entries");
        const std::uint64_t index = index_++;
        if (const std::size_t depth = depth_of(entry.path); depth > sif::kMaxTreeDepth) {
            // Any source (a layer, a directory): what convert writes, ls and export read.
            refuse(level, "entry " + quoted_path(entry.path) + " is " + std::to_string(depth) +
                              " levels deep; sifkit's limit is " +
                              std::to_string(sif::kMaxTreeDepth));
        }
        const std::string_view base = base_name(entry.path);
        if (is_aufs_internal(entry.path)) {
            continue;
        }
        if (base.substr(0, kWhiteoutPrefix.size()) == kWhiteoutPrefix) {
            handle_whiteout(entry, base, level);
            continue;
        }
        const bool is_dir = entry.type == EntryType::directory;
        if (checked) {
            require_directories(entry.path, level, false);
            if (entry.type == EntryType::hardlink) {
                check_link_target(entry, level);  // against the layer before this entry
            }
        }
        if (is_dir) {
            if (Node* own = named(entry.path)) {
                drop_slot(*own);
                own->named_inode = false;
            }
        } else {
            // Nothing below a non-directory exists in the layers under this one, nor in this
            // layer before it.
            lower_hiding(entry.path, false, level);
            if (Node* node = find_node(entry.path)) {
                unname_below(*node, level);
            }
        }
        Node& record = name_path(entry.path, level);
        record.named_kind = entry.type;
        record.named_emptied = record.named_emptied || !is_dir;
        const Verdict verdict = judge(entry, level, parts);
        Inode* inode = nullptr;
        if (entry.type == EntryType::hardlink) {
            inode = handle_hardlink(entry, level, verdict);
        } else if (verdict == Verdict::define) {
            Node& node = define(parts, level, entry);
            if (is_dir && is_directory(node.inode) && node.defined_at == level) {
                *node.inode = inode_from(entry);  // the same directory again: later entry wins
            } else {
                if (!is_dir) {
                    forget_below(node, level);
                }
                inode = &make_inode(entry);
                node.inode = inode;
                if (entry.type == EntryType::regular) {
                    stream_data(entries, *inode);
                }
            }
            node.defined_at = level;
        } else if (verdict == Verdict::hidden) {
            ++stats_.hidden;
        }
        if (verdict == Verdict::hidden && role != LayerRole::gap_filler && !parts.empty()) {
            imply_parents(parts, level);
        }
        if (!is_dir) {
            // Even when a later entry of this layer makes the path a directory again, what the
            // lower layers had below it is gone.
            if (Node* node = find_node(entry.path)) {
                node->opaque_at = std::max(node->opaque_at, level);
            }
        }
        if (!is_dir && entry.type != EntryType::hardlink) {
            drop_slot(record);
            record.named_inode = inode != nullptr;  // then record.inode is `inode`
            if (inode == nullptr) {
                auto slot = std::make_shared<Slot>();
                slot->index = index;
                slot->hidden = std::make_unique<const Entry>(entry);
                set_slot(record, std::move(slot));
            }
        }
        if (role != LayerRole::gap_filler) {
            satisfy_requests(entry, level, entries, index);
        }
    }
    for (const auto& [path, answer] : answered_) {
        if (!answer.problem.empty()) {
            const Request& request = answer.requests.front();
            refuse(request.level, "hardlink " + shown(request.link_path) + " to " + shown(path) +
                                      ": " + answer.problem);
        }
    }
    if (checked) {
        settle_requirements(level);
    }
    for (auto& warning : entries.take_warnings()) {
        warnings_.push_back(std::move(warning));
    }
}

Node* LayerMerger::find_node(std::string_view path) {
    Node* node = &tree_->root();
    for (const auto part : split_path(path)) {
        node = tree_->child(*node, part);
        if (node == nullptr) {
            return nullptr;
        }
    }
    return node;
}

Node* LayerMerger::named(std::string_view path) {
    Node* node = find_node(path);
    return node != nullptr && node->named_at == level_ ? node : nullptr;
}

Node& LayerMerger::name_path(std::string_view path, int level) {
    Node* node = &tree_->root();
    for (const auto part : split_path(path)) {
        node->named_below_at = level;
        node = &child_of(*node, part);
    }
    if (node->named_at != level) {
        node->named_at = level;
        node->named_kind = EntryType::regular;
        node->named_emptied = false;
        node->named_inode = false;
        node->named_slot = false;
    }
    return *node;
}

void LayerMerger::unname_below(Node& node, int level) {
    // Only where the layer named something: the walk never enters what upper layers made.
    if (node.named_below_at != level) {
        return;
    }
    node.named_below_at = kNoLayer;
    walk_below(node, [&](Node& below) {
        if (below.named_at == level) {
            drop_slot(below);
            below.named_at = kNoLayer;
        }
        if (below.named_below_at != level) {
            return false;
        }
        below.named_below_at = kNoLayer;
        return true;
    });
}

bool LayerMerger::linkable(const Node& node) const noexcept {
    return node.named_slot || (node.named_inode && node.inode != nullptr);
}

void LayerMerger::set_slot(Node& node, std::shared_ptr<Slot> slot) {
    slots_[&node] = std::move(slot);
    node.named_slot = true;
    node.named_inode = false;
}

void LayerMerger::drop_slot(Node& node) {
    if (node.named_slot) {
        slots_.erase(&node);
        node.named_slot = false;
    }
}

LayerMerger::Verdict LayerMerger::judge(const Entry& entry, int level,
                                        std::vector<std::string_view>& parts) {
    parts = split_path(entry.path);
    const bool is_dir = entry.type == EntryType::directory;
    // The gap filler is not part of the image: the image's whiteouts do not apply to it.
    const bool whiteouts_apply = role_ != LayerRole::gap_filler;
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
        visible_parents_ = i;
        if (whiteouts_apply && node->opaque_at > level) {
            return Verdict::hidden;
        }
        Node* child = tree_->child(*node, parts[i]);
        if (child == nullptr) {
            return Verdict::define;  // nothing above touches this path
        }
        if (whiteouts_apply && child->whiteout_at > level) {
            return Verdict::hidden;
        }
        if (child->inode != nullptr && !is_directory(child->inode) && child->defined_at > level) {
            return Verdict::hidden;  // an upper layer put a non-directory on the way
        }
        node = child;
    }
    visible_parents_ = parts.size() - 1;
    if (whiteouts_apply && node->opaque_at > level) {
        return Verdict::hidden;  // the parent, the root included, is opaque above
    }
    Node* leaf = tree_->child(*node, parts.back());
    if (leaf == nullptr) {
        return Verdict::define;
    }
    if (whiteouts_apply && leaf->whiteout_at > level) {
        return Verdict::hidden;
    }
    if (leaf->inode != nullptr) {
        if (leaf->defined_at > level) {
            if (is_dir && is_directory(leaf->inode)) {
                return Verdict::merge_directory;
            }
            if (!is_dir && is_directory(leaf->inode)) {
                // An upper directory stands where this non-directory removed the lower
                // directory and its contents: nothing of the layers below shows through.
                cut_below(*leaf, level);
            }
            return Verdict::hidden;
        }
    }
    // Defined earlier in this layer (the later entry wins), or only placeholders so far: upper
    // layers put something below this path (it must stay a directory) or only whiteouts
    // (anything may come). A non-directory that must give way to such a directory still
    // removes what this layer defined there before and what the lower layers have below it.
    if (!is_dir && leaf->descendant_at > level) {
        if (leaf->inode != nullptr) {
            leaf->inode = nullptr;
            leaf->defined_at = kNoLayer;
        }
        cut_below(*leaf, level);
        return Verdict::hidden;
    }
    return Verdict::define;
}

void LayerMerger::imply_parents(const std::vector<std::string_view>& parts, int level) {
    // A hidden entry's parents that are visible were still made directories by extraction.
    Node* node = &tree_->root();
    node->descendant_at = std::max(node->descendant_at, level);
    for (std::size_t i = 0; i < visible_parents_ && i < parts.size(); ++i) {
        node = &child_of(*node, parts[i]);
        node->implied_at = std::max(node->implied_at, level);
        node->descendant_at = std::max(node->descendant_at, level);
    }
}

Node& LayerMerger::child_of(Node& parent, std::string_view name) {
    bool made = false;
    Node& child = tree_->make_child(parent, name, &made);
    if (made) {
        check_entry_limit(++nodes_made_, "paths");
    }
    return child;
}

void LayerMerger::check_entry_limit(std::uint64_t count, const char* what) const {
    if (entry_limit_ != 0 && count > entry_limit_) {
        // Named after the layer being read: that is where the image grew past the limit.
        refuse(level_, "the image has more than " + std::to_string(entry_limit_) + " " + what +
                           " (sifkit's limit, which bounds memory; raise it with " + limit_option_ +
                           ")");
    }
}

void LayerMerger::cut_below(Node& node, int level) {
    node.opaque_at = std::max(node.opaque_at, level);
    forget_below(node, level);
}

void LayerMerger::forget_below(Node& node, int level) {
    // What this layer put below the path before this entry is gone (bottom-up, the entry
    // removed it). Upper layers' nodes stay: their whiteouts still hide this layer's later
    // entries there.
    if (node.descendant_at == level) {
        node.descendant_at = kNoLayer;
    }
    walk_below(node, [level](Node& below) {
        if (below.defined_at == level) {
            below.inode = nullptr;
            below.defined_at = kNoLayer;
        }
        if (below.implied_at == level) {
            below.implied_at = kNoLayer;
        }
        if (below.descendant_at == level) {
            below.descendant_at = kNoLayer;
        }
        return true;
    });
}

Node& LayerMerger::define(const std::vector<std::string_view>& parts, int level,
                          const Entry& entry) {
    Node* node = &tree_->root();
    for (std::size_t i = 0; i < parts.size(); ++i) {
        node->descendant_at = std::max(node->descendant_at, level);
        node = &child_of(*node, parts[i]);
        if (i + 1 < parts.size()) {
            // Extraction makes the parent directory, which stays when the entry goes later.
            node->implied_at = std::max(node->implied_at, level);
        }
        if (i + 1 < parts.size() && node->inode != nullptr && !is_directory(node->inode)) {
            // A non-directory of this same layer (judge() refused upper ones) where a later
            // entry needs a directory: extraction would write through a symlink or fail.
            if (role_ == LayerRole::image || role_ == LayerRole::kept_layer) {
                refuse(level, shown(entry.path) + " lies below " + node->path() +
                                  ", which the same layer makes " + kind_of(node->inode->type) +
                                  ", not a directory; a crafted layer");
            }
            node->inode = nullptr;
            node->defined_at = kNoLayer;
        }
    }
    return *node;
}

void LayerMerger::handle_whiteout(const Entry& entry, std::string_view base, int level) {
    ++stats_.whiteouts;
    if (role_ == LayerRole::image || role_ == LayerRole::kept_layer) {
        require_directories(entry.path, level, true);
    }
    const std::string_view parent = parent_path(entry.path);
    Node* node = &tree_->root();
    for (const auto part : split_path(parent)) {
        node = &child_of(*node, part);
    }
    if (base == kOpaqueMarker) {
        node->opaque_at = std::max(node->opaque_at, level);
        lower_hiding(parent, false, level);
        layer_opaque_.insert(std::string(parent));
        return;
    }
    const std::string_view name = base.substr(kWhiteoutPrefix.size());
    if (name.empty() || name.substr(0, kWhiteoutPrefix.size()) == kWhiteoutPrefix) {
        return;  // other ".wh..wh." names are aufs bookkeeping: not files, not whiteouts
    }
    Node& target = child_of(*node, name);
    target.whiteout_at = std::max(target.whiteout_at, level);
    std::string target_path =
        parent.empty() ? std::string(name) : std::string(parent) + "/" + std::string(name);
    lower_hiding(target_path, true, level);
    layer_removed_.insert(std::move(target_path));
}

Inode* LayerMerger::handle_hardlink(const Entry& entry, int level, Verdict verdict) {
    // The link names the inode its target has now: an earlier name of this layer (a hidden one
    // too), else the target path as the layers below leave it.
    std::shared_ptr<Slot> slot;
    if (Node* target = named(entry.link_target); target != nullptr && linkable(*target)) {
        slot = shared_slot(*target);
    } else {
        slot = std::make_shared<Slot>();
        slot->below =
            std::make_unique<const Slot::Below>(Slot::Below{entry.link_target, entry.path});
    }
    Node* own = named(entry.path);
    if (own == nullptr) {
        throw Error(ErrorKind::internal, "no record of " + shown(entry.path));
    }
    set_slot(*own, slot);
    if (verdict != Verdict::define) {
        ++stats_.hidden;
        if (slot->below && slot->inode == nullptr && !slot->verified) {
            // Not in the image, but a link to nothing is still a broken layer: the target
            // only has to be found below, not read.
            requests_[slot->below->path].push_back(Request{level, kNoLayer, nullptr, entry.path});
            slot->verified = true;
        }
        return nullptr;
    }
    Inode* inode = materialize(*slot, nullptr, 0);
    std::vector<std::string_view> parts = split_path(entry.path);
    Node& node = define(parts, level, entry);
    forget_below(node, level);
    node.inode = inode;
    node.defined_at = level;
    return inode;
}

Inode* LayerMerger::materialize(Slot& slot, EntryStream* current, std::uint64_t current_index) {
    if (slot.inode != nullptr) {
        return slot.inode;
    }
    if (slot.below) {
        Inode& placeholder = tree_->new_inode();
        placeholder.placeholder = true;
        placeholder.type = EntryType::regular;  // never a directory: nothing lies below it
        requests_[slot.below->path].push_back(
            Request{level_, kNoLayer, &placeholder, slot.below->link_path});
        slot.inode = &placeholder;
        return slot.inode;
    }
    // An entry of this layer that an upper layer hides, brought back by a visible link: its
    // data is read now when it is the current entry, else in a second pass.
    if (!slot.hidden) {
        throw Error(ErrorKind::internal, "a hidden entry's slot lost its metadata");
    }
    slot.inode = &make_inode(*slot.hidden);
    if (slot.hidden->type == EntryType::regular) {
        if (current != nullptr && slot.index == current_index) {
            stream_data(*current, *slot.inode);
        } else {
            refills_.emplace(slot.index, slot.inode);
        }
    }
    return slot.inode;
}

Inode& LayerMerger::make_inode(const Entry& entry) {
    Inode& inode = tree_->new_inode();
    inode = inode_from(entry);
    return inode;
}

void LayerMerger::stream_data(EntryStream& entries, Inode& inode) {
    std::vector<std::byte> buffer(kDataChunk);
    inode.data = sink_->begin_file();
    if (!inode.has_data()) {
        throw Error(ErrorKind::unsupported, "more files than squashfs can number");
    }
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

void LayerMerger::satisfy_requests(const Entry& entry, int level, EntryStream& entries,
                                   std::uint64_t index) {
    const bool is_dir = entry.type == EntryType::directory;
    // A requested path with this entry below it is a directory (made for the entry) in this
    // layer, unless a later entry of the layer puts a file there.
    for (std::size_t slash = entry.path.find('/'); !requests_.empty() && slash != std::string::npos;
         slash = entry.path.find('/', slash + 1)) {
        const auto parent = requests_.find(std::string_view(entry.path).substr(0, slash));
        if (parent == requests_.end()) {
            continue;
        }
        auto& waiting = parent->second;
        for (auto request = waiting.begin(); request != waiting.end();) {
            if (request->level > level && level >= request->floor) {
                Answer& answer = answered_[parent->first];
                answer.problem = shown(parent->first) + " is a directory";
                answer.requests.push_back(std::move(*request));
                request = waiting.erase(request);
            } else {
                ++request;
            }
        }
        if (waiting.empty()) {
            requests_.erase(parent);
        }
    }
    const auto refuse_link = [&](const Request& request, const std::string& path,
                                 const std::string& why) {
        refuse(request.level,
               "hardlink " + shown(request.link_path) + " to " + shown(path) + ": " + why);
    };
    if (!answered_.empty()) {
        // Links of upper layers see this layer as it ends: a later entry at the target path
        // takes over, a later non-directory above it removes it (settled at the layer's end).
        if (!is_dir) {
            for (auto below = answered_.lower_bound(entry.path + "/");
                 below != answered_.end() && is_below(below->first, entry.path); ++below) {
                below->second.problem = "no such file in this or a lower layer";
            }
        }
        const auto same = answered_.find(entry.path);
        if (same != answered_.end() && is_dir) {
            same->second.problem = shown(same->first) + " is a directory";
        } else if (same != answered_.end()) {
            same->second.problem.clear();
            Inode* provider = nullptr;
            for (Request& request : same->second.requests) {
                if (request.placeholder != nullptr) {
                    if (provider == nullptr) {
                        provider = materialize(slot_of(entry.path), &entries, index);
                    }
                    request.placeholder->forward = provider;
                }
            }
        }
    }
    const auto it = requests_.find(entry.path);
    if (it == requests_.end()) {
        return;
    }
    // Taken out of the list first: making the provider may add a request for this same path
    // (a link to its own name in a lower layer).
    std::vector<Request> met;
    auto& list = it->second;
    for (auto request = list.begin(); request != list.end();) {
        if (request->level <= level) {
            ++request;  // a link only sees what lies below its own layer
            continue;
        }
        if (level < request->floor) {
            refuse_link(*request, entry.path, "no such file in this or a lower layer");
        }
        met.push_back(std::move(*request));
        request = list.erase(request);
    }
    if (list.empty()) {
        requests_.erase(it);
    }
    if (met.empty()) {
        return;
    }
    Answer& answer = answered_[entry.path];
    Inode* provider = nullptr;
    for (Request& request : met) {
        if (is_dir) {
            answer.problem = shown(entry.path) + " is a directory";
        } else if (request.placeholder != nullptr) {
            if (provider == nullptr) {
                provider = materialize(slot_of(entry.path), &entries, index);
            }
            request.placeholder->forward = provider;
        }
        answer.requests.push_back(std::move(request));
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

// ---- crafted layers -----------------------------------------------------------------------
//
// Bottom-up, an entry's parent directories must be directories when it is applied. Top-down,
// an entry of layer N below path P marks P "required" at N unless layer N itself made P a
// directory, or removed what lay at P, before the entry. A layer between that makes P a
// directory, removes P, or removes a parent of P meets the requirement; a lower layer that
// puts a non-directory at P while it is still required is a crafted layer.

bool LayerMerger::removed_in_layer(std::string_view path) {
    // Whiteouts remove the path and what lies below it, opaque markers and non-directories
    // what lies below them ("" is the root).
    if (layer_opaque_.count(std::string_view()) != 0 && !path.empty()) {
        return true;
    }
    for (std::size_t slash = 0;;) {
        slash = path.find('/', slash);
        const std::string_view prefix = path.substr(0, slash);
        if (layer_removed_.count(prefix) != 0) {
            return true;
        }
        if (slash == std::string_view::npos) {
            return false;
        }
        if (emptied_in_layer(prefix)) {
            return true;
        }
        ++slash;
    }
}

bool LayerMerger::emptied_in_layer(std::string_view path) {
    if (layer_opaque_.count(path) != 0) {
        return true;
    }
    const Node* own = named(path);
    return own != nullptr && own->named_emptied;
}

LayerMerger::Slot& LayerMerger::slot_of(std::string_view path) {
    Node* own = named(path);
    if (own == nullptr || !linkable(*own)) {
        throw Error(ErrorKind::internal, "no slot for " + shown(path));
    }
    return *shared_slot(*own);
}

std::shared_ptr<LayerMerger::Slot> LayerMerger::shared_slot(Node& node) {
    if (!node.named_slot) {
        // A visible entry's inode: it was streamed already, so the Slot needs no index.
        auto slot = std::make_shared<Slot>();
        slot->inode = node.inode;
        set_slot(node, slot);
        return slot;
    }
    return slots_.at(&node);
}

void LayerMerger::require_directories(std::string_view path, int level, bool whiteout) {
    // One walk down the path: removed_in_layer() of each parent, kept incrementally (a parent
    // is removed when the layer removed it or a parent above it, or emptied one above it).
    bool removed = layer_opaque_.count(std::string_view()) != 0;
    bool emptied_above = false;
    Node* node = &tree_->root();
    std::size_t start = 0;
    for (std::size_t slash = path.find('/'); slash != std::string_view::npos;
         start = slash + 1, slash = path.find('/', slash + 1)) {
        const std::string_view prefix = path.substr(0, slash);
        node = node != nullptr ? tree_->child(*node, path.substr(start, slash - start)) : nullptr;
        Node* own = node != nullptr && node->named_at == level_ ? node : nullptr;
        removed = removed || emptied_above || layer_removed_.count(prefix) != 0;
        emptied_above = emptied_above || layer_opaque_.count(prefix) != 0 ||
                        (own != nullptr && own->named_emptied);
        if (own != nullptr) {
            // A whiteout below its own layer's file hides nothing that is left (the file
            // already cut off what lay below); below its own symlink it would delete through
            // the link, as Docker and umoci do: crafted. A hardlink may name a symlink of a
            // lower layer, which is not known yet top-down: crafted as well.
            const EntryType kind = own->named_kind;
            if (kind != EntryType::directory &&
                (!whiteout || kind == EntryType::symlink || kind == EntryType::hardlink)) {
                refuse(level,
                       (whiteout ? "whiteout below " + shown(prefix) + " (" + shown(path) + ")"
                                 : shown(path) + " lies below " + shown(prefix)) +
                           ", which the same layer makes " +
                           (kind == EntryType::hardlink ? "a hardlink" : kind_of(kind)) +
                           ", not a directory; a crafted layer");
            }
            continue;  // this layer's own directory, or its own file hiding a whiteout's target
        }
        if (removed) {
            continue;
        }
        // Recorded when the layer ends: an upper layer's need at the same path must first be
        // checked against this layer.
        layer_required_.emplace(std::string(prefix), std::string(path));
    }
}

void LayerMerger::settle_requirements(int level) {
    settle_upper_requirements(level);
    for (auto& [path, by] : layer_required_) {
        required_[path] = Requirement{level, std::move(by)};
    }
}

void LayerMerger::settle_upper_requirements(int level) {
    if (required_.empty()) {
        return;
    }
    // As this layer ends: a non-directory where an upper layer's entries need a directory is
    // a crafted layer; a directory, or a path this layer removed, meets the need. Required
    // paths are few (parents without an entry of their own); the layer's names are many.
    for (auto it = required_.begin(); it != required_.end();) {
        const Node* own = it->second.level > level ? named(it->first) : nullptr;
        if (own == nullptr) {
            ++it;
            continue;
        }
        const EntryType type = own->named_kind;
        if (type == EntryType::directory) {
            it = required_.erase(it);
            continue;
        }
        const std::string& by = it->second.by;
        const bool whiteout = base_name(by).substr(0, kWhiteoutPrefix.size()) == kWhiteoutPrefix;
        refuse(it->second.level, std::string(whiteout ? "whiteout below " : "entry below ") +
                                     shown(it->first) + " (" + shown(by) + "), which " +
                                     layer_name(level) + " makes " + kind_of(type) +
                                     ", not a directory; a crafted layer");
    }
    // Below a non-directory of this layer nothing of the layers under it is left.
    for (auto it = required_.begin(); it != required_.end();) {
        bool emptied = false;
        if (it->second.level > level) {
            const Node* node = &tree_->root();
            const auto parts = split_path(it->first);
            for (std::size_t i = 0; node != nullptr && !emptied; ++i) {
                emptied = node->named_at == level && node->named_emptied;
                node = i + 1 < parts.size() ? tree_->child(*node, parts[i]) : nullptr;
            }
        }
        it = emptied ? required_.erase(it) : std::next(it);
    }
    for (const auto& path : layer_opaque_) {
        clear_requirements(path, false, level);
    }
    for (const auto& path : layer_removed_) {
        clear_requirements(path, true, level);
    }
}

void LayerMerger::check_link_target(const Entry& entry, int level) {
    const auto fail = [&](const std::string& why) {
        refuse(level,
               "hardlink " + shown(entry.path) + " to " + shown(entry.link_target) + ": " + why);
    };
    // The link first replaces what its own path holds, the target too when it lies below or
    // is that path: Docker removes the old file, then link(2) finds no target.
    if (entry.link_target == entry.path) {
        fail("a hardlink to its own name; extraction removes the target before linking");
    }
    if (is_below(entry.link_target, entry.path)) {
        fail("no such file in this or a lower layer");
    }
    const Node* target = find_node(entry.link_target);
    const Node* own = target != nullptr && target->named_at == level_ ? target : nullptr;
    if (own != nullptr && linkable(*own)) {
        return;
    }
    if (own != nullptr && own->named_kind == EntryType::directory) {
        fail(shown(entry.link_target) + " is a directory");
    }
    // A directory made by extraction for entries below it (the link's own, or earlier ones).
    if (is_below(entry.path, entry.link_target) ||
        (target != nullptr && target->named_below_at == level_)) {
        fail(shown(entry.link_target) + " is a directory");
    }
    if (removed_in_layer(entry.link_target)) {
        fail("no such file in this or a lower layer");
    }
}

void LayerMerger::clear_requirements(std::string_view path, bool include_self, int level) {
    // Sorted by path: "P" then everything below it ("P/..."), '0' being the byte after '/'.
    const std::string self(path);
    auto it = include_self || path.empty() ? required_.lower_bound(self)
                                           : required_.lower_bound(self + "/");
    const auto end = path.empty() ? required_.end() : required_.lower_bound(self + "0");
    while (it != end) {
        const bool covered = it->first == self ? include_self : is_below(it->first, self);
        if (it->second.level > level && covered) {
            it = required_.erase(it);
        } else {
            ++it;
        }
    }
}

std::string LayerMerger::layer_name(int level) const {
    const auto it = names_.find(level);
    return it != names_.end() ? it->second.first : "layer " + std::to_string(level + 1);
}

void LayerMerger::refuse(int level, const std::string& what) const {
    const auto it = names_.find(level);
    throw Error(ErrorKind::invalid_input, layer_name(level) + ": " + what,
                it != names_.end() ? it->second.second : std::string());
}

// ---- the end --------------------------------------------------------------------------------

void LayerMerger::finish() {
    for (const auto& [path, list] : requests_) {
        if (unresolved_links_dropped_) {
            for (const Request& request : list) {
                if (request.placeholder == nullptr) {
                    continue;  // a hidden link: nothing to drop
                }
                warnings_.push_back("hardlink " + shown(request.link_path) + " to " + shown(path) +
                                    ": the target is in another layer; dropped");
            }
        } else if (!list.empty()) {
            const Request& request = list.front();
            refuse(request.level, "hardlink " + shown(request.link_path) + " to " + shown(path) +
                                      ": no such file in this or a lower layer");
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

void LayerMerger::finish_node(Node& root) {
    // Iterative, children before parents: a deep tree must not exhaust the stack.
    struct Frame {
        Node* node;
        bool expanded;
    };
    std::vector<Frame> stack{{&root, false}};
    while (!stack.empty()) {
        Frame& frame = stack.back();
        Node& node = *frame.node;
        if (!frame.expanded) {
            frame.expanded = true;
            node.inode = resolved(node.inode);
            if (node.inode != nullptr && node.inode->placeholder) {
                if (!unresolved_links_dropped_) {
                    throw Error(ErrorKind::internal, "unresolved hardlink at " + node.path());
                }
                node.inode = nullptr;  // reported by finish()
            }
            if (node.inode != nullptr && !is_directory(node.inode)) {
                tree_->remove_children_if(node, [](const Node&) { return true; });
                stack.pop_back();
                continue;
            }
            for (Node* child = node.first_child; child != nullptr; child = child->next_sibling) {
                stack.push_back({child, false});
            }
            continue;
        }
        tree_->remove_children_if(node, [](const Node& child) { return child.inode == nullptr; });
        if (node.inode == nullptr && (node.first_child != nullptr || node.implied_at != kNoLayer)) {
            Inode& implied = tree_->new_inode();
            implied.type = EntryType::directory;
            implied.mode = 0755;
            node.inode = &implied;
        }
        stack.pop_back();
    }
}

}  // namespace sifkit::oci2sif
