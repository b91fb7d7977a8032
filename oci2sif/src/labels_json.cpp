// labels.json as Apptainer writes it for an image built from an OCI source
// (internal/pkg/build/metadata.go, insertLabelsJSON/addBuildLabels): the image config's labels,
// then the build labels, which replace an image label of the same name.
#include "labels_json.hpp"

#include <array>
#include <chrono>
#include <nlohmann/json.hpp>

#include "sifkit/sif/error.hpp"
#include "sifkit/sif/time_text.hpp"

namespace sifkit::oci2sif::detail {
namespace {

constexpr std::string_view kWhitespace = " \t\r\n\v\f";

std::string_view trimmed(std::string_view text) {
    const auto begin = text.find_first_not_of(kWhitespace);
    if (begin == std::string_view::npos) {
        return {};
    }
    const auto end = text.find_last_not_of(kWhitespace);
    return text.substr(begin, end - begin + 1);
}

std::string lower_ascii(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

// Civil UTC time of a Unix time, with the range RFC 3339's four-digit year allows.
struct UtcTime {
    int year;
    unsigned month;    // 1..12
    unsigned day;      // 1..31
    unsigned weekday;  // 0 = Sunday
    long hours;
    long minutes;
    long seconds;
};

UtcTime utc_time(std::int64_t unix_seconds) {
    using namespace std::chrono;
    const sys_seconds time{seconds(unix_seconds)};
    const sys_days day = floor<days>(time);
    const year_month_day date{day};
    const hh_mm_ss clock{time - day};
    const int year = static_cast<int>(date.year());
    if (year < 0 || year > 9999) {
        throw Error(ErrorKind::invalid_input, "build time " + std::to_string(unix_seconds) +
                                                  " is outside the years 0 to 9999");
    }
    return UtcTime{year,
                   static_cast<unsigned>(date.month()),
                   static_cast<unsigned>(date.day()),
                   weekday{day}.c_encoding(),
                   clock.hours().count(),
                   clock.minutes().count(),
                   static_cast<long>(clock.seconds().count())};
}

// Go's encoding/json escapes these for safe embedding in HTML; nlohmann writes them as they are.
// They can only occur inside strings, so replacing them in the whole text is exact.
std::string with_go_html_escapes(std::string_view json) {
    std::string out;
    out.reserve(json.size());
    for (std::size_t i = 0; i < json.size(); ++i) {
        const char c = json[i];
        if (c == '<') {
            out += "\\u003c";
        } else if (c == '>') {
            out += "\\u003e";
        } else if (c == '&') {
            out += "\\u0026";
        } else if (json.substr(i, 3) == "\xE2\x80\xA8" || json.substr(i, 3) == "\xE2\x80\xA9") {
            // U+2028 and U+2029, which JavaScript reads as line ends.
            out += json[i + 2] == '\xA8' ? "\\u2028" : "\\u2029";
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

void add_build_labels(std::map<std::string, std::string>& labels, const MetadataInput& input) {
    labels["org.label-schema.schema-version"] = "1.0";
    if (input.build_time) {
        labels["org.label-schema.build-date"] = label_schema_build_date(*input.build_time);
        labels["org.opencontainers.image.created"] = rfc3339_utc(*input.build_time);
    }
    for (const auto& [key, value] : deffile_header(input.deffile)) {
        labels["org.label-schema.usage.singularity.deffile." + key] = value;
    }
    if (!input.architecture.empty()) {
        labels["org.label-schema.build-arch"] = input.architecture;
        labels["org.opencontainers.image.architecture"] = input.architecture;
    }
    if (!input.variant.empty()) {
        labels["org.opencontainers.image.variant"] = input.variant;
    }
}

}  // namespace

std::map<std::string, std::string> deffile_header(std::string_view deffile) {
    std::map<std::string, std::string> header;
    std::size_t line_number = 0;
    while (!deffile.empty()) {
        const auto newline = deffile.find('\n');
        std::string_view line = trimmed(deffile.substr(0, newline));
        deffile.remove_prefix(newline == std::string_view::npos ? deffile.size() : newline + 1);
        ++line_number;
        if (line.starts_with('%')) {
            break;  // the first section ends the header
        }
        line = trimmed(line.substr(0, line.find('#')));
        if (line.empty()) {
            continue;
        }
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) {
            throw Error(ErrorKind::invalid_input, "definition file header line " +
                                                      std::to_string(line_number) +
                                                      " is not \"key: value\"");
        }
        header[lower_ascii(trimmed(line.substr(0, colon)))] = trimmed(line.substr(colon + 1));
    }
    return header;
}

std::string label_schema_build_date(std::int64_t unix_seconds) {
    static constexpr std::array<const char*, 7> kWeekdays = {
        "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
    static constexpr std::array<const char*, 12> kMonths = {
        "January", "February", "March",     "April",   "May",      "June",
        "July",    "August",   "September", "October", "November", "December"};
    const UtcTime t = utc_time(unix_seconds);
    // Go's strconv.Itoa: no padding anywhere.
    return std::string(kWeekdays[t.weekday]) + "_" + std::to_string(t.day) + "_" +
           kMonths[t.month - 1] + "_" + std::to_string(t.year) + "_" + std::to_string(t.hours) +
           ":" + std::to_string(t.minutes) + ":" + std::to_string(t.seconds) + "_UTC";
}

std::string rfc3339_utc(std::int64_t unix_seconds) {
    utc_time(unix_seconds);  // refuses the years RFC 3339 cannot write
    return sif::utc_rfc3339(unix_seconds);
}

std::string labels_json(const MetadataInput& input) {
    std::map<std::string, std::string> labels(input.labels.begin(), input.labels.end());
    // A definition file's %labels replace the image's; the build labels replace both.
    for (const auto& [key, value] : input.deffile_labels) {
        labels[key] = value;
    }
    add_build_labels(labels, input);
    return go_json_object(labels);
}

std::map<std::string, std::string> parse_labels_json(std::string_view text,
                                                     const std::string& file) {
    const nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
    if (json.is_discarded() || !json.is_object()) {
        throw Error(ErrorKind::invalid_input, "labels.json is not a JSON object", file);
    }
    std::map<std::string, std::string> labels;
    for (const auto& [key, value] : json.items()) {
        if (!value.is_string()) {
            throw Error(ErrorKind::invalid_input, "label \"" + key + "\" is not a string", file);
        }
        labels[key] = value.get<std::string>();
    }
    return labels;
}

std::string go_json_object(const std::map<std::string, std::string>& object) {
    // Invalid UTF-8 becomes U+FFFD, as in Go (which writes it as the escape \ufffd).
    const nlohmann::json json(object);
    return with_go_html_escapes(
        json.dump(1, '\t', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace sifkit::oci2sif::detail
