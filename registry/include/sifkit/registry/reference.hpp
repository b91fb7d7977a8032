// Image references as docker, podman and Apptainer write them:
//   docker://[HOST[:PORT]/]REPO[:TAG][@sha256:HEX]   an OCI/Docker image
//   oras://[HOST[:PORT]/]REPO[:TAG][@sha256:HEX]     a SIF file stored as an ORAS artifact
// with docker's defaults: no host (the first component has no '.' or ':' and is not
// "localhost") means docker.io, a one-component repository on docker.io is under "library/",
// and no tag or digest means ":latest".
#pragma once

#include <string>
#include <string_view>

namespace sifkit::registry {

enum class Transport { docker, oras };

struct Reference {
    Transport transport = Transport::docker;
    std::string registry;    // "docker.io", "127.0.0.1:5000" (how auth files name it)
    std::string repository;  // "library/debian"
    std::string tag;         // empty only when a digest is given without a tag
    std::string digest;      // "sha256:<hex>", or empty

    // A usage Error naming the problem when `text` is not a reference.
    static Reference parse(std::string_view text);

    // What the manifest is fetched by: the digest when there is one, else the tag.
    const std::string& manifest_reference() const { return digest.empty() ? tag : digest; }
    // The host to connect to (docker.io is served by registry-1.docker.io).
    std::string endpoint() const;
    // "HOST/REPO:TAG" or "HOST/REPO@DIGEST" (both when both were given).
    std::string name() const;
    // name() with the transport: "docker://HOST/REPO:TAG".
    std::string to_string() const;
};

// The host serving `registry` (docker.io is served by registry-1.docker.io).
std::string registry_endpoint(std::string_view registry);

// A registry host as `sifkit login` takes it ("HOST[:PORT]", "https://HOST/", "docker.io"):
// scheme and trailing slashes dropped, index.docker.io spelled docker.io. A usage Error when it
// has a path or is empty.
std::string normalize_registry(std::string_view text);

}  // namespace sifkit::registry
