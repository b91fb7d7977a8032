// The OCI config rebuilt for images without oci-config.json, and labels.json parsing.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "sifkit/rootfs/inspect.hpp"
#include "sifkit/rootfs/oci_export.hpp"
#include "sifkit/sif/error.hpp"

using nlohmann::json;
using sifkit::rootfs::parse_labels;
using sifkit::rootfs::runtime_config_from_scripts;

TEST_CASE("Env comes from plain assignments of the environment scripts, in order") {
    const std::string scripts =
        "#!/bin/sh\n"
        "export A=1\n"
        "B='two words'\n"
        "  export C=\"three\"\n"
        "export A=override\n"
        "if [ -z \"$X\" ]; then X=1; fi\n"  // shell beyond an assignment: skipped
        "D=$(date)\n"                       // command substitution: skipped
        "export E=\n";
    const json config = json::parse(runtime_config_from_scripts(scripts, std::nullopt, "{}"));
    CHECK(config["Env"] == json::array({"A=override", "B=two words", "C=three", "E="}));
    CHECK(!config.contains("Entrypoint"));
    CHECK(!config.contains("Labels"));
}

TEST_CASE("the runscript becomes an entrypoint that passes run arguments as $@") {
    const std::string runscript = "#!/bin/sh\nexec /app \"$@\"\n";
    const json config = json::parse(runtime_config_from_scripts("", runscript, "{}"));
    CHECK(config["Entrypoint"] == json::array({"/bin/sh", "-c", runscript, "runscript"}));
    CHECK(!config.contains("Env"));
}

TEST_CASE("labels.json: strings as they are, other values as JSON text") {
    const auto labels = parse_labels(R"({"a":"x","n":3,"o":{"k":true}})", "labels.json");
    CHECK(labels.at("a") == "x");
    CHECK(labels.at("n") == "3");
    CHECK(labels.at("o") == R"({"k":true})");
    const json config = json::parse(runtime_config_from_scripts("", std::nullopt, R"({"a":"x"})"));
    CHECK(config["Labels"]["a"] == "x");
    CHECK_THROWS_AS(parse_labels("[1,2]", "labels.json"), sifkit::Error);
    CHECK_THROWS_AS(parse_labels("{not json", "labels.json"), sifkit::Error);
}
