// The definition-file parser: header, sections and their line numbers, build arguments, and the
// one-line errors for malformed or unsupported files ("FILE:LINE: problem").
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "definition_metadata.hpp"
#include "files_section.hpp"
#include "sifkit/oci2sif/definition.hpp"
#include "sifkit/sif/error.hpp"

using namespace sifkit::oci2sif;
using sifkit::Error;
using sifkit::ErrorKind;

namespace {

Definition parse(const std::string& text, const BuildArguments& args = {}) {
    return parse_definition(text, "app.def", args);
}

// The error a text gets: its kind and its whole message.
std::pair<ErrorKind, std::string> failure(const std::string& text,
                                          const BuildArguments& args = {}) {
    try {
        parse(text, args);
    } catch (const Error& e) {
        return {e.kind(), e.what()};
    }
    FAIL("no error for:\n" << text);
    return {};
}

}  // namespace

TEST_CASE("header and sections with their line numbers", "[definition]") {
    const Definition def = parse(
        "# a comment\n"
        "Bootstrap: docker\n"
        "From: alpine:3.19   # the base\n"
        "\n"
        "%runscript -s\n"
        "\n"
        "    echo run \"$@\"\n"
        "\n"
        "%labels\n"
        "    Author me\n"
        "%apprun tool\n"
        "  exec tool\n");
    CHECK(def.bootstrap == "docker");
    CHECK(def.from == "alpine:3.19");
    CHECK(def.bootstrap_line == 2);
    CHECK(def.from_line == 3);
    REQUIRE(def.sections.size() == 3);
    CHECK(def.sections[0].name == "runscript");
    CHECK(def.sections[0].arguments == "-s");
    CHECK(def.sections[0].line == 5);
    CHECK(def.sections[0].body == "    echo run \"$@\"");
    CHECK(def.sections[0].body_line == 7);
    CHECK(def.sections[1].name == "labels");
    CHECK(def.sections[1].line == 9);
    CHECK(def.sections[2].name == "apprun");
    CHECK(def.sections[2].arguments == "tool");
    CHECK(def.section("labels") == &def.sections[1]);
    CHECK(def.section("help") == nullptr);
}

TEST_CASE("keywords and section names are case-insensitive; an indented % is content",
          "[definition]") {
    const Definition def =
        parse("BOOTSTRAP: Scratch\n%RunScript\n  printf '%s\\n' x\n  %notasection\n");
    CHECK(def.bootstrap == "scratch");
    CHECK(def.from.empty());
    REQUIRE(def.sections.size() == 1);
    CHECK(def.sections[0].body == "  printf '%s\\n' x\n  %notasection");
}

TEST_CASE("build arguments: defaults, --build-arg, spaces in braces, line kept", "[definition]") {
    const std::string text =
        "Bootstrap: docker\n"
        "From: {{ BASE }}:{{TAG}}\n"
        "%arguments\n"
        "  BASE=alpine\n"
        "  TAG=\"3.18\"\n"
        "%environment\n"
        "  export V={{ TAG }} W={{ not an argument }}\n";
    const Definition plain = parse(text);
    CHECK(plain.from == "alpine:3.18");
    CHECK(plain.section("environment")->body == "  export V=3.18 W={{ not an argument }}");
    CHECK(plain.warnings.empty());

    BuildArguments given;
    add_build_argument(given, "TAG=3.20", "--build-arg");
    add_build_argument(given, "UNUSED=1", "--build-arg");
    const Definition overridden = parse(text, given);
    CHECK(overridden.from == "alpine:3.20");
    // The recorded text is the one built, line for line.
    CHECK(overridden.text.find("From: alpine:3.20\n") != std::string::npos);
    CHECK(overridden.text.find("  TAG=\"3.18\"\n") != std::string::npos);
    REQUIRE(overridden.warnings.size() == 1);
    CHECK(overridden.warnings[0].find("UNUSED") != std::string::npos);
}

TEST_CASE("an argument with no value names itself and its line", "[definition]") {
    const auto [kind, message] =
        failure("Bootstrap: docker\nFrom: alpine\n%runscript\n  echo {{ GREETING }}\n");
    CHECK(kind == ErrorKind::usage);
    CHECK(message ==
          "app.def:4: build argument GREETING is not set (give --build-arg GREETING=VALUE, or a "
          "default in %arguments)");
}

TEST_CASE("--build-arg must be NAME=VALUE", "[definition]") {
    BuildArguments args;
    CHECK_THROWS_AS(add_build_argument(args, "NOVALUE", "--build-arg"), Error);
    CHECK_THROWS_AS(add_build_argument(args, "=x", "--build-arg"), Error);
    CHECK_THROWS_AS(add_build_argument(args, "A-B=x", "--build-arg"), Error);
    add_build_argument(args, "A= spaced value ", "--build-arg");
    CHECK(args.at("A") == "spaced value");
}

TEST_CASE("malformed files get one line naming the line", "[definition]") {
    struct Case {
        std::string text;
        ErrorKind kind;
        std::string message;
    };
    const Case cases[] = {
        {"From: alpine\n%runscript\n  x\n", ErrorKind::invalid_input,
         "app.def:2: no \"Bootstrap:\" header before the first section"},
        {"Bootstrap: docker\n%runscript\n", ErrorKind::invalid_input,
         "app.def:1: \"Bootstrap: docker\" needs a \"From:\" header"},
        {"Bootstrap: docker\nFrom alpine\n", ErrorKind::invalid_input,
         "app.def:2: header line is not \"Keyword: value\": From alpine"},
        {"Bootstrap: docker\nFrom: a\nColour: blue\n", ErrorKind::invalid_input,
         "app.def:3: unknown header keyword \"colour\""},
        {"Bootstrap: docker\nFrom: a\n%runscipt\n", ErrorKind::invalid_input,
         "app.def:3: unknown section %runscipt"},
        {"Bootstrap: docker\nFrom: a\n%help\nx\n%help\ny\n", ErrorKind::invalid_input,
         "app.def:5: %help appears twice (first at line 3)"},
        {"Bootstrap: docker\nFrom: a\n%apprun\nx\n", ErrorKind::invalid_input,
         "app.def:3: %apprun needs one app name (letters, digits, '.', '-', '_'), not \"\""},
        {"Bootstrap: docker\nFrom: a\n%arguments\n  nonsense\n", ErrorKind::invalid_input,
         "app.def:4: %arguments line is not NAME=VALUE: nonsense"},
        {"Bootstrap: yum\nFrom: a\n", ErrorKind::unsupported,
         "app.def:1: \"Bootstrap: yum\" is not supported (docker, oras, oci, oci-archive, "
         "docker-archive, localimage, scratch are)"},
        {"MirrorURL: http://x\nBootstrap: docker\nFrom: a\n", ErrorKind::unsupported,
         "app.def:1: \"mirrorurl:\" is not used by \"Bootstrap: docker\" in sifkit"},
        {"Bootstrap: docker\nFrom: a\n%files from one\n  /x\n", ErrorKind::invalid_input,
         "app.def:3: %files from one: no earlier stage is called one (\"Stage: one\" in its "
         "header)"},
        {"Bootstrap: docker\nFrom: a\n%files to one\n  /x\n", ErrorKind::invalid_input,
         "app.def:3: %files takes no arguments but \"from STAGE\", not \"to one\""},
        {"Bootstrap: docker\nFrom: a\nStage: b\nBootstrap: docker\nFrom: c\n%files from d\n  /x\n",
         ErrorKind::invalid_input,
         "app.def:6: %files from d: no earlier stage is called d (\"Stage: d\" in its header)"},
    };
    for (const auto& c : cases) {
        const auto [kind, message] = failure(c.text);
        CHECK(kind == c.kind);
        CHECK(message == c.message);
    }
}

TEST_CASE("sections that run commands are found, and left out for the streaming part",
          "[definition]") {
    for (const std::string section : {"pre", "post", "setup", "appinstall app"}) {
        const Definition def = parse("Bootstrap: docker\nFrom: a\n\n%" + section +
                                     "\n  # comment\n  apt-get update\n%runscript\n  echo hi\n");
        const DefinitionSection* found = def.first_command_section();
        REQUIRE(found != nullptr);
        CHECK(found->name == section.substr(0, section.find(' ')));
        CHECK(def.where(found->line) == "app.def:4");
        const Definition streaming = def.without_commands();
        CHECK(streaming.first_command_section() == nullptr);
        CHECK(streaming.text == def.text);  // what the image records is the whole file
        CHECK(streaming.section("runscript") != nullptr);
        // An app with only %appinstall keeps its (empty) section, so that it gets its tree.
        CHECK((streaming.section("appinstall") != nullptr) == (section == "appinstall app"));
    }
    // Comments only: nothing to run.
    CHECK(parse("Bootstrap: docker\nFrom: a\n%post\n  # nothing yet\n").first_command_section() ==
          nullptr);
}

TEST_CASE("labels %post writes to $APPTAINER_LABELS are merged as Apptainer merges them",
          "[definition]") {
    const Definition def = parse("Bootstrap: docker\nFrom: a\n%labels\n  Version 2\n");
    const std::string merged = merge_build_labels(
        "{\"Version\":\"2\",\"from.image\":\"old\",\"org.label-schema.build-arch\":\"amd64\"}",
        "from.image new\nfrom.post   two words\nVersion 3\norg.label-schema.build-arch arm64\n",
        def, "/.singularity.d/labels.json");
    CHECK(merged ==
          "{\n\t\"Version\": \"2\",\n\t\"from.image\": \"new\",\n\t\"from.post\": \"two "
          "words\",\n\t\"org.label-schema.build-arch\": \"amd64\"\n}");
    CHECK_THROWS_AS(merge_build_labels("[1]", "a b\n", def, "labels.json"), Error);
}

TEST_CASE("a second Bootstrap: line starts a stage; the last one makes the image", "[definition]") {
    const Definition def = parse(
        "# two stages\nBootstrap: docker\nFrom: gcc:13\nStage: build\n\n%post\n  make\n\n"
        "Bootstrap: docker\nFrom: alpine\nStage: final\n\n%files from build\n"
        "  /src/app /usr/bin/app\n  \"/src/my lib\" /usr/lib/\n%runscript\n  app\n");
    CHECK(def.stage == "final");
    CHECK(def.from == "alpine");
    CHECK(def.bootstrap_line == 9);
    REQUIRE(def.earlier_stages.size() == 1);
    const Definition& build = *def.earlier_stages[0];
    CHECK(build.stage == "build");
    CHECK(build.from == "gcc:13");
    CHECK(build.section("post")->body == "  make");
    CHECK(build.section("runscript") == nullptr);  // sections belong to their stage
    CHECK(def.text == build.text);                 // both record the whole file
    const auto copies = stage_copies(def);
    REQUIRE(copies.size() == 2);
    CHECK(copies[0].stage == "build");
    CHECK(copies[0].source == "/src/app");
    CHECK(copies[0].destination == "usr/bin/app");
    CHECK_FALSE(copies[0].into);
    CHECK(copies[1].source == "/src/my lib");
    CHECK(copies[1].into);
    CHECK(copies[1].origin == "app.def:15");
    // The copies need the sandbox; the streaming part leaves them (and the stages) out.
    CHECK(def.first_command_section() == def.section("files"));
    CHECK(def.without_commands().section("files") == nullptr);
    CHECK(def.without_commands().earlier_stages.empty());
}

TEST_CASE("a definition file is told from other files by its Bootstrap header", "[definition]") {
    CHECK(looks_like_definition("# recipe\n\nBootstrap: docker\nFrom: x\n"));
    CHECK(looks_like_definition("From: x\nbootstrap : oci\n"));
    CHECK_FALSE(looks_like_definition("SIF_MAGIC..."));
    CHECK_FALSE(looks_like_definition("%runscript\nBootstrap: docker\n"));
    CHECK_FALSE(looks_like_definition(""));
}

TEST_CASE("sections become the /.singularity.d files Apptainer writes", "[definition]") {
    const Definition def = parse(
        "Bootstrap: scratch\n"
        "%runscript\n  echo hi\n"
        "%startscript /bin/bash -l # login\n#!/bin/bash\n  serve\n"
        "%test\n  true\n"
        "%help\nUsage: hi\n"
        "%environment\n  export A=1\n"
        "%labels\n  Author Jo Doe\n  Lone\n"
        "%apprun tool\n  exec tool \"$@\"\n"
        "%applabels tool\n  Version 2\n"
        "%apphelp tool\nTool help\n");
    MetadataInput input;
    apply_definition(input, def);
    CHECK(input.runscript == "#!/bin/sh\n\n  echo hi\n");
    CHECK(input.startscript == "#!/bin/bash /bin/bash -l \n\n  serve\n");
    CHECK(input.test == "#!/bin/sh\n\n  true\n");
    CHECK(input.help == "Usage: hi\n");
    CHECK(input.environment == "  export A=1");
    CHECK(input.deffile_labels ==
          std::vector<std::pair<std::string, std::string>>{{"Author", "Jo Doe"}, {"Lone", ""}});
    REQUIRE(input.apps.size() == 1);
    CHECK(input.apps[0].name == "tool");
    CHECK(input.apps[0].run == "  exec tool \"$@\"");
    CHECK(input.apps[0].help == "Tool help");
    CHECK(input.apps[0].labels ==
          std::vector<std::pair<std::string, std::string>>{{"Version", "2"}});
}

TEST_CASE("%files lines: globs, destinations, quotes, app files, errors with their line",
          "[definition]") {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / ("sifkit-files-" + std::to_string(::getpid()));
    fs::create_directories(dir / "d");
    for (const char* name : {"a.conf", "b.conf", "one file"}) {
        std::ofstream(dir / name) << name;
    }
    const std::string d = dir.string();
    const Definition def = parse(
        "Bootstrap: scratch\n%files\n"
        "  " +
        d +
        "/*.conf /etc/app\n"  // several: into
        "  " +
        d +
        "/a.conf /etc/renamed.conf\n"  // one: the name
        "  '" +
        d +
        "/one file' /srv/\n"  // quoted, into
        "  " +
        d +
        "/d   # no destination: the same path\n"
        "%appfiles tool\n"
        "  " +
        d + "/a.conf share/a.conf\n");
    const auto copies = file_copies(def);
    std::vector<std::string> got;
    for (const auto& copy : copies) {
        got.push_back(copy.source.string() + " -> " + copy.destination + " @" + copy.origin);
    }
    const std::string rel = d.substr(1);  // image paths are relative to /
    CHECK(got == std::vector<std::string>{
                     d + "/a.conf -> etc/app/a.conf @app.def:3",
                     d + "/b.conf -> etc/app/b.conf @app.def:3",
                     d + "/a.conf -> etc/renamed.conf @app.def:4",
                     d + "/one file -> srv/one file @app.def:5",
                     d + "/d -> " + rel + "/d @app.def:6",
                     d + "/a.conf -> scif/apps/tool/share/a.conf @app.def:8",
                 });

    const auto failure_of = [](const std::string& text) {
        try {
            file_copies(parse(text));
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(failure_of("Bootstrap: scratch\n%files\n  /no/such/file* /x\n") ==
          "app.def:3: no host file matches \"/no/such/file*\"");
    CHECK(failure_of("Bootstrap: scratch\n%files\n\n  " + d + "/a.conf /x /y\n") ==
          "app.def:4: a %files line is SOURCE [DESTINATION], this has 3 words");
    CHECK(failure_of("Bootstrap: scratch\n%files\n  " + d + "/a.conf ../../x\n") ==
          "app.def:3: destination \"/../../x\": climbs above the root with \"..\"");
    fs::remove_all(dir);
}
