// The conversion options `sifkit convert` and `sifkit pull` share: platform, squashfs settings,
// config edits, image ID and time, summary format.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>
#include "cli11.hpp"

#include "sifkit/oci2sif/convert.hpp"
#include "time_option.hpp"

namespace sifkit::cli {

struct ConvertCliOptions {
    std::string platform;
    std::string compression = "gzip";
    std::optional<int> level;
    std::string block_size = "128K";
    unsigned threads = 0;
    std::vector<std::string> env;
    std::vector<std::string> labels;
    std::optional<std::string> entrypoint;
    std::optional<std::string> cmd;
    std::optional<std::string> workdir;
    std::optional<std::string> author;
    std::optional<std::string> user;
    std::string uuid;
    std::string format = "sif";
    bool keep_layers = false;
    std::uint64_t max_entries = oci2sif::ConvertOptions::kDefaultMaxEntries;
    bool force = false;
    bool quiet = false;
    bool json = false;
    TimeOption time;

    // Adds the options; the compression-thread count is `threads_option` ("-j,--jobs" for
    // convert).
    void add_to(CLI::App& command, const std::string& threads_option);
    // Fills everything but the source and the output; usage Errors for bad values.
    void apply(oci2sif::ConvertOptions& options) const;
};

// Converts a local source (options.source, or options.definition's scratch) with the progress
// display and prints the summary as `cli` asks (--quiet, --json): convert and build.
void run_conversion(oci2sif::ConvertOptions& options, const ConvertCliOptions& cli);

// Repeatable options (--env, --label, --build-arg, --verify-key...) take one value each time
// they are given: otherwise CLI11 lets `--env A=1 docker://x` take the reference as a second
// value whenever the positionals that follow are optional (pull's OUTPUT).
void one_value_per_option(CLI::App& command);

// "64M", "128K", "4096": a usage Error naming `option` otherwise.
std::uint64_t parse_size(const std::string& text, const std::string& option);

// The JSON summary fields of a conversion (docs/cli.md, `convert --json`).
void add_conversion_json(nlohmann::ordered_json& out, const oci2sif::ConvertResult& result);
// "OUT.sif: 3 layer(s), 6060 inodes (4734 files), 67.7 MiB in, 41.9 MiB out, 4.8 s" ("root file
// system" instead of the layers for dir: and tar: sources)
std::string conversion_summary(const oci2sif::ConvertResult& result, double seconds);

}  // namespace sifkit::cli
