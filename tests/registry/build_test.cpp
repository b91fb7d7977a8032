// One path for registry sources: `build OUT docker://...` and `convert docker://... OUT` write
// the bytes `pull` writes; `pull` without OUTPUT writes Apptainer's NAME_TAG.sif; a definition
// file with "Bootstrap: docker" builds on the registry image.
#include <catch2/catch.hpp>

#include "registry_support.hpp"

using namespace registry_test;
namespace t = sifkit::test;

namespace {

// sifkit in `cwd`, with the test environment.
RunResult sifkit_in(const Env& env, const fs::path& cwd, const std::vector<std::string>& args) {
    std::vector<std::string> argv{t::sifkit_bin().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    t::RunOptions options;
    options.env = env.settings();
    options.env.push_back("SOURCE_DATE_EPOCH=1700000000");
    options.cwd = cwd;
    auto result = t::run(argv, options);
    INFO(result.describe());
    REQUIRE(result.exit_code == 0);
    return result;
}

}  // namespace

TEST_CASE("pull without OUTPUT writes NAME_TAG.sif; build and convert write pull's bytes",
          "[build]") {
    Registry& reg = seeded();
    Env env;
    const std::string ref = "docker://" + reg.host() + "/fixture:latest";
    const fs::path dir = env.dir / "work";
    fs::create_directories(dir);

    sifkit_in(env, dir, {"pull", "-q", "--insecure", ref});
    const fs::path named = dir / "fixture_latest.sif";
    REQUIRE(fs::exists(named));
    const std::string pulled = t::sha256_file(named);

    sifkit_in(env, dir, {"build", "-q", "--insecure", "built.sif", ref});
    CHECK(t::sha256_file(dir / "built.sif") == pulled);
    sifkit_in(env, dir, {"convert", "-q", "--insecure", ref, "converted.sif"});
    CHECK(t::sha256_file(dir / "converted.sif") == pulled);

    // A repeatable option before the reference takes one value: the reference stays the
    // reference, and the output its default name.
    const fs::path labelled = dir / "labelled";
    fs::create_directories(labelled);
    sifkit_in(env, labelled, {"pull", "-q", "--insecure", "--label", "team=hpc", ref});
    CHECK(fs::exists(labelled / "fixture_latest.sif"));

    // Apptainer's example: a repository path and a tag.
    skopeo_copy("oci:" + (fixtures() / "layout").string() + ":latest",
                "docker://" + reg.host() + "/hpc/small:1.0");
    sifkit_in(env, labelled,
              {"pull", "-q", "--insecure", "docker://" + reg.host() + "/hpc/small:1.0"});
    CHECK(fs::exists(labelled / "small_1.0.sif"));

    // A second pull to the same default name: the usual "exists" refusal, not a silent replace.
    const auto again = run_sifkit(env, {"pull", "-q", "--insecure", ref, named.string()});
    CHECK(again.exit_code == 6);
    CHECK(leftovers(dir).empty());
}

TEST_CASE("a definition file with Bootstrap: docker builds on the registry image", "[build]") {
    Registry& reg = seeded();
    Env env;
    const fs::path definitions = t::repo_root() / "tests" / "fixtures" / "definitions";
    const fs::path out = env.dir / "app.sif";
    sifkit_in(env, definitions,
              {"build", "-q", "--insecure", "--build-arg", "REGISTRY=" + reg.host(), out.string(),
               "docker.def"});
    CHECK(file_in(out, "/.singularity.d/runscript") == "#!/bin/sh\n\n    echo from a registry\n");
    const auto labels = nlohmann::json::parse(file_in(out, "/.singularity.d/labels.json"));
    CHECK(labels["Built-With"] == "sifkit");
    CHECK(labels["org.label-schema.usage.singularity.deffile.bootstrap"] == "docker");
    CHECK(labels["org.label-schema.usage.singularity.deffile.from"] ==
          reg.host() + "/fixture:latest");
    const std::string deffile = file_in(out, "/.singularity.d/Singularity");
    CHECK(deffile.starts_with("Bootstrap: docker\nFrom: " + reg.host() + "/fixture:latest\n"));
    const auto dumped = run_sifkit(env, {"dump", "1", out.string()});
    CHECK(dumped.out == deffile);
    // The image's own files came from the registry.
    CHECK(!file_in(out, "/etc/hostname").empty());
}

TEST_CASE("a definition file with Bootstrap: oras builds on the SIF the registry holds",
          "[build]") {
    Registry& reg = seeded();
    Env env;
    const fs::path definitions = t::repo_root() / "tests" / "fixtures" / "definitions";
    const fs::path base = env.dir / "base.sif";
    sifkit_in(env, definitions,
              {"build", "-q", "--insecure", "--build-arg", "REGISTRY=" + reg.host(), base.string(),
               "docker.def"});
    sifkit_in(
        env, definitions,
        {"push", "-q", "--insecure", base.string(), "oras://" + reg.host() + "/sifs/base:v1"});

    const fs::path out = env.dir / "on-oras.sif";
    sifkit_in(env, definitions,
              {"build", "-q", "--insecure", "--build-arg", "REGISTRY=" + reg.host(), out.string(),
               "oras.def"});
    // The base's runscript is kept (the definition has none), %post ran on the base's tree.
    CHECK(file_in(out, "/.singularity.d/runscript") == "#!/bin/sh\n\n    echo from a registry\n");
    CHECK(file_in(out, "/post.txt") == "on " + file_in(base, "/etc/hostname"));
    CHECK(file_in(out, "/.singularity.d/env/90-environment.sh") ==
          file_in(base, "/.singularity.d/env/90-environment.sh") + "\n    export LAYER=second\n");
    const auto labels = nlohmann::json::parse(file_in(out, "/.singularity.d/labels.json"));
    CHECK(labels["Built-With"] == "sifkit");  // the base's
    CHECK(labels["Layer"] == "second");
    CHECK(labels["org.label-schema.usage.singularity.deffile.bootstrap"] == "oras");
    CHECK(file_in(out, "/.singularity.d/bootstrap_history/Apptainer0") ==
          file_in(base, "/.singularity.d/Singularity"));
    CHECK(file_in(out, "/.singularity.d/Singularity").starts_with("# A SIF base image"));
    CHECK(leftovers(env.dir.path()).empty());
}
