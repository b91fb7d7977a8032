// FileStorage's update lock: another process finds it taken (and sifkit there waits), while this
// process gets an immediate conflict for a second read-write open (flock would make it wait on
// itself forever).
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdlib>

#include "sifkit/sif/image.hpp"
#include "sifkit/sif/storage.hpp"
#include "support.hpp"

using namespace sifkit;
using namespace sifkit::sif;
using namespace sifkit::test;

TEST_CASE("a second read-write open in one process is a conflict, not a wait") {
    TempDir dir;
    const auto path = dir / "image.sif";
    const auto link = dir / "same-inode.sif";
    create_image(path, fixed_options());
    std::filesystem::create_hard_link(path, link);
    {
        auto first = FileStorage::open(path, OpenMode::read_write);
        for (const auto& again : {path, link}) {
            const auto error = error_of([&] { FileStorage::open(again, OpenMode::read_write); });
            REQUIRE(error);
            CHECK(error->kind() == ErrorKind::conflict);
            CHECK(error->file() == again.string());
        }
        // Readers are never locked out.
        CHECK(Image::open(path).header().descriptors_total > 0);
    }
    // Closed: the lock and the claim are gone.
    auto reopened = FileStorage::open(link, OpenMode::read_write);
    CHECK(reopened->size() > 0);
}

TEST_CASE("another process finds the image locked until it is released") {
    TempDir dir;
    const auto path = dir / "image.sif";
    create_image(path, fixed_options());
    // util-linux flock(1) tries the same exclusive flock without waiting: 1 while we hold it.
    const std::string probe = "flock -n -E 3 '" + path.string() + "' true";
    auto held = FileStorage::open(path, OpenMode::read_write);
    const int busy = std::system(probe.c_str());
    CHECK((WIFEXITED(busy) && WEXITSTATUS(busy) == 3));
    held.reset();
    const int released = std::system(probe.c_str());
    CHECK((WIFEXITED(released) && WEXITSTATUS(released) == 0));
}
