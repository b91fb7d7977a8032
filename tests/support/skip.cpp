// The skip policy of suites that need external tools: skip visibly on a developer machine,
// fail under CI.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "sifkit/test/support.hpp"

namespace sifkit::test {

bool running_in_ci() {
    const char* ci = std::getenv("CI");
    return ci != nullptr && std::strcmp(ci, "true") == 0;
}

std::optional<int> apply_skip_policy(const std::string& suite,
                                     const std::vector<std::string>& missing) {
    if (missing.empty()) {
        return std::nullopt;
    }
    std::string why;
    for (const auto& item : missing) {
        if (!why.empty()) {
            why += "; ";
        }
        why += item;
    }
    if (running_in_ci()) {
        std::fprintf(stderr, "FAILED: %s: missing under CI=true: %s\n", suite.c_str(), why.c_str());
        return 1;
    }
    std::fprintf(stdout, "SKIPPED: %s: %s\n", suite.c_str(), why.c_str());
    std::fflush(stdout);
    return kSkipExitCode;
}

}  // namespace sifkit::test
