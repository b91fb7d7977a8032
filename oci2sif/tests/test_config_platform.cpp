// The image config (parsing, edits, oci-config.json) and platform matching.
#include <catch2/catch.hpp>

#include "image_config.hpp"
#include "platform.hpp"
#include "sifkit/sif/error.hpp"

using namespace sifkit;
using namespace sifkit::oci2sif;

TEST_CASE("RFC 3339 times, with fractions and offsets") {
    CHECK(parse_rfc3339("1970-01-01T00:00:00Z") == 0);
    CHECK(parse_rfc3339("2023-11-14T22:13:20Z") == 1700000000);
    CHECK(parse_rfc3339("2023-11-14T22:13:20.123456789Z") == 1700000000);
    CHECK(parse_rfc3339("2023-11-14T23:13:20+01:00") == 1700000000);
    CHECK(parse_rfc3339("1969-12-31T23:59:59Z") == -1);
    CHECK_FALSE(parse_rfc3339("2023-11-14"));
    CHECK_FALSE(parse_rfc3339("2023-13-14T22:13:20Z"));
    CHECK_FALSE(parse_rfc3339("2023-11-14T22:13:20"));
    CHECK_FALSE(parse_rfc3339("2023-11-14T22:13:20Zjunk"));
}

TEST_CASE("a config is parsed, checked and kept for oci-config.json") {
    const auto config = ImageConfig::parse(
        R"({"architecture":"arm64","os":"linux","variant":"v8","created":"2024-01-02T03:04:05Z",
            "config":{"Env":["PATH=/bin","A=1"],"Entrypoint":["/e"],"Cmd":["c"],"WorkingDir":"/w",
                      "Labels":{"k":"v"},"ExposedPorts":{"80/tcp":{}}},
            "rootfs":{"type":"layers","diff_ids":["sha256:aa"]}})",
        "config.json");
    CHECK(config.architecture == "arm64");
    CHECK(config.created == 1704164645);
    CHECK(config.env() == std::vector<std::string>{"PATH=/bin", "A=1"});
    CHECK(config.entrypoint() == std::vector<std::string>{"/e"});
    CHECK(config.working_dir() == "/w");
    CHECK(config.labels().at("k") == "v");
    CHECK(config.diff_ids.size() == 1);
    // Unknown fields survive; keys are sorted and the JSON is compact.
    CHECK(
        config.runtime_json() ==
        R"({"Cmd":["c"],"Entrypoint":["/e"],"Env":["PATH=/bin","A=1"],"ExposedPorts":{"80/tcp":{}},"Labels":{"k":"v"},"WorkingDir":"/w"})");
}

TEST_CASE("malformed configs are refused with the field named") {
    const auto message = [](const char* text) {
        try {
            ImageConfig::parse(text, "cfg");
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::invalid_input);
            return std::string(e.what());
        }
        return std::string("<no error>");
    };
    CHECK(message("[1]").find("not a JSON object") != std::string::npos);
    CHECK(message("{").find("not valid JSON") != std::string::npos);
    CHECK(message(R"({"config":{"Env":"PATH=/bin"}})").find("\"Env\"") != std::string::npos);
    CHECK(message(R"({"config":{"Labels":{"a":1}}})").find("\"Labels\"") != std::string::npos);
    CHECK(message(R"({"created":"yesterday"})").find("RFC 3339") != std::string::npos);
}

TEST_CASE("config edits follow buildah config") {
    auto config = ImageConfig::parse(
        R"({"config":{"Env":["PATH=/bin","MODE=dev"],"Labels":{"a":"1"}}})", "c");
    ConfigChanges edits;
    edits.env = {"MODE=prod", "NEW=x=y"};
    edits.labels = {"b=2", "a=3"};
    edits.entrypoint = std::vector<std::string>{"/bin/app"};
    edits.cmd = std::vector<std::string>{};
    edits.working_dir = "/app";
    apply_edits(config, edits);
    CHECK(config.env() == std::vector<std::string>{"PATH=/bin", "MODE=prod", "NEW=x=y"});
    CHECK(config.labels() == std::map<std::string, std::string>{{"a", "3"}, {"b", "2"}});
    CHECK(config.entrypoint() == std::vector<std::string>{"/bin/app"});
    CHECK(config.cmd().empty());
    CHECK(config.working_dir() == "/app");
    ConfigChanges bad;
    bad.env = {"=nope"};
    CHECK_THROWS_AS(apply_edits(config, bad), Error);
}

TEST_CASE("platforms match on os, architecture and variant") {
    const Platform arm64 = Platform::parse("linux/arm64");
    CHECK(arm64.accepts({"linux", "arm64", "v8"}));
    CHECK(arm64.accepts({"linux", "arm64", ""}));
    CHECK_FALSE(arm64.accepts({"linux", "arm64", "v9"}));
    CHECK_FALSE(arm64.accepts({"linux", "amd64", ""}));
    CHECK_FALSE(arm64.accepts({"windows", "arm64", ""}));
    CHECK(Platform::parse("linux/arm/v6").accepts({"linux", "arm", "v6"}));
    CHECK_FALSE(Platform::parse("linux/arm/v6").accepts({"linux", "arm", "v7"}));
    CHECK_FALSE(Platform::parse("linux/arm/v6").accepts({"linux", "arm", ""}));  // v7 by default
    CHECK(Platform::parse("linux/amd64").to_string() == "linux/amd64");
    CHECK_THROWS_AS(Platform::parse("amd64"), Error);
    CHECK_THROWS_AS(Platform::parse("linux/"), Error);
}
