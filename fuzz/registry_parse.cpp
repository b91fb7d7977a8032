// libFuzzer target for what the registry module parses from untrusted text: image references
// (command lines, annotations), WWW-Authenticate challenges (any server's header) and base64
// (auth files, decoded by sif/base64.hpp). A parser may refuse its input with a sifkit::Error;
// a crash, undefined behaviour, a hang or another exception is a finding.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "challenge.hpp"
#include "sifkit/registry/reference.hpp"
#include "sifkit/sif/base64.hpp"
#include "sifkit/sif/error.hpp"

namespace {

volatile std::size_t g_sink = 0;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const auto ref = sifkit::registry::Reference::parse(text);
        g_sink = g_sink + ref.to_string().size() + ref.endpoint().size();
        // What parses must print back to something that parses to the same reference.
        const auto again = sifkit::registry::Reference::parse(ref.to_string());
        if (again.to_string() != ref.to_string()) {
            __builtin_trap();
        }
    } catch (const sifkit::Error&) {
    }
    try {
        g_sink = g_sink + sifkit::registry::normalize_registry(text).size();
    } catch (const sifkit::Error&) {
    }
    for (const auto& c : sifkit::registry::parse_challenges(text)) {
        g_sink = g_sink + c.scheme.size() + c.params.size();
    }
    if (const auto decoded = sifkit::sif::base64_decode(text)) {
        if (sifkit::sif::base64_decode(sifkit::sif::base64_encode(*decoded)) != decoded) {
            __builtin_trap();
        }
    }
    return 0;
}
