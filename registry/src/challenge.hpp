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

// The scopes to ask a token service for: each of `scopes` may be a space-separated list (a
// challenge's `scope` parameter lists every resource the request touches, in no fixed order);
// the result has one "TYPE:NAME:ACTIONS" per resource, its actions merged and sorted, resources
// sorted, then anything that is not of that form, as it was. So the same needs always give the
// same token request.
std::vector<std::string> merge_scopes(const std::vector<std::string>& scopes);

}  // namespace sifkit::registry
