// sifkit inspect: an image's runtime metadata (labels, environment, runscript, startscript,
// definition file, OCI config) and its architecture, partitions and signatures, like
// `apptainer inspect`. The reading is sifkit::rootfs::read_metadata. Given an image source
// (docker://, oci:, oci-archive:, docker-archive:) instead, what `skopeo inspect` shows
// (source_inspect.cpp).
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "output.hpp"
#include "progress_bar.hpp"
#include "sifkit/rootfs/inspect.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/image.hpp"
#include "source_inspect.hpp"

namespace sifkit::cli {
namespace {

struct ImageInspectOptions {
    std::string image;
    bool labels = false;
    bool environment = false;
    bool runscript = false;
    bool startscript = false;
    bool test = false;
    bool helpfile = false;
    bool deffile = false;
    bool config = false;
    bool json = false;
    std::string json_format = "sifkit";  // or "apptainer": apptainer inspect --json's layout
    SourceInspectOptions source;         // --raw, --platform, --no-tags and the registry options
};

std::string with_newline(std::string text) {
    if (!text.empty() && text.back() != '\n') {
        text += '\n';
    }
    return text;
}

nlohmann::ordered_json config_json(const std::optional<std::string>& config) {
    if (!config) {
        return nullptr;
    }
    auto value = nlohmann::ordered_json::parse(*config, nullptr, false);
    return value.is_discarded() ? nlohmann::ordered_json(*config) : value;
}

nlohmann::ordered_json optional_text(const std::optional<std::string>& text) {
    return text ? nlohmann::ordered_json(*text) : nlohmann::ordered_json(nullptr);
}

void print_json_report(const rootfs::ImageMetadata& m, const ImageInspectOptions& o, bool all) {
    nlohmann::ordered_json out;
    if (all) {
        out["format"] = m.format;
        out["architecture"] = m.architecture;
        auto partitions = nlohmann::ordered_json::array();
        for (const auto& p : m.partitions) {
            partitions.push_back({{"id", p.id},
                                  {"fs_type", p.fs_type},
                                  {"part_type", p.part_type},
                                  {"arch", p.arch},
                                  {"size", p.size}});
        }
        out["partitions"] = partitions;
        auto signatures = nlohmann::ordered_json::array();
        for (const auto& s : m.signatures) {
            signatures.push_back(
                {{"id", s.id},
                 {"link", s.link},
                 {"hash", s.hash},
                 {"fingerprint", s.fingerprint.empty() ? nlohmann::ordered_json(nullptr)
                                                       : nlohmann::ordered_json(s.fingerprint)}});
        }
        out["signatures"] = signatures;
    }
    if (all || o.labels) {
        out["labels"] = nlohmann::ordered_json::object();
        for (const auto& [key, value] : m.labels) {
            out["labels"][key] = value;
        }
    }
    if (all || o.environment) {
        auto env = nlohmann::ordered_json::array();
        for (const auto& [path, content] : m.environment) {
            env.push_back({{"path", path}, {"content", content}});
        }
        out["environment"] = env;
    }
    if (all || o.runscript) {
        out["runscript"] = optional_text(m.runscript);
    }
    if (all || o.startscript) {
        out["startscript"] = optional_text(m.startscript);
    }
    if (all || o.test) {
        out["test"] = optional_text(m.test);
    }
    if (all || o.helpfile) {
        out["helpfile"] = optional_text(m.help);
    }
    if (all || o.deffile) {
        out["deffile"] = optional_text(m.deffile);
    }
    if (all || o.config) {
        out["config"] = config_json(m.config);
    }
    print_json(out);
}

// `apptainer inspect --json`'s layout, for scripts written against it:
// {"data": {"attributes": {...}}, "type": "container"}, where a section the image lacks is left
// out (Apptainer's omitempty) and texts lose their final newlines, as Apptainer trims them.
void print_apptainer_json(const rootfs::ImageMetadata& m, const ImageInspectOptions& o, bool all) {
    nlohmann::ordered_json attributes = nlohmann::ordered_json::object();
    const auto trimmed = [](std::string text) {
        while (!text.empty() && text.back() == '\n') {
            text.pop_back();
        }
        return text;
    };
    if ((all || o.environment) && !m.environment.empty()) {
        for (const auto& [path, content] : m.environment) {
            attributes["environment"][path] = trimmed(content);
        }
    }
    if ((all || o.labels) && !m.labels.empty()) {
        for (const auto& [key, value] : m.labels) {
            attributes["labels"][key] = value;
        }
    }
    const auto text = [&](bool selected, const char* name, const std::optional<std::string>& v) {
        if ((all || selected) && v && !trimmed(*v).empty()) {
            attributes[name] = trimmed(*v);
        }
    };
    text(o.runscript, "runscript", m.runscript);
    text(o.test, "test", m.test);
    text(o.helpfile, "helpfile", m.help);
    text(o.deffile, "deffile", m.deffile);
    text(o.startscript, "startscript", m.startscript);
    nlohmann::ordered_json out;
    out["data"]["attributes"] = attributes;
    out["type"] = "container";
    print_json(out);
}

std::string labels_text(const rootfs::ImageMetadata& m) {
    std::string out;
    for (const auto& [key, value] : m.labels) {
        out += key + ": " + value + "\n";
    }
    return out;
}

void print_text_report(const rootfs::ImageMetadata& m, const ImageInspectOptions& o, bool all) {
    std::string out;
    if (all) {
        out += "Format: " + m.format + "\nArchitecture: " + m.architecture + "\nPartitions:\n";
        for (const auto& p : m.partitions) {
            out += "  " + std::to_string(p.id) + ": " + p.fs_type + " " + p.part_type + " " +
                   p.arch + " " + human_bytes(p.size) + "\n";
        }
        if (m.partitions.empty()) {
            out += "  none\n";
        }
        out += "Signatures (not verified):\n";
        for (const auto& s : m.signatures) {
            out += "  " + std::to_string(s.id) + ": " + s.hash + ", linked to " + s.link +
                   (s.fingerprint.empty() ? "" : ", signer " + s.fingerprint) + "\n";
        }
        if (m.signatures.empty()) {
            out += "  none\n";
        }
        out += "Labels:\n";
        for (const auto& [key, value] : m.labels) {
            out += "  " + key + ": " + value + "\n";
        }
        write_stdout(out);
        return;
    }
    // Each selected section the image has, in this order; a section it lacks prints nothing,
    // as in `apptainer inspect` (and is null in --json). With several selections each section
    // starts with a "=== NAME ===" line, so that they can be told apart.
    std::vector<std::pair<std::string, std::string>> sections;
    if (o.labels && !m.labels.empty()) {
        sections.emplace_back("labels", labels_text(m));
    }
    if (o.environment && !m.environment.empty()) {
        std::string text;
        for (const auto& [path, content] : m.environment) {
            text += "=== " + path + " ===\n" + with_newline(content);
        }
        sections.emplace_back("environment", text);
    }
    const auto add = [&sections](bool selected, const char* name,
                                 const std::optional<std::string>& text) {
        if (selected && text) {
            sections.emplace_back(name, with_newline(*text));
        }
    };
    add(o.runscript, "runscript", m.runscript);
    add(o.startscript, "startscript", m.startscript);
    add(o.test, "test", m.test);
    add(o.helpfile, "helpfile", m.help);
    add(o.deffile, "deffile", m.deffile);
    if (o.config && m.config) {
        sections.emplace_back("config", config_json(m.config).dump(2) + "\n");
    }
    const int selected = o.labels + o.environment + o.runscript + o.startscript + o.test +
                         o.helpfile + o.deffile + o.config;
    for (const auto& [name, text] : sections) {
        out += selected > 1 ? "=== " + name + " ===\n" + text : text;
    }
    write_stdout(out);
}

}  // namespace

void register_inspect(CLI::App& app) {
    auto o = std::make_shared<ImageInspectOptions>();
    CLI::App* cmd = app.add_subcommand(
        "inspect", "Show an image's labels, environment, runscript, definition file and config");
    cmd->add_option("IMAGE", o->image,
                    "SIF or OCI-SIF image, or a source: docker://, oras://, oci:, oci-archive:, "
                    "docker-archive:")
        ->required();
    cmd->add_flag("-l,--labels", o->labels, "Labels");
    cmd->add_flag("-e,--environment", o->environment, "Environment scripts");
    cmd->add_flag("-r,--runscript", o->runscript, "Runscript");
    cmd->add_flag("-s,--startscript", o->startscript, "Startscript (instances)");
    cmd->add_flag("-t,--test", o->test, "Test script");
    cmd->add_flag("-H,--helpfile", o->helpfile, "Help text (a definition file's %help)");
    cmd->add_flag("-d,--deffile", o->deffile, "Definition file");
    cmd->add_flag("-c,--config", o->config,
                  "OCI image config (oci-config.json; a source's config blob as stored)");
    cmd->add_flag("--raw", o->source.raw, "Source: the manifest or index as stored");
    cmd->add_option("--platform", o->source.platform,
                    "Source: os/arch[/variant] to pick from an index (default: this machine)");
    cmd->add_flag("--no-tags", o->source.no_tags, "docker://: do not list the repository's tags");
    cmd->add_flag("--sif", o->source.sif,
                  "oras://: the SIF's header and descriptors (read with ranged requests)");
    o->source.registry.add_to(*cmd);
    cmd->add_flag("-j,--json", o->json, "Print JSON; labels and config as JSON objects");
    cmd->add_option("--json-format", o->json_format,
                    "JSON layout: sifkit (the default; docs/cli.md) or apptainer (apptainer "
                    "inspect --json's {\"data\":{\"attributes\":{...}},\"type\":\"container\"}); "
                    "implies --json")
        ->check(CLI::IsMember({"sifkit", "apptainer"}));
    cmd->footer(
        "Without a selection: format, architecture, partitions, signatures (listed, not\n"
        "verified) and labels; with --json, everything. For a source: what `skopeo inspect`\n"
        "shows (--json: its fields), read without downloading a layer.\n"
        "Examples:\n  sifkit inspect app.sif\n  sifkit inspect --runscript app.sif\n"
        "  sifkit inspect --json --labels app.sif | jq '.labels'\n"
        "  sifkit inspect --json docker://alpine:3.20\n"
        "  sifkit inspect --raw --platform linux/arm64 oci:layout:latest");
    cmd->callback([o] {
        if (is_inspect_source(o->image)) {
            if (o->json_format == "apptainer") {
                throw Error(ErrorKind::usage,
                            "--json-format apptainer applies to SIF images; a source's --json "
                            "is skopeo's",
                            o->image);
            }
            o->source.config = o->config;
            o->source.json = o->json;
            run_source_inspect(o->image, o->source);
            return;
        }
        if (o->source.raw || !o->source.platform.empty() || o->source.no_tags || o->source.sif) {
            throw Error(ErrorKind::usage,
                        "--raw, --platform, --no-tags and --sif apply to image sources "
                        "(docker://, oras://, oci:, oci-archive:, docker-archive:), not to a SIF "
                        "file",
                        o->image);
        }
        const sif::Image image = sif::Image::open(o->image);
        const rootfs::ImageMetadata metadata = rootfs::read_metadata(image);
        const bool all = !(o->labels || o->environment || o->runscript || o->startscript ||
                           o->test || o->helpfile || o->deffile || o->config);
        if (o->json_format == "apptainer") {
            print_apptainer_json(metadata, *o, all);
        } else if (o->json) {
            print_json_report(metadata, *o, all);
        } else {
            print_text_report(metadata, *o, all);
        }
    });
}

}  // namespace sifkit::cli
