// SquashfsImage: paths, listings and walks over one squashfs (SquashfsLayer) or over an
// OCI-SIF's stack of them, merged as overlayfs merges its lower layers.
//
// A merged entry is a Node: the layers' inodes for one path, top first. Anything but a
// directory has exactly one; a directory has one per layer where the path is a directory that
// nothing above hides (a whiteout, a non-directory, an opaque directory), and its children are
// the union of theirs. Only the directory being listed is held whole, so a walk costs what the
// single-layer walk costs, times the layers that hold the directory.
#include "sifkit/rootfs/squashfs.hpp"

#include <algorithm>
#include <array>
#include <deque>
#include <map>
#include <set>
#include <utility>

#include "sifkit/sif/error.hpp"
#include "sifkit/sif/tree_limits.hpp"
#include "squashfs_layer.hpp"

namespace sifkit::rootfs {
namespace {

// Symbolic links followed in one lookup, as Linux's MAXSYMLINKS.
constexpr int kMaxSymlinks = 40;

// overlayfs markers (kernel overlayfs, fuse-overlayfs, oci-tools' whiteoutsToOverlayFS) and the
// AUFS ones of OCI layers, which fuse-overlayfs also writes when it may not create devices.
constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kAufsMetaPrefix = ".wh..wh.";
constexpr std::string_view kAufsOpaqueMarker = ".wh..wh..opq";
constexpr std::array<std::string_view, 2> kOpaqueXattrs = {"trusted.overlay.opaque",
                                                           "user.overlay.opaque"};

bool is_whiteout_device(const sqfs_inode_generic_t& inode) noexcept {
    return type_of(inode) == FileType::char_device && inode.data.dev.devno == 0;
}

bool is_opaque_xattr(std::string_view name) noexcept {
    return std::find(kOpaqueXattrs.begin(), kOpaqueXattrs.end(), name) != kOpaqueXattrs.end();
}

bool starts_with(std::string_view text, std::string_view prefix) noexcept {
    return text.substr(0, prefix.size()) == prefix;
}

std::vector<std::string> split_components(std::string_view path) {
    std::vector<std::string> parts;
    std::size_t at = 0;
    while (at <= path.size()) {
        const std::size_t slash = path.find('/', at);
        const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
        if (end > at) {
            parts.emplace_back(path.substr(at, end - at));
        }
        if (slash == std::string_view::npos) {
            break;
        }
        at = slash + 1;
    }
    return parts;
}

}  // namespace

std::string_view token(FileType type) noexcept {
    switch (type) {
        case FileType::regular:
            return "reg";
        case FileType::directory:
            return "dir";
        case FileType::symlink:
            return "sym";
        case FileType::char_device:
            return "chr";
        case FileType::block_device:
            return "blk";
        case FileType::fifo:
            return "fifo";
        case FileType::socket:
            return "sock";
    }
    return "reg";
}

struct SquashfsImage::State {
    struct Part {
        SquashfsLayer* layer;
        InodePtr inode;
    };
    // One path of the merged tree: its inodes, top layer first (empty: no such entry).
    struct Node {
        std::vector<Part> parts;
        const Part& top() const { return parts.front(); }
    };

    const sif::Image* image = nullptr;
    std::vector<std::unique_ptr<SquashfsLayer>> layers;  // bottom first
    bool overlay = false;                                // several layers: whiteouts apply
    std::string origin;
    const Part* visiting = nullptr;  // the entry a walk is showing

    SquashfsLayer& top_layer() const { return *layers.back(); }

    // A directory marked opaque by an xattr: the layers below contribute nothing to it.
    bool opaque_by_xattr(const Part& part, const std::string& path) const {
        sqfs_u32 index = 0xFFFFFFFFU;
        if (sqfs_inode_get_xattr_index(part.inode.get(), &index) != 0 || index == 0xFFFFFFFFU) {
            return false;
        }
        for (const auto& [name, value] : part.layer->xattrs(index, path)) {
            if (is_opaque_xattr(name) && value == "y") {
                return true;
            }
        }
        return false;
    }

    Node root() const {
        Node out;
        for (auto layer = layers.rbegin(); layer != layers.rend(); ++layer) {
            out.parts.push_back({layer->get(), (*layer)->root()});
            if (!overlay) {
                break;
            }
        }
        return out;
    }

    // The child `name` of the merged directory `dir`; no parts when there is none.
    Node lookup(const Node& dir, const std::string& name, const std::string& dir_path) const {
        Node out;
        if (overlay && starts_with(name, kWhiteoutPrefix)) {
            return out;  // a marker, never an entry
        }
        for (const Part& part : dir.parts) {
            if (InodePtr found = part.layer->child(*part.inode, name, dir_path)) {
                const bool whiteout = overlay && is_whiteout_device(*found);
                const bool directory = is_directory(*found);
                if (out.parts.empty() && whiteout) {
                    return out;
                }
                if (!out.parts.empty() && (whiteout || !directory)) {
                    return out;  // what is below a directory's upper half does not join it
                }
                out.parts.push_back({part.layer, std::move(found)});
                if (!directory) {
                    return out;
                }
            }
            if (!overlay) {
                return out;
            }
            // An AUFS whiteout hides the name in the layers below, not in its own.
            if (part.layer->child(*part.inode, std::string(kWhiteoutPrefix) + name, dir_path) ||
                part.layer->child(*part.inode, std::string(kAufsOpaqueMarker), dir_path) ||
                opaque_by_xattr(part, dir_path)) {
                return out;
            }
        }
        return out;
    }

    // The entries of the merged directory `dir`, in name order.
    std::vector<std::pair<std::string, Node>> children(const Node& dir,
                                                       const std::string& dir_path) const {
        std::vector<std::pair<std::string, Node>> out;
        if (!overlay) {
            const Part& part = dir.top();
            for (auto& [name, inode] : part.layer->children(*part.inode, dir_path)) {
                Node node;
                node.parts.push_back({part.layer, std::move(inode)});
                out.emplace_back(std::move(name), std::move(node));
            }
            return out;
        }
        struct Merged {
            Node node;
            bool hidden = false;  // a whiteout came first
            bool open = false;    // a directory that lower layers may still add to
        };
        std::map<std::string, Merged> merged;  // std::string orders bytes as squashfs does
        for (const Part& part : dir.parts) {
            bool opaque = false;
            std::vector<std::string> removed;
            for (auto& [name, inode] : part.layer->children(*part.inode, dir_path)) {
                if (starts_with(name, kWhiteoutPrefix)) {
                    if (name == kAufsOpaqueMarker) {
                        opaque = true;
                    } else if (!starts_with(name, kAufsMetaPrefix)) {
                        removed.push_back(name.substr(kWhiteoutPrefix.size()));
                    }
                    continue;
                }
                const bool whiteout = is_whiteout_device(*inode);
                const bool directory = is_directory(*inode);
                auto [at, inserted] = merged.try_emplace(std::move(name));
                Merged& entry = at->second;
                if (inserted) {
                    entry.hidden = whiteout;
                    entry.open = directory;
                    if (!whiteout) {
                        entry.node.parts.push_back({part.layer, std::move(inode)});
                    }
                } else if (entry.open) {
                    entry.open = directory && !whiteout;
                    if (entry.open) {
                        entry.node.parts.push_back({part.layer, std::move(inode)});
                    }
                }
            }
            for (auto& name : removed) {
                auto [at, inserted] = merged.try_emplace(std::move(name));
                at->second.hidden = at->second.hidden || inserted;
                at->second.open = false;
            }
            if (opaque || opaque_by_xattr(part, dir_path)) {
                break;
            }
        }
        out.reserve(merged.size());
        for (auto& [name, entry] : merged) {
            if (!entry.hidden) {
                out.emplace_back(name, std::move(entry.node));
            }
        }
        return out;
    }

    FileInfo info(const Node& node, std::string path, std::string name) const {
        return node.top().layer->info(*node.top().inode, std::move(path), std::move(name));
    }

    struct Resolved {
        Node node;
        std::string path;
        std::string name;
    };

    // Walks `path` from the root, resolving symbolic links inside the image.
    Resolved resolve(std::string_view path, bool follow_final) const {
        struct Step {
            std::string name;
            bool from_link;  // comes from a symlink target: ".." at the root stays there
        };
        std::deque<Step> pending;
        for (auto& part : split_components(path)) {
            pending.push_back({std::move(part), false});
        }
        std::vector<std::pair<std::string, Node>> stack;
        stack.emplace_back("", root());
        const auto current_path = [&stack] {
            std::string out;
            for (std::size_t i = 1; i < stack.size(); ++i) {
                out += "/" + stack[i].first;
            }
            return out.empty() ? std::string("/") : out;
        };
        int links = 0;
        while (!pending.empty()) {
            Step step = std::move(pending.front());
            pending.pop_front();
            if (step.name == ".") {
                continue;
            }
            if (step.name == "..") {
                if (stack.size() > 1) {
                    stack.pop_back();
                } else if (!step.from_link) {
                    throw Error(ErrorKind::usage,
                                "path " + std::string(path) + " leaves the image's root",
                                image->name());
                }
                continue;
            }
            const Node& dir = stack.back().second;
            const std::string dir_path = current_path();
            if (!is_directory(*dir.top().inode)) {
                throw Error(ErrorKind::not_found,
                            "no such file or directory in the image: " + std::string(path) + " (" +
                                dir_path + " is not a directory)",
                            image->name());
            }
            Node next = lookup(dir, step.name, dir_path);
            if (next.parts.empty()) {
                throw Error(ErrorKind::not_found,
                            "no such file or directory in the image: " + std::string(path),
                            image->name());
            }
            const bool last = pending.empty();
            if (type_of(*next.top().inode) == FileType::symlink && (!last || follow_final)) {
                if (++links > kMaxSymlinks) {
                    throw Error(ErrorKind::invalid_input,
                                "too many levels of symbolic links resolving " + std::string(path),
                                image->name());
                }
                const FileInfo link = info(next, join_path(dir_path, step.name), step.name);
                std::vector<std::string> target = split_components(link.link_target);
                if (!link.link_target.empty() && link.link_target.front() == '/') {
                    stack.resize(1);
                }
                for (auto it = target.rbegin(); it != target.rend(); ++it) {
                    pending.push_front({std::move(*it), true});
                }
                continue;
            }
            if (stack.size() > sif::kMaxTreeDepth) {
                next.top().layer->too_deep();
            }
            stack.emplace_back(step.name, std::move(next));
        }
        Resolved out;
        out.path = current_path();
        out.name = stack.back().first;
        out.node = std::move(stack.back().second);
        return out;
    }

    void walk(const Node& node, const FileInfo& here, const Visitor& visitor,
              std::set<std::uint64_t>& ancestors, std::size_t depth) {
        // A visitor that reads the file it is shown (export, tar) gets this inode instead of a
        // fresh lookup of the path, which would cost a directory search per component.
        visiting = &node.top();
        visitor(here);
        visiting = nullptr;
        if (!is_directory(*node.top().inode)) {
            return;
        }
        if (!ancestors.insert(here.inode_key()).second) {
            node.top().layer->corrupt("directory " + here.path + " contains itself");
        }
        auto entries = children(node, here.path);
        if (!entries.empty() && depth >= sif::kMaxTreeDepth) {
            node.top().layer->too_deep();
        }
        for (auto& [name, child] : entries) {
            const FileInfo child_info = info(child, join_path(here.path, name), name);
            walk(child, child_info, visitor, ancestors, depth + 1);
        }
        ancestors.erase(here.inode_key());
    }
};

SquashfsImage::SquashfsImage(std::unique_ptr<State> state) : state_(std::move(state)) {}
SquashfsImage::SquashfsImage(SquashfsImage&&) noexcept = default;
SquashfsImage& SquashfsImage::operator=(SquashfsImage&&) noexcept = default;
SquashfsImage::~SquashfsImage() = default;

SquashfsImage SquashfsImage::open(const sif::Image& image, const sif::Descriptor& object) {
    auto state = std::make_unique<State>();
    state->image = &image;
    state->layers.push_back(SquashfsLayer::open(image, object, 0));
    state->origin = image.name() + ": object " + std::to_string(object.id);
    return SquashfsImage(std::move(state));
}

SquashfsImage SquashfsImage::open_layers(const sif::Image& image,
                                         const std::vector<sif::Descriptor>& layers) {
    if (layers.size() == 1) {
        // One layer is read as it is, as SingularityCE mounts it: there is nothing to merge.
        return open(image, layers.front());
    }
    if (layers.empty()) {
        throw Error(ErrorKind::not_found, "the image has no layers (no root file system to read)",
                    image.name());
    }
    if (layers.size() > kMaxLayers) {
        throw Error(ErrorKind::unsupported,
                    std::to_string(layers.size()) + " layers: sifkit reads at most " +
                        std::to_string(kMaxLayers) + " (overlayfs's limit)",
                    image.name());
    }
    auto state = std::make_unique<State>();
    state->image = &image;
    state->overlay = true;
    state->origin = image.name() + ": objects ";
    for (const sif::Descriptor& object : layers) {
        state->origin += (state->layers.empty() ? "" : ", ") + std::to_string(object.id);
        state->layers.push_back(
            SquashfsLayer::open(image, object, static_cast<std::uint32_t>(state->layers.size())));
    }
    return SquashfsImage(std::move(state));
}

FileInfo SquashfsImage::stat(std::string_view path, bool follow_final) const {
    auto resolved = state_->resolve(path, follow_final);
    return state_->info(resolved.node, resolved.path, resolved.name);
}

std::vector<FileInfo> SquashfsImage::list(std::string_view path) const {
    auto resolved = state_->resolve(path, true);
    if (!is_directory(*resolved.node.top().inode)) {
        throw Error(ErrorKind::usage, std::string(path) + " is not a directory",
                    state_->image->name());
    }
    std::vector<FileInfo> out;
    for (auto& [name, node] : state_->children(resolved.node, resolved.path)) {
        out.push_back(state_->info(node, join_path(resolved.path, name), name));
    }
    return out;
}

void SquashfsImage::walk(std::string_view path, const Visitor& visitor) const {
    auto resolved = state_->resolve(path, false);
    const FileInfo top = state_->info(resolved.node, resolved.path, resolved.name);
    std::set<std::uint64_t> ancestors;
    const auto depth =
        resolved.path == "/"
            ? std::size_t{0}
            : static_cast<std::size_t>(std::count(resolved.path.begin(), resolved.path.end(), '/'));
    state_->walk(resolved.node, top, visitor, ancestors, depth);
}

void SquashfsImage::read(const FileInfo& file,
                         const std::function<void(std::span<const std::byte>)>& sink) const {
    read(file, sink, nullptr);
}

void SquashfsImage::read(const FileInfo& file,
                         const std::function<void(std::span<const std::byte>)>& sink,
                         const std::function<void(std::uint64_t length)>& hole) const {
    if (file.type != FileType::regular) {
        throw Error(ErrorKind::usage, file.path + " is not a regular file", state_->image->name());
    }
    // FileInfo is plain data and may come from a walk long done: unless it is the entry a walk
    // is showing right now, the inode is looked up again.
    const State::Part* part = state_->visiting;
    State::Resolved looked_up;
    if (part == nullptr || part->layer->number() != file.layer ||
        part->inode->base.inode_number != file.inode_number) {
        looked_up = state_->resolve(file.path, false);
        part = &looked_up.node.top();
    }
    if (type_of(*part->inode) != FileType::regular) {
        throw Error(ErrorKind::usage, file.path + " is not a regular file", state_->image->name());
    }
    part->layer->read(*part->inode, file, sink, hole);
}

std::string SquashfsImage::read_all(const FileInfo& file, std::uint64_t limit) const {
    if (file.size > limit) {
        throw Error(ErrorKind::invalid_input,
                    file.path + " is " + std::to_string(file.size) + " bytes, more than the " +
                        std::to_string(limit) + " accepted",
                    state_->image->name());
    }
    std::string out;
    out.reserve(static_cast<std::size_t>(file.size));
    read(file, [&out](std::span<const std::byte> chunk) {
        out.append(reinterpret_cast<const char*>(chunk.data()), chunk.size());
    });
    return out;
}

std::vector<std::pair<std::string, std::string>> SquashfsImage::xattrs(const FileInfo& file) const {
    if (file.layer >= state_->layers.size()) {
        throw Error(ErrorKind::usage, file.path + " is not an entry of this image",
                    state_->image->name());
    }
    auto out = state_->layers[file.layer]->xattrs(file.xattr_index, file.path);
    if (state_->overlay) {
        // The merge has applied opaque markers; a tree without its lower layers has no use
        // for them (and an overlay mount of it would hide what is below again).
        out.erase(std::remove_if(out.begin(), out.end(),
                                 [](const auto& x) { return is_opaque_xattr(x.first); }),
                  out.end());
    }
    return out;
}

const std::string& SquashfsImage::origin() const noexcept {
    return state_->origin;
}
std::uint32_t SquashfsImage::block_size() const noexcept {
    std::uint32_t largest = 0;
    for (const auto& layer : state_->layers) {
        largest = std::max(largest, layer->super().block_size);
    }
    return largest;
}
std::uint32_t SquashfsImage::inode_count() const noexcept {
    std::uint32_t total = 0;
    for (const auto& layer : state_->layers) {
        total += layer->super().inode_count;
    }
    return total;
}
std::int64_t SquashfsImage::modification_time() const noexcept {
    return state_->top_layer().super().modification_time;
}

}  // namespace sifkit::rootfs
