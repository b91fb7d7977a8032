#include "gpg.hpp"

#include <catch2/catch.hpp>
#include <filesystem>

namespace interop {

GpgHome::GpgHome() {
    std::filesystem::permissions(dir_.path(), std::filesystem::perms::owner_all);
}

std::string GpgHome::gpg(const std::vector<std::string>& args,
                         const std::optional<std::string>& input) const {
    std::vector<std::string> argv{"gpg",      "--batch",      "--quiet", "--pinentry-mode",
                                  "loopback", "--passphrase", ""};
    argv.insert(argv.end(), args.begin(), args.end());
    sifkit::test::RunOptions options;
    options.env = {"GNUPGHOME=" + dir_.path().string()};
    options.stdin_data = input;
    const auto result = sifkit::test::run(argv, options);
    INFO(result.describe());
    REQUIRE(result.exit_code == 0);
    return result.out;
}

void GpgHome::generate(const std::string& user_id, const std::string& algorithm) const {
    gpg({"--quick-gen-key", user_id, algorithm, "sign", "never"});
}

void GpgHome::import(const std::string& armored_file) const {
    gpg({"--import", armored_file});
}

std::string GpgHome::export_public(const std::string& user_id) const {
    return gpg({"--armor", "--export", user_id});
}

std::string GpgHome::export_secret(const std::string& user_id) const {
    return gpg({"--armor", "--export-secret-keys", user_id});
}

std::string GpgHome::write(const std::string& name, const std::string& text) const {
    const auto path = dir_ / name;
    sifkit::test::write_file(path, text);
    return path.string();
}

}  // namespace interop
