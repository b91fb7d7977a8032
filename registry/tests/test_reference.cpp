// Image references: docker's defaults, registries with ports, tags and digests, refusals.
#include <catch2/catch.hpp>

#include "sifkit/registry/reference.hpp"
#include "sifkit/sif/error.hpp"

using sifkit::registry::normalize_registry;
using sifkit::registry::Reference;
using sifkit::registry::Transport;

TEST_CASE("references get docker's defaults") {
    const auto debian = Reference::parse("docker://debian");
    CHECK(debian.transport == Transport::docker);
    CHECK(debian.registry == "docker.io");
    CHECK(debian.repository == "library/debian");
    CHECK(debian.tag == "latest");
    CHECK(debian.digest.empty());
    CHECK(debian.endpoint() == "registry-1.docker.io");
    CHECK(debian.to_string() == "docker://docker.io/library/debian:latest");

    const auto team = Reference::parse("docker://team/app:v2");
    CHECK(team.registry == "docker.io");
    CHECK(team.repository == "team/app");
    CHECK(team.tag == "v2");

    const auto hub = Reference::parse("docker://index.docker.io/library/alpine:3.19");
    CHECK(hub.registry == "docker.io");
    CHECK(hub.repository == "library/alpine");
}

TEST_CASE("registries, ports, tags and digests") {
    const std::string digest = "sha256:" + std::string(64, 'a');
    const auto local = Reference::parse("oras://127.0.0.1:5000/hpc/app:v1.2-rc_3");
    CHECK(local.transport == Transport::oras);
    CHECK(local.registry == "127.0.0.1:5000");
    CHECK(local.repository == "hpc/app");
    CHECK(local.tag == "v1.2-rc_3");
    CHECK(local.endpoint() == "127.0.0.1:5000");
    CHECK(local.name() == "127.0.0.1:5000/hpc/app:v1.2-rc_3");

    const auto pinned = Reference::parse("docker://quay.io/team/app@" + digest);
    CHECK(pinned.registry == "quay.io");
    CHECK(pinned.tag.empty());
    CHECK(pinned.digest == digest);
    CHECK(pinned.manifest_reference() == digest);

    const auto both = Reference::parse("docker://localhost:5000/a/b/c:v1@" + digest);
    CHECK(both.registry == "localhost:5000");
    CHECK(both.repository == "a/b/c");
    CHECK(both.tag == "v1");
    CHECK(both.manifest_reference() == digest);
    CHECK(both.to_string() == "docker://localhost:5000/a/b/c:v1@" + digest);

    CHECK(Reference::parse("docker://localhost/app").registry == "localhost");
    CHECK(Reference::parse("docker://[::1]:5000/app").registry == "[::1]:5000");
    CHECK(Reference::parse("docker://a.b/c__d/e-f.g").repository == "c__d/e-f.g");
}

TEST_CASE("malformed references are usage errors") {
    for (const char* text :
         {"debian", "http://debian", "docker://", "docker://Debian", "docker://host:5000/",
          "docker://debian:", "docker://debian:-bad", "docker://debian@sha256:abc",
          "docker://debian@md5:0123", "docker://a..b/c", "docker://host:port/app",
          "docker://library/-x", "oras://x/y_"}) {
        INFO(text);
        try {
            Reference::parse(text);
            FAIL("accepted");
        } catch (const sifkit::Error& e) {
            CHECK(e.kind() == sifkit::ErrorKind::usage);
        }
    }
}

TEST_CASE("registry hosts for login") {
    CHECK(normalize_registry("registry.example") == "registry.example");
    CHECK(normalize_registry("https://registry.example:8443/") == "registry.example:8443");
    CHECK(normalize_registry("https://index.docker.io/v1/") == "docker.io");
    CHECK(normalize_registry("docker.io") == "docker.io");
    CHECK_THROWS_AS(normalize_registry("registry.example/team"), sifkit::Error);
    CHECK_THROWS_AS(normalize_registry(""), sifkit::Error);
}
