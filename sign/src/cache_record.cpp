#include "cache_record.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "sifkit/sif/error.hpp"

namespace sifkit::sign::detail {
namespace {

constexpr const char* kFormat = "sifkit-stage-cache/1";

std::int64_t nanoseconds(const struct timespec& t) noexcept {
    return static_cast<std::int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec;
}

nlohmann::ordered_json identity_json(const FileIdentity& id) {
    return {{"device", id.device},
            {"inode", id.inode},
            {"size", id.size},
            {"mtime_ns", id.mtime_ns},
            {"ctime_ns", id.ctime_ns},
            {"mode", id.mode},
            {"uid", id.uid}};
}

FileIdentity identity_from(const nlohmann::json& j) {
    FileIdentity id;
    id.device = j.at("device").get<std::uint64_t>();
    id.inode = j.at("inode").get<std::uint64_t>();
    id.size = j.at("size").get<std::uint64_t>();
    id.mtime_ns = j.at("mtime_ns").get<std::int64_t>();
    id.ctime_ns = j.at("ctime_ns").get<std::int64_t>();
    id.mode = j.at("mode").get<std::uint32_t>();
    id.uid = j.at("uid").get<std::uint32_t>();
    return id;
}

}  // namespace

void CacheRecord::add_source(const FileIdentity& file) {
    std::erase(sources, file);
    sources.push_back(file);
    if (sources.size() > kMaxSources) {
        sources.erase(sources.begin());
    }
}

bool CacheRecord::knows_source(const FileIdentity& file) const {
    return std::find(sources.begin(), sources.end(), file) != sources.end();
}

FileIdentity FileIdentity::of(const struct stat& info) noexcept {
    FileIdentity id;
    id.device = static_cast<std::uint64_t>(info.st_dev);
    id.inode = static_cast<std::uint64_t>(info.st_ino);
    id.size = static_cast<std::uint64_t>(info.st_size);
    id.mtime_ns = nanoseconds(info.st_mtim);
    id.ctime_ns = nanoseconds(info.st_ctim);
    id.mode = static_cast<std::uint32_t>(info.st_mode);
    id.uid = static_cast<std::uint32_t>(info.st_uid);
    return id;
}

std::string CacheRecord::encode() const {
    nlohmann::ordered_json j;
    j["format"] = kFormat;
    j["key"] = key;
    j["source"] = source;
    j["staged_at"] = staged_at;
    j["verified_by"] = verified_by;
    j["copy"] = identity_json(identity);
    j["sources"] = nlohmann::ordered_json::array();
    for (const FileIdentity& s : sources) {
        j["sources"].push_back(identity_json(s));
    }
    j["digests"] = nlohmann::ordered_json::array();
    for (const KnownDigest& d : digests) {
        j["digests"].push_back(
            {{"offset", d.offset}, {"size", d.size}, {"digest", d.digest.to_string()}});
    }
    return j.dump(1) + "\n";
}

std::optional<CacheRecord> CacheRecord::decode(std::string_view text) {
    try {
        const nlohmann::json j = nlohmann::json::parse(text);
        if (j.at("format").get<std::string>() != kFormat) {
            return std::nullopt;
        }
        CacheRecord record;
        record.key = j.at("key").get<std::string>();
        record.source = j.value("source", std::string());
        record.staged_at = j.value("staged_at", std::int64_t{0});
        record.verified_by = j.value("verified_by", std::vector<std::string>());
        record.identity = identity_from(j.at("copy"));
        for (const nlohmann::json& s : j.at("sources")) {
            record.sources.push_back(identity_from(s));
        }
        for (const nlohmann::json& d : j.at("digests")) {
            record.digests.push_back(KnownDigest{d.at("offset").get<std::int64_t>(),
                                                 d.at("size").get<std::int64_t>(),
                                                 Digest::parse(d.at("digest").get<std::string>())});
        }
        return record;
    } catch (const nlohmann::json::exception&) {
        return std::nullopt;
    } catch (const Error&) {
        return std::nullopt;  // a malformed digest
    }
}

}  // namespace sifkit::sign::detail
