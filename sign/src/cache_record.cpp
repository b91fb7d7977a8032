#include "cache_record.hpp"

#include <nlohmann/json.hpp>

#include "sifkit/sif/error.hpp"

namespace sifkit::sign::detail {
namespace {

constexpr const char* kFormat = "sifkit-stage-cache/1";

std::int64_t nanoseconds(const struct timespec& t) noexcept {
    return static_cast<std::int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec;
}

}  // namespace

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
    j["copy"] = {{"device", identity.device}, {"inode", identity.inode},
                 {"size", identity.size},     {"mtime_ns", identity.mtime_ns},
                 {"ctime_ns", identity.ctime_ns}, {"mode", identity.mode},
                 {"uid", identity.uid}};
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
        const nlohmann::json& copy = j.at("copy");
        record.identity.device = copy.at("device").get<std::uint64_t>();
        record.identity.inode = copy.at("inode").get<std::uint64_t>();
        record.identity.size = copy.at("size").get<std::uint64_t>();
        record.identity.mtime_ns = copy.at("mtime_ns").get<std::int64_t>();
        record.identity.ctime_ns = copy.at("ctime_ns").get<std::int64_t>();
        record.identity.mode = copy.at("mode").get<std::uint32_t>();
        record.identity.uid = copy.at("uid").get<std::uint32_t>();
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
