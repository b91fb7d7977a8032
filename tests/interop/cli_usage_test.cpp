// Usage errors of the sifkit command, as an admin meets them: an unknown command or option names
// the word and suggests the close one, then shows the usage line of the command concerned;
// arguments are named as the help shows them; `help CMD` and `version` work as in siftool.
#include <catch2/catch.hpp>

#include "common.hpp"

using namespace interop;

namespace {

std::string image() {
    return (reference_images() / "one-group.sif").string();
}

// Exit 2, nothing on stdout, and exactly `first_line` then `usage_line` on stderr.
void check_usage_error(const std::vector<std::string>& args, const std::string& first_line,
                       const std::string& usage_line) {
    const auto r = run_sifkit(args);
    INFO(r.describe());
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err == first_line + "\n" + usage_line + "\n");
}

}  // namespace

TEST_CASE("unknown commands are named, with the closest command", "[cli][usage]") {
    const std::string root_usage = R"(Usage: sifkit [OPTIONS] COMMAND (see "sifkit --help"))";
    check_usage_error({"conver", "a", "b"},
                      R"(sifkit: unknown command "conver"; did you mean "convert"?)", root_usage);
    check_usage_error({"frobnicate", image()}, R"(sifkit: unknown command "frobnicate")",
                      root_usage);
    check_usage_error({"lst", image()},
                      R"(sifkit: unknown command "lst"; did you mean "list" or "ls"?)", root_usage);
    check_usage_error({}, "sifkit: a command is required", root_usage);
    check_usage_error({"--versio"},
                      R"(sifkit: unknown option "--versio"; did you mean "--version"?)",
                      root_usage);
    // Below a command group, and after `help`.
    check_usage_error({"key", "gen", "x"},
                      R"(sifkit: key: unknown command "gen"; did you mean "generate"?)",
                      R"(Usage: sifkit key [OPTIONS] COMMAND (see "sifkit key --help"))");
    check_usage_error({"help", "conver"},
                      R"(sifkit: unknown command "conver"; did you mean "convert"?)", root_usage);
}

TEST_CASE("help COMMAND prints the command's --help; version prints --version", "[cli][usage]") {
    const auto same_output = [](const std::vector<std::string>& a,
                                const std::vector<std::string>& b) {
        const auto ra = run_sifkit(a);
        const auto rb = run_sifkit(b);
        INFO(ra.describe() << "\n" << rb.describe());
        CHECK(ra.exit_code == 0);
        CHECK(rb.exit_code == 0);
        CHECK(ra.err.empty());
        CHECK(!ra.out.empty());
        CHECK(ra.out == rb.out);
    };
    same_output({"help"}, {"--help"});
    same_output({"help", "convert"}, {"convert", "--help"});
    same_output({"help", "key", "generate"}, {"key", "generate", "--help"});
    same_output({"version"}, {"--version"});
    const auto r = run_sifkit({"version"});
    CHECK(r.out.starts_with("sifkit "));
    // Both are listed with the other commands.
    const auto help = run_sifkit({"--help"});
    CHECK(help.out.find("\n  help ") != std::string::npos);
    CHECK(help.out.find("\n  version ") != std::string::npos);
}

TEST_CASE("unknown options and extra arguments show the command's usage line", "[cli][usage]") {
    const std::string list_usage =
        R"(Usage: sifkit list [OPTIONS] SIF_PATH (see "sifkit list --help"))";
    check_usage_error({"list", image(), "--jsn"},
                      R"(sifkit: list: unknown option "--jsn"; did you mean "--json"?)",
                      list_usage);
    check_usage_error({"list", "--jsn=1", image()},
                      R"(sifkit: list: unknown option "--jsn"; did you mean "--json"?)",
                      list_usage);
    check_usage_error({"list", "--bogus", image()}, R"(sifkit: list: unknown option "--bogus")",
                      list_usage);
    check_usage_error({"list", image(), "extra"}, R"(sifkit: list: unexpected argument "extra")",
                      list_usage);
    check_usage_error({"list", "--jsn"},
                      R"(sifkit: list: unknown option "--jsn"; did you mean "--json"?)",
                      list_usage);
    check_usage_error({"verify", image(), "--key"}, "sifkit: verify: --key needs a value",
                      R"(Usage: sifkit verify [OPTIONS] SIF_PATH (see "sifkit verify --help"))");
    check_usage_error({"key", "generate", "k", "--typ", "ed25519"},
                      R"(sifkit: key generate: unknown option "--typ"; did you mean "--type"?)",
                      R"(Usage: sifkit key generate [OPTIONS] [NAME] )"
                      R"((see "sifkit key generate --help"))");
}

TEST_CASE("missing and malformed arguments are named as the help names them", "[cli][usage]") {
    const std::string info_usage =
        R"(Usage: sifkit info [OPTIONS] ID SIF_PATH (see "sifkit info --help"))";
    check_usage_error({"info", "1"}, "sifkit: info: SIF_PATH is required", info_usage);
    check_usage_error({"info", "x", image()}, R"(sifkit: info: ID "x" is not a number)",
                      info_usage);
    check_usage_error({"info", "99999999999", image()},
                      R"(sifkit: info: ID "99999999999" is too large)", info_usage);
    check_usage_error({"new", "--capacity", "many", "x.sif"},
                      R"(sifkit: new: --capacity "many" is not a number)",
                      R"(Usage: sifkit new [OPTIONS] SIF_PATH (see "sifkit new --help"))");
    // The help lists the positionals under the same names.
    const auto help = run_sifkit({"info", "--help"});
    CHECK(help.out.find("Usage: sifkit info [OPTIONS] ID SIF_PATH\n") != std::string::npos);
}
