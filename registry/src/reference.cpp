// Parsing follows the grammar of the distribution project's reference package (the one docker
// and podman use), with its normalization for docker.io.
#include "sifkit/registry/reference.hpp"

#include <algorithm>

#include "sifkit/sif/error.hpp"

namespace sifkit::registry {
namespace {

constexpr std::string_view kDockerHub = "docker.io";

[[noreturn]] void refuse(std::string_view text, const std::string& why) {
    throw Error(ErrorKind::usage, "not an image reference (" + why + ")", std::string(text));
}

bool is_lower_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool is_hex_digest(std::string_view digest) {
    if (digest.size() != 71 || digest.substr(0, 7) != "sha256:") {
        return false;
    }
    return std::all_of(digest.begin() + 7, digest.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// One path component: lower-case letters and digits, separated by '.', '_', '__' or dashes.
bool is_path_component(std::string_view part) {
    if (part.empty() || !is_lower_alnum(part.front()) || !is_lower_alnum(part.back())) {
        return false;
    }
    for (std::size_t i = 0; i < part.size(); ++i) {
        const char c = part[i];
        if (is_lower_alnum(c) || c == '-') {
            continue;
        }
        if (c == '.' || c == '_') {
            const bool doubled_underscore = c == '_' && i + 1 < part.size() && part[i + 1] == '_';
            const std::size_t next = i + (doubled_underscore ? 2 : 1);
            if (next >= part.size() || !is_lower_alnum(part[next])) {
                return false;
            }
            i = next - 1;
            continue;
        }
        return false;
    }
    return true;
}

bool is_tag(std::string_view tag) {
    if (tag.empty() || tag.size() > 128 || tag.front() == '.' || tag.front() == '-') {
        return false;
    }
    return std::all_of(tag.begin(), tag.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '.' || c == '-';
    });
}

// HOST, HOST:PORT or [IPv6]:PORT.
bool is_domain(std::string_view domain) {
    std::string_view host = domain;
    std::string_view port;
    if (!host.empty() && host.front() == '[') {
        const auto close = host.find(']');
        if (close == std::string_view::npos) {
            return false;
        }
        port = host.substr(close + 1);
        host = host.substr(1, close - 1);
        if (host.empty() || host.find_first_not_of("0123456789abcdefABCDEF:.") != host.npos) {
            return false;
        }
    } else {
        const auto colon = host.find(':');
        if (colon != std::string_view::npos) {
            port = host.substr(colon);
            host = host.substr(0, colon);
        }
        // Labels of letters, digits and inner hyphens, separated by single dots.
        std::size_t start = 0;
        while (start <= host.size()) {
            const auto dot = std::min(host.find('.', start), host.size());
            const std::string_view label = host.substr(start, dot - start);
            const auto alnum = [](char c) {
                return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            };
            if (label.empty() || !alnum(label.front()) || !alnum(label.back()) ||
                !std::all_of(label.begin(), label.end(),
                             [&](char c) { return alnum(c) || c == '-'; })) {
                return false;
            }
            start = dot + 1;
        }
    }
    if (!port.empty()) {
        if (port.size() < 2 || port.front() != ':' || port.size() > 6 ||
            port.find_first_not_of("0123456789", 1) != port.npos) {
            return false;
        }
    }
    return true;
}

// Whether the first path component names a registry rather than a namespace on docker.io.
bool looks_like_domain(std::string_view first) {
    return first.find_first_of(".:[") != std::string_view::npos || first == "localhost";
}

}  // namespace

Reference Reference::parse(std::string_view text) {
    Reference ref;
    std::string_view rest = text;
    if (rest.substr(0, 9) == "docker://") {
        rest.remove_prefix(9);
    } else if (rest.substr(0, 7) == "oras://") {
        ref.transport = Transport::oras;
        rest.remove_prefix(7);
    } else {
        refuse(text, "it must start with docker:// or oras://");
    }
    if (rest.empty()) {
        refuse(text, "nothing after the transport");
    }
    // The digest comes last and may contain ':'.
    if (const auto at = rest.find('@'); at != std::string_view::npos) {
        ref.digest = std::string(rest.substr(at + 1));
        rest = rest.substr(0, at);
        if (!is_hex_digest(ref.digest)) {
            refuse(text, "the digest must be sha256: and 64 lower-case hex digits");
        }
    }
    // A tag is a ':' after the last '/'.
    const auto last_slash = rest.rfind('/');
    const auto colon = rest.find(':', last_slash == std::string_view::npos ? 0 : last_slash);
    if (colon != std::string_view::npos) {
        ref.tag = std::string(rest.substr(colon + 1));
        rest = rest.substr(0, colon);
        if (!is_tag(ref.tag)) {
            refuse(text, "bad tag \"" + ref.tag + "\"");
        }
    }
    const auto first_slash = rest.find('/');
    if (first_slash != std::string_view::npos && looks_like_domain(rest.substr(0, first_slash))) {
        ref.registry = std::string(rest.substr(0, first_slash));
        rest = rest.substr(first_slash + 1);
        if (!is_domain(ref.registry)) {
            refuse(text, "bad registry host \"" + ref.registry + "\"");
        }
    } else {
        ref.registry = std::string(kDockerHub);
    }
    if (ref.registry == "index.docker.io" || ref.registry == "registry-1.docker.io") {
        ref.registry = std::string(kDockerHub);
    }
    if (rest.empty()) {
        refuse(text, "no repository");
    }
    std::size_t start = 0;
    while (start <= rest.size()) {
        const auto slash = std::min(rest.find('/', start), rest.size());
        if (!is_path_component(rest.substr(start, slash - start))) {
            refuse(text, "bad repository \"" + std::string(rest) +
                             "\": lower-case letters, digits and separators . _ __ -");
        }
        start = slash + 1;
    }
    ref.repository = std::string(rest);
    if (ref.registry == kDockerHub && ref.repository.find('/') == std::string::npos) {
        ref.repository = "library/" + ref.repository;
    }
    if (ref.repository.size() > 255) {
        refuse(text, "repository name longer than 255 characters");
    }
    if (ref.tag.empty() && ref.digest.empty()) {
        ref.tag = "latest";
    }
    return ref;
}

std::string registry_endpoint(std::string_view registry) {
    return registry == kDockerHub ? std::string("registry-1.docker.io") : std::string(registry);
}

std::string Reference::endpoint() const {
    return registry_endpoint(registry);
}

std::string Reference::name() const {
    std::string out = registry + "/" + repository;
    if (!tag.empty()) {
        out += ":" + tag;
    }
    if (!digest.empty()) {
        out += "@" + digest;
    }
    return out;
}

std::string Reference::to_string() const {
    return (transport == Transport::oras ? "oras://" : "docker://") + name();
}

std::string normalize_registry(std::string_view text) {
    std::string_view host = text;
    for (const std::string_view scheme : {"https://", "http://", "docker://", "oras://"}) {
        if (host.substr(0, scheme.size()) == scheme) {
            host.remove_prefix(scheme.size());
        }
    }
    while (!host.empty() && host.back() == '/') {
        host.remove_suffix(1);
    }
    // Docker's legacy key for Docker Hub.
    if (host == "index.docker.io/v1" || host == "index.docker.io" ||
        host == "registry-1.docker.io") {
        return std::string(kDockerHub);
    }
    if (host.empty() || host.find('/') != std::string_view::npos || !is_domain(host)) {
        throw Error(ErrorKind::usage, "not a registry host (HOST[:PORT])", std::string(text));
    }
    return std::string(host);
}

}  // namespace sifkit::registry
