// Base64: the RFC 4648 §10 test vectors both ways, padding left out, and text that is not base64.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "sifkit/sif/base64.hpp"

using namespace sifkit::sif;

namespace {

std::optional<std::string> decoded(std::string_view text) {
    const auto bytes = base64_decode(text);
    if (!bytes) {
        return std::nullopt;
    }
    return std::string(bytes->begin(), bytes->end());
}

}  // namespace

TEST_CASE("base64: RFC 4648 test vectors encode and decode", "[base64]") {
    const std::vector<std::pair<std::string, std::string>> vectors = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
    };
    for (const auto& [plain, encoded] : vectors) {
        CAPTURE(plain);
        CHECK(base64_encode(plain) == encoded);
        CHECK(decoded(encoded) == plain);
    }
}

TEST_CASE("base64: every byte value and both overloads round-trip", "[base64]") {
    std::vector<std::uint8_t> all;
    for (int i = 0; i < 256; ++i) {
        all.push_back(static_cast<std::uint8_t>(255 - i));
    }
    for (std::size_t size = 0; size <= all.size(); size += 37) {
        const std::vector<std::uint8_t> bytes(all.begin(),
                                              all.begin() + static_cast<std::ptrdiff_t>(size));
        const std::string text = base64_encode(bytes);
        CHECK(text.size() == (size + 2) / 3 * 4);
        CHECK(base64_encode(std::string_view(reinterpret_cast<const char*>(bytes.data()),
                                             bytes.size())) == text);
        CHECK(base64_decode(text) == bytes);
    }
    CHECK(base64_encode(std::vector<std::uint8_t>{0xFB, 0xFF}) == "+/8=");
}

TEST_CASE("base64: padding may be left out, not half written", "[base64]") {
    CHECK(decoded("Zg") == "f");
    CHECK(decoded("Zm8") == "fo");
    CHECK(decoded("Zm9vYg") == "foob");
    CHECK(decoded("YWxpY2U6czNjcmV0") == "alice:s3cret");
    // Bits below the last byte are not checked (as Go's and OpenSSL's decoders do not).
    CHECK(decoded("Zh==") == "f");
    for (const char* text : {"Zg=", "Zg===", "Zm8==", "Zm9v=", "Zm9v==", "Zm9vYg=", "="}) {
        CAPTURE(text);
        CHECK_FALSE(base64_decode(text));
    }
}

TEST_CASE("base64: malformed text is refused", "[base64]") {
    for (const char* text : {
             "Z",         // six bits are not a byte
             "Zm9vY",     // nor are 30
             "Zm9vY===",  // three pad characters
             "Zg==Zg==",  // padding before the end
             "Zm=v",      // "=" inside a group
             "====",      // nothing but padding
             "Zm9v\n",    // whitespace
             " Zm9v",     //
             "Zm 9v",     //
             "Zm9v!",     // outside the alphabet
             "Zm9-",      // the URL-safe alphabet is another encoding
             "Zm9_",      //
         }) {
        CAPTURE(text);
        CHECK_FALSE(base64_decode(text));
    }
    CHECK_FALSE(base64_decode(std::string_view("Zm\0v", 4)));
}
