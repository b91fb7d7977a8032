#include "image_config.hpp"

#include <algorithm>
#include <charconv>

#include "sifkit/sif/error.hpp"

namespace sifkit::oci2sif {
namespace {

std::vector<std::string> strings_of(const Json& runtime, std::string_view key) {
    return optional_strings(runtime, key, "image config").value_or(std::vector<std::string>{});
}

std::string string_of(const Json& runtime, std::string_view key) {
    return optional_string(runtime, key, "image config").value_or("");
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned shifted = m > 2 ? m - 3 : m + 9;  // months counted from March
    const unsigned doy = (153 * shifted + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool read_digits(std::string_view text, std::size_t at, std::size_t count, int& out) {
    if (at + count > text.size()) {
        return false;
    }
    const auto [ptr, ec] = std::from_chars(text.data() + at, text.data() + at + count, out);
    return ec == std::errc() && ptr == text.data() + at + count;
}

std::pair<std::string, std::string> split_assignment(const std::string& item, const char* what) {
    const auto equals = item.find('=');
    if (equals == std::string::npos || equals == 0) {
        throw Error(ErrorKind::usage,
                    std::string(what) + " \"" + item + "\" is not of the form NAME=VALUE");
    }
    return {item.substr(0, equals), item.substr(equals + 1)};
}

}  // namespace

std::vector<std::string> ImageConfig::env() const {
    return strings_of(runtime, "Env");
}
std::vector<std::string> ImageConfig::entrypoint() const {
    return strings_of(runtime, "Entrypoint");
}
std::vector<std::string> ImageConfig::cmd() const {
    return strings_of(runtime, "Cmd");
}
std::string ImageConfig::working_dir() const {
    return string_of(runtime, "WorkingDir");
}
std::string ImageConfig::user() const {
    return string_of(runtime, "User");
}
std::map<std::string, std::string> ImageConfig::labels() const {
    return string_map(runtime, "Labels", "image config");
}

ImageConfig ImageConfig::parse(std::string_view text, const std::string& origin) {
    const Json document = parse_json_object(text, origin);
    ImageConfig config;
    config.document = document;
    config.architecture = optional_string(document, "architecture", origin).value_or("");
    config.os = optional_string(document, "os", origin).value_or("");
    config.variant = optional_string(document, "variant", origin).value_or("");
    config.author = optional_string(document, "author", origin).value_or("");
    if (const auto created = optional_string(document, "created", origin)) {
        config.created = parse_rfc3339(*created);
        if (!config.created) {
            throw Error(ErrorKind::invalid_input,
                        "field \"created\": not an RFC 3339 time: " + *created, origin);
        }
    }
    if (const Json* rootfs = optional_object(document, "rootfs", origin)) {
        config.diff_ids =
            optional_strings(*rootfs, "diff_ids", origin).value_or(std::vector<std::string>{});
    }
    if (const Json* runtime = optional_object(document, "config", origin)) {
        config.runtime = *runtime;
        // Validate the fields sifkit interprets now, so that later accessors cannot fail.
        for (const char* key : {"Env", "Entrypoint", "Cmd"}) {
            optional_strings(*runtime, key, origin);
        }
        for (const char* key : {"WorkingDir", "User"}) {
            optional_string(*runtime, key, origin);
        }
        string_map(*runtime, "Labels", origin);
    }
    return config;
}

ImageConfig ImageConfig::scratch(std::string architecture) {
    ImageConfig config;
    config.architecture = std::move(architecture);
    config.os = "linux";
    return config;
}

std::string ImageConfig::runtime_json() const {
    // nlohmann::json objects keep keys sorted, and dump() without indent is compact: the same
    // config always gives the same bytes.
    return runtime.dump(-1, ' ', false, Json::error_handler_t::replace);
}

void apply_edits(ImageConfig& config, const ConfigChanges& edits) {
    Json& runtime = config.runtime;
    if (!edits.env.empty()) {
        std::vector<std::string> env = config.env();
        for (const auto& item : edits.env) {
            // A plain variable, not a structured binding: clang 14 cannot capture those.
            const std::string name = split_assignment(item, "--env").first;
            const auto same = std::find_if(env.begin(), env.end(), [&](const std::string& e) {
                return e.compare(0, name.size() + 1, name + "=") == 0 || e == name;
            });
            if (same != env.end()) {
                *same = item;
            } else {
                env.push_back(item);
            }
        }
        runtime["Env"] = env;
    }
    if (!edits.labels.empty()) {
        Json labels = runtime.contains("Labels") && runtime["Labels"].is_object()
                          ? runtime["Labels"]
                          : Json::object();
        for (const auto& item : edits.labels) {
            const auto [key, value] = split_assignment(item, "--label");
            labels[key] = value;
        }
        runtime["Labels"] = labels;
    }
    if (edits.entrypoint) {
        runtime["Entrypoint"] = *edits.entrypoint;
    }
    if (edits.cmd) {
        runtime["Cmd"] = *edits.cmd;
    }
    if (edits.working_dir) {
        runtime["WorkingDir"] = *edits.working_dir;
    }
    if (edits.user) {
        runtime["User"] = *edits.user;
    }
    if (edits.author) {
        config.author = *edits.author;
    }
}

std::optional<std::int64_t> parse_rfc3339(std::string_view text) {
    // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (text.size() < 20 || !read_digits(text, 0, 4, year) || text[4] != '-' ||
        !read_digits(text, 5, 2, month) || text[7] != '-' || !read_digits(text, 8, 2, day) ||
        (text[10] != 'T' && text[10] != 't' && text[10] != ' ') ||
        !read_digits(text, 11, 2, hour) || text[13] != ':' || !read_digits(text, 14, 2, minute) ||
        text[16] != ':' || !read_digits(text, 17, 2, second)) {
        return std::nullopt;
    }
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
        return std::nullopt;
    }
    std::size_t at = 19;
    if (at < text.size() && text[at] == '.') {
        ++at;
        const std::size_t digits_start = at;
        while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
            ++at;
        }
        if (at == digits_start) {
            return std::nullopt;
        }
    }
    std::int64_t offset = 0;
    if (at < text.size() && (text[at] == 'Z' || text[at] == 'z')) {
        ++at;
    } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
        int oh = 0, om = 0;
        if (!read_digits(text, at + 1, 2, oh) || at + 3 >= text.size() || text[at + 3] != ':' ||
            !read_digits(text, at + 4, 2, om)) {
            return std::nullopt;
        }
        offset = (oh * 3600 + om * 60) * (text[at] == '+' ? 1 : -1);
        at += 6;
    } else {
        return std::nullopt;
    }
    if (at != text.size()) {
        return std::nullopt;
    }
    const std::int64_t days =
        days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    return days * 86400 + hour * 3600 + minute * 60 + second - offset;
}

}  // namespace sifkit::oci2sif
