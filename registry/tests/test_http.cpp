// The rules that keep credentials home: URL origins (an upload Location or a redirect on another
// scheme, host or port gets no credentials) and the scopes of token requests.
#include <catch2/catch.hpp>

#include "challenge.hpp"
#include "http.hpp"

using sifkit::registry::merge_scopes;
using sifkit::registry::url_origin;

TEST_CASE("url_origin: scheme, host and port, normalized") {
    CHECK(url_origin("https://registry.example/v2/") == "https://registry.example:443");
    CHECK(url_origin("HTTPS://Registry.Example:443/v2/x?y") == "https://registry.example:443");
    CHECK(url_origin("http://registry.example") == "http://registry.example:80");
    CHECK(url_origin("http://127.0.0.1:5000/v2/a/blobs/uploads/u?_state=s") ==
          "http://127.0.0.1:5000");
    CHECK(url_origin("https://user:pw@host:08443/") == "https://host:8443");
    CHECK(url_origin("https://[::1]:5000/v2/") == "https://[::1]:5000");
    CHECK(url_origin("https://[::1]/v2/") == "https://[::1]:443");
    CHECK(url_origin("https://host?q") == "https://host:443");
    // Not absolute http(s) URLs: no origin (relative Locations are the registry's own).
    CHECK(url_origin("/v2/a/blobs/uploads/u").empty());
    CHECK(url_origin("ftp://host/x").empty());
    CHECK(url_origin("https:///x").empty());
    CHECK(url_origin("https://host:x/").empty());
    CHECK(url_origin("https://[::1/").empty());
    // What distinguishes another host.
    CHECK(url_origin("http://h:5000/") != url_origin("https://h:5000/"));
    CHECK(url_origin("https://h:5000/") != url_origin("https://h:5001/"));
    CHECK(url_origin("https://h/") != url_origin("https://h.evil/"));
}

TEST_CASE("merge_scopes: a challenge's space-separated scopes merge with the client's") {
    // docker-registry lists resources and actions in Go map order: any order gives one request.
    const std::vector<std::string> expected{"repository:sifs/a:pull",
                                            "repository:sifs/b:pull,push"};
    CHECK(merge_scopes({"repository:sifs/b:pull,push", "repository:sifs/a:pull",
                        "repository:sifs/a:pull repository:sifs/b:push,pull"}) == expected);
    CHECK(merge_scopes({"repository:sifs/a:pull", "repository:sifs/b:pull,push",
                        "repository:sifs/b:pull,push repository:sifs/a:pull"}) == expected);
    CHECK(merge_scopes({"repository:sifs/b:push", "repository:sifs/b:pull",
                        " repository:sifs/a:pull  "}) == expected);
    CHECK(merge_scopes({"repository:sifs/b:pull,push", "repository:sifs/b:pull"}) ==
          std::vector<std::string>{"repository:sifs/b:pull,push"});
    // Resource classes and names with colons keep everything before the last colon.
    CHECK(merge_scopes({"repository(plugin):p:pull", "registry:catalog:*"}) ==
          std::vector<std::string>{"registry:catalog:*", "repository(plugin):p:pull"});
    // Anything else is passed on as it came.
    CHECK(merge_scopes({"openid", "aud:x"}) == std::vector<std::string>{"aud:x", "openid"});
    CHECK(merge_scopes({"", " "}).empty());
}
