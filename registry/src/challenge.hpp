// WWW-Authenticate challenges (RFC 7235 §4.1): `Bearer realm="...",service="...",scope="..."`
// or `Basic realm="..."`, several of them possibly in one header.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace sifkit::registry {

struct Challenge {
    std::string scheme;                         // lower-case: "bearer", "basic"
    std::map<std::string, std::string> params;  // lower-case names, unquoted values

    std::string param(const std::string& name) const {
        const auto it = params.find(name);
        return it == params.end() ? std::string() : it->second;
    }
};

std::vector<Challenge> parse_challenges(std::string_view header);

}  // namespace sifkit::registry
