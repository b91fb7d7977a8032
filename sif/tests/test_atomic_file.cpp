// AtomicFile: outputs appear whole, with their mode, or not at all.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "sifkit/sif/atomic_file.hpp"
#include "sifkit/sif/image.hpp"
#include "support.hpp"

using namespace sifkit;
using namespace sifkit::sif;
using namespace sifkit::test;

namespace {

std::vector<std::string> entries(const std::filesystem::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

mode_t umask_now() {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    return mask;
}

mode_t mode_of(const std::filesystem::path& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

void write_text(AtomicFile& file, std::string_view text) {
    file.storage()->write_at(0, bytes_of(text));
}

}  // namespace

TEST_CASE("commit renames the temporary file into place with the mode", "[atomic]") {
    TempDir dir;
    const auto dest = dir / "out.sif";
    {
        AtomicFile file(dest, AtomicFile::Overwrite::refuse, 0750);
        CHECK(file.destination() == dest);
        CHECK(file.temporary_path().parent_path() == dir.path());
        CHECK(std::filesystem::exists(file.temporary_path()));
        CHECK_FALSE(std::filesystem::exists(dest));
        write_text(file, "payload");
        file.commit();
        CHECK_FALSE(std::filesystem::exists(file.temporary_path()));
        file.commit();  // a second commit is harmless
    }
    CHECK(entries(dir.path()) == std::vector<std::string>{"out.sif"});
    CHECK(read_file(dest) == bytes_of("payload"));
    CHECK(mode_of(dest) == (0750 & ~umask_now()));
}

TEST_CASE("an image can be created through an AtomicFile", "[atomic]") {
    TempDir dir;
    const auto dest = dir / "new.sif";
    {
        AtomicFile file(dest, AtomicFile::Overwrite::refuse, 0755);
        Image image = Image::create(file.storage(), fixed_options(2));
        add_text(image, spec_of(DataType::generic), "abc");
        CHECK(image.name() == dest.string());
        file.commit();
    }
    const Image image = Image::open(dest);
    CHECK(object_bytes(image, image.object(1)) == bytes_of("abc"));
    CHECK(mode_of(dest) == (0755 & ~umask_now()));
}

TEST_CASE("destruction without commit leaves nothing behind", "[atomic]") {
    TempDir dir;
    const auto dest = dir / "out.sif";
    std::filesystem::path temporary;
    {
        AtomicFile file(dest, AtomicFile::Overwrite::replace);
        temporary = file.temporary_path();
        write_text(file, "half");
        CHECK(entries(dir.path()).size() == 1);
    }
    CHECK_FALSE(std::filesystem::exists(temporary));
    CHECK(entries(dir.path()).empty());
}

TEST_CASE("Overwrite::refuse refuses an existing destination at construction", "[atomic]") {
    TempDir dir;
    const auto dest = dir / "out.sif";
    write_file(dest, bytes_of("original"));
    const auto e = error_of([&] { AtomicFile file(dest, AtomicFile::Overwrite::refuse); });
    REQUIRE(e);
    CHECK(e->kind() == ErrorKind::conflict);
    CHECK(e->file() == dest.string());
    CHECK(read_file(dest) == bytes_of("original"));
    CHECK(entries(dir.path()) == std::vector<std::string>{"out.sif"});
}

TEST_CASE("Overwrite::refuse refuses a destination that appears before commit", "[atomic]") {
    TempDir dir;
    const auto dest = dir / "out.sif";
    {
        AtomicFile file(dest, AtomicFile::Overwrite::refuse);
        write_text(file, "mine");
        write_file(dest, bytes_of("theirs"));
        const auto e = error_of([&] { file.commit(); });
        REQUIRE(e);
        CHECK(e->kind() == ErrorKind::conflict);
    }
    CHECK(read_file(dest) == bytes_of("theirs"));
    CHECK(entries(dir.path()) == std::vector<std::string>{"out.sif"});
}

TEST_CASE("Overwrite::replace replaces an existing destination", "[atomic]") {
    TempDir dir;
    const auto dest = dir / "out.sif";
    write_file(dest, bytes_of("original"));
    {
        AtomicFile file(dest, AtomicFile::Overwrite::replace, 0600);
        write_text(file, "new");
        file.commit();
    }
    CHECK(read_file(dest) == bytes_of("new"));
    CHECK(mode_of(dest) == 0600);
    CHECK(entries(dir.path()) == std::vector<std::string>{"out.sif"});
}

TEST_CASE("a directory as destination is refused", "[atomic]") {
    TempDir dir;
    std::filesystem::create_directory(dir / "sub");
    auto e = error_of([&] { AtomicFile file(dir / "sub", AtomicFile::Overwrite::replace); });
    REQUIRE(e);
    CHECK(e->kind() == ErrorKind::conflict);
    e = error_of([&] { AtomicFile file(dir.path() / "", AtomicFile::Overwrite::replace); });
    REQUIRE(e);
    CHECK(e->kind() == ErrorKind::usage);
}

TEST_CASE("atomic_output_path drops trailing slashes and refuses what a rename cannot replace",
          "[atomic]") {
    CHECK(atomic_output_path("rootfs") == "rootfs");
    CHECK(atomic_output_path("rootfs/") == "rootfs");
    CHECK(atomic_output_path("out/rootfs//") == "out/rootfs");
    CHECK(atomic_output_path("/srv/images/app.sif") == "/srv/images/app.sif");
    CHECK(atomic_output_path("./rootfs") == "./rootfs");
    CHECK(atomic_output_path("../rootfs/") == "../rootfs");
    CHECK(atomic_output_path(".rootfs") == ".rootfs");
    CHECK(atomic_output_path("...") == "...");
    for (const std::string refused :
         {"", "/", "//", ".", "./", "..", "../", "sub/.", "sub/./", "sub/..", "/tmp/..", "/."}) {
        INFO("'" << refused << "'");
        const auto e = error_of([&] { atomic_output_path(refused); });
        REQUIRE(e);
        CHECK(e->kind() == ErrorKind::usage);
        CHECK(e->file() == refused);
        CHECK(std::string(e->what()).find('\n') == std::string::npos);
    }
}

TEST_CASE("AtomicFile refuses ., .. and / before creating anything", "[atomic]") {
    TempDir dir;
    std::filesystem::create_directory(dir / "sub");
    for (const auto& refused : {dir / ".", dir / "sub" / "..", dir.path() / "sub/./"}) {
        INFO(refused);
        const auto e = error_of([&] { AtomicFile file(refused, AtomicFile::Overwrite::replace); });
        REQUIRE(e);
        CHECK(e->kind() == ErrorKind::usage);
    }
    CHECK(entries(dir.path()) == std::vector<std::string>{"sub"});
    CHECK(entries(dir / "sub").empty());
    const auto e = error_of([&] { AtomicFile file("/", AtomicFile::Overwrite::refuse); });
    REQUIRE(e);
    CHECK(e->kind() == ErrorKind::usage);
}
