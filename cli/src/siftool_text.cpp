#include "siftool_text.hpp"

#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "sifkit/sif/time_text.hpp"

namespace sifkit::cli {
namespace {

using Rows = std::vector<std::pair<std::string, std::string>>;

// Go's tabwriter with one tab-terminated label cell per line: labels are padded to the widest
// label plus `padding`; `indent` stands for the empty leading cell siftool's info output has.
void write_aligned(std::ostream& out, const Rows& rows, std::size_t padding,
                   const std::string& indent) {
    std::size_t width = 0;
    for (const auto& row : rows) {
        width = std::max(width, row.first.size());
    }
    for (const auto& [label, value] : rows) {
        out << indent << label << std::string(width + padding - label.size(), ' ') << value << '\n';
    }
}

__attribute__((format(printf, 1, 2))) std::string format(const char* pattern, ...) {
    std::va_list args;
    va_start(args, pattern);
    std::va_list copy;
    va_copy(copy, args);
    const int n = std::vsnprintf(nullptr, 0, pattern, copy);
    va_end(copy);
    std::string text(static_cast<std::size_t>(n), '\0');
    std::vsnprintf(text.data(), text.size() + 1, pattern, args);
    va_end(args);
    return text;
}

std::string hex_upper(const std::array<std::uint8_t, sif::kFingerprintSize>& bytes) {
    std::string text;
    for (const auto byte : bytes) {
        text += format("%02X", static_cast<unsigned>(byte));
    }
    return text;
}

std::string type_column(const sif::Descriptor& d) {
    const std::string type(sif::display_name(d.type()));
    switch (d.type()) {
        case sif::DataType::partition: {
            const auto p = d.partition();
            return type + " (" + std::string(sif::display_name(p.fs_type)) + "/" +
                   std::string(sif::display_name(p.part_type)) + "/" +
                   std::string(p.arch.go_name()) + ")";
        }
        case sif::DataType::signature:
            return type + " (" + std::string(sif::display_name(d.signature().hash_type)) + ")";
        case sif::DataType::crypto_message: {
            const auto m = d.crypto_message();
            return type + " (" + std::string(sif::display_name(m.format_type)) + "/" +
                   std::string(sif::display_name(m.message_type)) + ")";
        }
        case sif::DataType::sbom:
            return type + " (" + std::string(sif::display_name(d.sbom_format())) + ")";
        default:
            return type;
    }
}

}  // namespace

std::string readable_size(std::int64_t size) {
    if (-1024 < size && size < 1024) {
        return std::to_string(size) + " B";
    }
    const char* units = "KMGTPE";
    std::uint64_t divisor = 1024;
    std::size_t exponent = 0;
    for (std::int64_t n = size / 1024; n <= -1024 || 1024 <= n; n /= 1024) {
        divisor *= 1024;
        ++exponent;
    }
    const double value = std::round(static_cast<double>(size) / static_cast<double>(divisor));
    return format("%.0f %ciB", value, units[exponent]);
}

std::string go_utc_time(std::int64_t seconds) {
    // Days since 1970-01-01 to a civil date (proleptic Gregorian), valid for any int64 input.
    std::int64_t days = seconds / 86400;
    std::int64_t rest = seconds % 86400;
    if (rest < 0) {
        rest += 86400;
        --days;
    }
    days += 719468;
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const std::int64_t doe = days - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
    const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
    const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    return sif::padded_year(year) +
           format("-%02lld-%02lld %02lld:%02lld:%02lld +0000 UTC", static_cast<long long>(month),
                  static_cast<long long>(day), static_cast<long long>(rest / 3600),
                  static_cast<long long>(rest / 60 % 60), static_cast<long long>(rest % 60));
}

void write_header_text(std::ostream& out, const sif::Image& image) {
    const sif::Header& h = image.header();
    Rows rows;
    if (const std::string launch = h.launch_script_text(); !launch.empty()) {
        std::string shown = launch;
        if (!shown.empty() && shown.back() == '\n') {
            shown.pop_back();
        }
        rows.emplace_back("Launch Script:", shown);
    }
    rows.emplace_back("Version:", h.version_text());
    if (h.arch.known()) {
        rows.emplace_back("Primary Architecture:", std::string(h.arch.go_name()));
    }
    if (!h.id.is_nil()) {
        rows.emplace_back("ID:", h.id.to_string());
    }
    if (h.created_at != sif::kUnsetTime) {
        rows.emplace_back("Created At:", go_utc_time(h.created_at));
    }
    if (h.modified_at != sif::kUnsetTime) {
        rows.emplace_back("Modified At:", go_utc_time(h.modified_at));
    }
    rows.emplace_back("Descriptors Free:", std::to_string(h.descriptors_free));
    rows.emplace_back("Descriptors Total:", std::to_string(h.descriptors_total));
    rows.emplace_back("Descriptors Offset:", std::to_string(h.descriptors_offset));
    rows.emplace_back("Descriptors Size:", readable_size(h.descriptors_size));
    rows.emplace_back("Data Offset:", std::to_string(h.data_offset));
    rows.emplace_back("Data Size:", readable_size(h.data_size));
    write_aligned(out, rows, 1, "");
}

void write_list_text(std::ostream& out, const sif::Image& image) {
    const std::string rule(78, '-');
    out << rule << '\n'
        << format("%-4s %-8s %-8s %-26s %s\n", "ID", "|GROUP", "|LINK", "|SIF POSITION (start-end)",
                  "|TYPE")
        << rule << '\n';
    for (const sif::Descriptor& d : image.objects()) {
        out << format("%-4u ", d.id);
        out << (d.group() == 0 ? format("|%-7s ", "NONE") : format("|%-7u ", d.group()));
        const sif::Link link = d.link();
        switch (link.kind()) {
            case sif::Link::Kind::none:
                out << format("|%-7s ", "NONE");
                break;
            case sif::Link::Kind::group:
                out << format("|%-3u (G) ", link.target());
                break;
            case sif::Link::Kind::object:
                out << format("|%-7u ", link.target());
                break;
        }
        out << format("%-26s ", format("|%lld-%lld ", static_cast<long long>(d.offset),
                                       static_cast<long long>(d.end()))
                                    .c_str());
        out << '|' << type_column(d) << '\n';
    }
}

void write_info_text(std::ostream& out, const sif::Descriptor& d) {
    Rows rows;
    rows.emplace_back("Data Type:", std::string(sif::display_name(d.type())));
    rows.emplace_back("ID:", std::to_string(d.id));
    rows.emplace_back("Group ID:", d.group() == 0 ? "NONE" : std::to_string(d.group()));
    const sif::Link link = d.link();
    switch (link.kind()) {
        case sif::Link::Kind::none:
            rows.emplace_back("Linked ID:", "NONE");
            break;
        case sif::Link::Kind::group:
            rows.emplace_back("Linked ID:", std::to_string(link.target()) + " (G)");
            break;
        case sif::Link::Kind::object:
            rows.emplace_back("Linked ID:", std::to_string(link.target()));
            break;
    }
    rows.emplace_back("Offset:", std::to_string(d.offset));
    rows.emplace_back("Size:", std::to_string(d.size));
    if (d.created_at != sif::kUnsetTime) {
        rows.emplace_back("Created At:", go_utc_time(d.created_at));
    }
    if (d.modified_at != sif::kUnsetTime) {
        rows.emplace_back("Modified At:", go_utc_time(d.modified_at));
    }
    if (const std::string name = d.name_text(); !name.empty()) {
        rows.emplace_back("Name:", name);
    }
    switch (d.type()) {
        case sif::DataType::partition: {
            const auto p = d.partition();
            rows.emplace_back("Filesystem Type:", std::string(sif::display_name(p.fs_type)));
            rows.emplace_back("Partition Type:", std::string(sif::display_name(p.part_type)));
            rows.emplace_back("Architecture:", std::string(p.arch.go_name()));
            break;
        }
        case sif::DataType::signature: {
            const auto s = d.signature();
            rows.emplace_back("Hash Type:", std::string(sif::display_name(s.hash_type)));
            if (s.has_fingerprint()) {
                rows.emplace_back("Entity:", hex_upper(s.fingerprint));
            }
            break;
        }
        case sif::DataType::crypto_message: {
            const auto m = d.crypto_message();
            rows.emplace_back("Format Type:", std::string(sif::display_name(m.format_type)));
            rows.emplace_back("Message Type:", std::string(sif::display_name(m.message_type)));
            break;
        }
        case sif::DataType::sbom:
            rows.emplace_back("Format:", std::string(sif::display_name(d.sbom_format())));
            break;
        case sif::DataType::oci_blob:
        case sif::DataType::oci_root_index:
            rows.emplace_back("Digest:", d.oci_digest().value);
            break;
        default:
            break;
    }
    write_aligned(out, rows, 2, "  ");
}

}  // namespace sifkit::cli
