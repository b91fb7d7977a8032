// Blob transfers: resumable downloads, existence checks, mounts and (chunked) uploads.
#include "client_internal.hpp"
#include "sifkit/sif/error.hpp"

namespace sifkit::registry {
namespace {

// "bytes START-END/TOTAL" → START; nullopt when malformed.
std::optional<std::uint64_t> content_range_start(const std::string& value) {
    std::string_view v = value;
    if (v.substr(0, 6) == "bytes ") {
        v.remove_prefix(6);
    }
    std::uint64_t start = 0;
    std::size_t i = 0;
    for (; i < v.size() && v[i] >= '0' && v[i] <= '9'; ++i) {
        start = start * 10 + static_cast<std::uint64_t>(v[i] - '0');
    }
    if (i == 0 || i >= v.size() || v[i] != '-') {
        return std::nullopt;
    }
    return start;
}

std::string with_query(const std::string& url, const std::string& query) {
    return url + (url.find('?') == std::string::npos ? "?" : "&") + query;
}

}  // namespace

std::string Client::fetch_range(const std::string& digest, std::uint64_t offset,
                                std::uint64_t length) {
    State& s = *state_;
    std::string out;
    if (length == 0) {
        return out;
    }
    HttpRequest request;
    request.url = s.repo_path("/blobs/" + digest);
    request.follow_redirects = true;
    request.range_from = offset;
    request.range_to = offset + length - 1;
    request.on_data = [&](const HttpResponse& response, std::span<const std::byte> data) {
        // A 200 is the whole blob: stop at once rather than download a large file.
        const auto from = content_range_start(response.header("content-range").value_or(""));
        if (response.status != 206 || !from || *from != offset) {
            throw Error(ErrorKind::unsupported,
                        "the registry does not answer ranged requests (Range: bytes=" +
                            std::to_string(offset) + "-" + std::to_string(offset + length - 1) +
                            ")",
                        name() + "@" + digest);
        }
        const std::size_t take =
            static_cast<std::size_t>(std::min<std::uint64_t>(length - out.size(), data.size()));
        out.append(reinterpret_cast<const char*>(data.data()), take);
        s.bytes_downloaded += take;
    };
    const HttpResult result = s.with_retries(request);
    if (result.failure != Failure::none ||
        (result.response.status != 206 && result.response.status != 200)) {
        s.fail(result, "blob " + digest);
    }
    return out;
}

void Client::fetch_blob(const std::string& digest, std::uint64_t offset,
                        const std::function<void(std::span<const std::byte>)>& sink) {
    State& s = *state_;
    std::uint64_t position = offset;
    unsigned attempt = 0;
    while (true) {
        const std::uint64_t start = position;
        std::uint64_t discard = 0;  // bytes to drop when a ranged request got the whole blob
        bool first = true;
        HttpRequest request;
        request.url = s.repo_path("/blobs/" + digest);
        request.follow_redirects = true;
        if (start > 0) {
            request.range_from = start;
        }
        request.on_data = [&](const HttpResponse& response, std::span<const std::byte> data) {
            if (first) {
                first = false;
                if (start > 0 && response.status == 200) {
                    discard = start;  // the server ignored the Range header
                } else if (start > 0 && response.status == 206) {
                    const auto from =
                        content_range_start(response.header("content-range").value_or(""));
                    if (!from || *from != start) {
                        throw Error(ErrorKind::invalid_input,
                                    "asked for bytes from " + std::to_string(start) +
                                        ", the registry sent \"" +
                                        response.header("content-range").value_or("") + "\"",
                                    name() + "@" + digest);
                    }
                }
            }
            if (discard > 0) {
                const std::size_t skip =
                    static_cast<std::size_t>(std::min<std::uint64_t>(discard, data.size()));
                discard -= skip;
                data = data.subspan(skip);
            }
            if (!data.empty()) {
                sink(data);
                position += data.size();
                s.bytes_downloaded += data.size();
            }
        };
        const HttpResult result = s.exchange(request);
        if (result.failure == Failure::none) {
            const long status = result.response.status;
            if (status == 200 || status == 206) {
                ++s.blobs_downloaded;
                return;
            }
            if (status == 416 && start > 0) {
                return;  // nothing past `start`: the caller's size and digest checks decide
            }
            if (status == 404) {
                throw Error(ErrorKind::not_found, "blob " + digest + " is not in the repository",
                            name());
            }
        }
        if (!s.transient(result)) {
            s.fail(result, "blob " + digest);
        }
        if (position > start) {
            attempt = 0;  // progress was made: a flaky link is not a dead one
        }
        if (attempt >= s.options.retries) {
            s.fail(result, "blob " + digest);
        }
        s.back_off(attempt++, result);
    }
}

std::optional<std::uint64_t> Client::blob_size(const std::string& digest) {
    HttpRequest request;
    request.method = "HEAD";
    request.url = state_->repo_path("/blobs/" + digest);
    request.follow_redirects = true;
    const HttpResult result = state_->with_retries(request);
    if (result.failure == Failure::none && result.response.status == 404) {
        return std::nullopt;
    }
    if (result.failure != Failure::none || result.response.status != 200) {
        state_->fail(result, "blob " + digest);
    }
    try {
        return std::stoull(result.response.header("content-length").value_or("0"));
    } catch (const std::exception&) {
        return std::uint64_t{0};
    }
}

// What to upload: `size` bytes of `fd`, or `bytes`.
struct Client::Upload {
    std::string digest;
    int fd = -1;
    std::string_view bytes;
    std::uint64_t size = 0;
    std::vector<std::string> mount_from;
    std::uint64_t chunk_size = 64 << 20;

    void attach(HttpRequest& request, std::uint64_t offset, std::uint64_t n) const {
        if (fd >= 0) {
            request.body_fd = fd;
            request.body_offset = offset;
            request.body_size = n;
        } else {
            request.body =
                bytes.substr(static_cast<std::size_t>(offset), static_cast<std::size_t>(n));
        }
    }
};

UploadOutcome Client::push_blob(const std::string& digest, int fd, std::uint64_t size,
                                const std::vector<std::string>& mount_from,
                                std::uint64_t chunk_size) {
    Upload u;
    u.digest = digest;
    u.fd = fd;
    u.size = size;
    u.mount_from = mount_from;
    u.chunk_size = std::max<std::uint64_t>(chunk_size, 1);
    return upload(u);
}

UploadOutcome Client::push_blob(const std::string& digest, std::string_view data) {
    Upload u;
    u.digest = digest;
    u.bytes = data;
    u.size = data.size();
    return upload(u);
}

UploadOutcome Client::upload(const Upload& u) {
    State& s = *state_;
    const std::string& digest = u.digest;
    const std::uint64_t size = u.size;
    const std::uint64_t chunk_size = u.chunk_size;
    if (const auto present = blob_size(digest); present && *present == size) {
        ++s.blobs_present;
        return UploadOutcome::present;
    }
    const std::string what = "uploading blob " + digest;
    const auto check = [&](const HttpResult& result, std::initializer_list<long> expected) {
        if (result.failure == Failure::none) {
            for (const long status : expected) {
                if (result.response.status == status) {
                    return;
                }
            }
        }
        s.fail(result, what);
    };
    const auto location_of = [&](const HttpResult& result) {
        const auto location = result.response.header("location");
        if (!location || location->empty()) {
            throw Error(ErrorKind::invalid_input, "upload answer without a Location", name());
        }
        return s.resolve(*location);
    };

    // A mount from another repository of this registry; when the registry declines (202) the
    // answer opens an ordinary upload session, which is used.
    std::string location;
    for (const auto& from : u.mount_from) {
        if (from == repository_) {
            continue;
        }
        s.add_pull_scope(from);
        HttpRequest mount;
        mount.method = "POST";
        mount.url = s.repo_path("/blobs/uploads/?mount=" + url_escape(digest) +
                                "&from=" + url_escape(from));
        const HttpResult result = s.with_retries(mount);
        if (result.failure == Failure::none && result.response.status == 201) {
            ++s.blobs_mounted;
            return UploadOutcome::mounted;
        }
        check(result, {202});
        location = location_of(result);
        break;
    }

    for (unsigned attempt = 0;; ++attempt) {
        if (location.empty()) {
            HttpRequest open;
            open.method = "POST";
            open.url = s.repo_path("/blobs/uploads/");
            const HttpResult result = s.with_retries(open);
            check(result, {202});
            location = location_of(result);
        }
        HttpResult result;
        if (size <= chunk_size) {
            HttpRequest put;
            put.method = "PUT";
            put.url = with_query(location, "digest=" + url_escape(digest));
            put.headers.push_back("Content-Type: application/octet-stream");
            u.attach(put, 0, size);
            result = s.exchange(put);
        } else {
            std::uint64_t done = 0;
            while (done < size && result.failure == Failure::none) {
                const std::uint64_t n = std::min(chunk_size, size - done);
                HttpRequest patch;
                patch.method = "PATCH";
                patch.url = location;
                patch.headers.push_back("Content-Type: application/octet-stream");
                patch.headers.push_back("Content-Range: " + std::to_string(done) + "-" +
                                        std::to_string(done + n - 1));
                u.attach(patch, done, n);
                result = s.exchange(patch);
                if (result.failure != Failure::none || result.response.status != 202) {
                    break;
                }
                location = location_of(result);
                done += n;
            }
            if (done == size) {
                HttpRequest put;
                put.method = "PUT";
                put.url = with_query(location, "digest=" + url_escape(digest));
                result = s.exchange(put);
            }
        }
        if (result.failure == Failure::none &&
            (result.response.status == 201 || result.response.status == 204)) {
            ++s.blobs_uploaded;
            s.bytes_uploaded += size;
            return UploadOutcome::uploaded;
        }
        if (!s.transient(result) || attempt >= s.options.retries) {
            s.fail(result, what);
        }
        // An upload session that broke is not resumed: a new one starts from the beginning.
        location.clear();
        s.back_off(attempt, result);
    }
}

}  // namespace sifkit::registry
