// Temporary directories, whole-file I/O and SHA-256.
#include <openssl/evp.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "sifkit/test/support.hpp"

namespace sifkit::test {

TempDir::TempDir(std::string_view prefix) {
    const char* tmp = std::getenv("TMPDIR");
    std::filesystem::path base = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
    std::string pattern = (base / (std::string(prefix) + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
    }
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

namespace {

struct ProcessScratch {
    std::filesystem::path path;
    ~ProcessScratch() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
};

}  // namespace

const std::filesystem::path& process_scratch(std::string_view prefix) {
    static const ProcessScratch scratch = [&] {
        ProcessScratch made;
        made.path = std::filesystem::temp_directory_path() /
                    (std::string(prefix) + "-" + std::to_string(::getpid()));
        std::filesystem::remove_all(made.path);
        std::filesystem::create_directories(made.path);
        return made;
    }();
    return scratch.path;
}

RunResult make_oci_fixtures(const std::filesystem::path& dir) {
    const auto script = repo_root() / "tests" / "fixtures" / "oci" / "make-fixtures.py";
    return run({"python3", script.string(), dir.string()});
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot open " + path.string());
    }
    // Whole-stream reads through rdbuf(), not istreambuf_iterator: GCC 12 at -O2 reports a
    // potential null dereference inside libstdc++'s iterator loop, and this is also faster.
    std::ostringstream contents;
    contents << in.rdbuf();
    if (in.bad()) {
        throw std::runtime_error("cannot read " + path.string());
    }
    return std::move(contents).str();
}

void write_file(const std::filesystem::path& path, std::string_view data) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (!out) {
        throw std::runtime_error("cannot write " + path.string());
    }
}

void copy_file(const std::filesystem::path& from, const std::filesystem::path& to) {
    write_file(to, read_file(from));
}

std::string to_hex(const void* data, std::size_t size) {
    static constexpr char kDigits[] = "0123456789abcdef";
    const auto* bytes = static_cast<const unsigned char*>(data);
    std::string text;
    text.reserve(size * 2);
    for (std::size_t i = 0; i < size; ++i) {
        text += kDigits[bytes[i] >> 4U];
        text += kDigits[bytes[i] & 0x0FU];
    }
    return text;
}

std::string sha256_hex(std::string_view data) {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1 ||
        EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
        EVP_DigestFinal_ex(ctx.get(), digest, &length) != 1) {
        throw std::runtime_error("sha256 failed");
    }
    return to_hex(digest, length);
}

std::string sha256_file(const std::filesystem::path& path) {
    return sha256_hex(read_file(path));
}

}  // namespace sifkit::test
