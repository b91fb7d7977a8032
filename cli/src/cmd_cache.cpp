// sifkit cache list / clean: the blob cache of pulls.
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "convert_options.hpp"
#include "output.hpp"
#include "progress_bar.hpp"
#include "sifkit/registry/blob_cache.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/time_text.hpp"

namespace sifkit::cli {
namespace {

// "30d", "12h", "90m", "3600s" or plain seconds.
std::chrono::seconds parse_age(const std::string& text) {
    std::size_t used = 0;
    long long value = 0;
    try {
        value = std::stoll(text, &used);
    } catch (const std::exception&) {
        throw Error(ErrorKind::usage, "--older-than is not a duration: " + text);
    }
    const std::string unit = text.substr(used);
    long long scale = 1;
    if (unit == "d") {
        scale = 86400;
    } else if (unit == "h") {
        scale = 3600;
    } else if (unit == "m") {
        scale = 60;
    } else if (!unit.empty() && unit != "s") {
        throw Error(ErrorKind::usage, "--older-than takes Nd, Nh, Nm or Ns: " + text);
    }
    if (value < 0) {
        throw Error(ErrorKind::usage, "--older-than must not be negative: " + text);
    }
    return std::chrono::seconds(value * scale);
}

}  // namespace

void register_cache(CLI::App& app) {
    CLI::App* cache = app.add_subcommand("cache", "Show or clean the blob cache of pulls");
    cache->require_subcommand(1);
    cache->footer(
        "The cache is $SIFKIT_CACHEDIR, else $XDG_CACHE_HOME/sifkit, else "
        "~/.cache/sifkit.");

    auto json = std::make_shared<bool>(false);
    CLI::App* list = cache->add_subcommand("list", "List cached blobs, most recently used first");
    list->add_flag("--json", *json, "Print the list as JSON");
    list->footer("Example:\n  sifkit cache list");
    list->callback([json] {
        const registry::BlobCache c(registry::BlobCache::default_directory());
        const auto entries = c.list();
        std::uint64_t total = 0;
        for (const auto& e : entries) {
            total += e.size;
        }
        if (*json) {
            nlohmann::ordered_json out;
            out["directory"] = c.root().string();
            out["bytes"] = total;
            out["blobs"] = nlohmann::ordered_json::array();
            for (const auto& e : entries) {
                out["blobs"].push_back({{"digest", e.digest},
                                        {"size", e.size},
                                        {"last_used", e.last_used},
                                        {"partial", e.partial}});
            }
            print_json(out);
            return;
        }
        std::string text;
        for (const auto& e : entries) {
            text += e.digest + "  " + human_bytes(e.size) + "  " + sif::utc_minutes(e.last_used) +
                    (e.partial ? "  (partial download)" : "") + "\n";
        }
        text += std::to_string(entries.size()) + " blob(s), " + human_bytes(total) + " in " +
                c.root().string() + "\n";
        write_stdout(text);
    });

    auto older = std::make_shared<std::string>();
    auto max_size = std::make_shared<std::string>();
    CLI::App* clean = cache->add_subcommand("clean", "Remove cached blobs");
    clean->add_option("--older-than", *older, "Only blobs not used for this long (30d, 12h, 90m)");
    clean->add_option("--max-size", *max_size,
                      "Then remove the least recently used blobs until the cache holds at most "
                      "this much (bytes, or with K, M or G)");
    clean->footer(
        "Without options, removes everything. Partial downloads another pull is writing are "
        "left alone.\n"
        "Examples:\n  sifkit cache clean\n  sifkit cache clean --older-than 30d\n"
        "  sifkit cache clean --max-size 50G");
    clean->callback([older, max_size] {
        registry::BlobCache::CleanPolicy policy;
        if (!older->empty()) {
            policy.older_than = parse_age(*older);
        }
        if (!max_size->empty()) {
            policy.max_bytes = parse_size(*max_size, "--max-size");
        }
        const registry::BlobCache c(registry::BlobCache::default_directory());
        const auto r = c.clean(policy);
        write_stdout("removed " + std::to_string(r.files) + " blob(s), " + human_bytes(r.bytes) +
                     (r.in_use > 0 ? "; " + std::to_string(r.in_use) + " in use left alone" : "") +
                     "\n");
    });
}

}  // namespace sifkit::cli
