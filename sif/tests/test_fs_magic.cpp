// File system magic checks of partitions: what each declared type must start with, and the
// checking source that refuses other bytes before Image::add writes any of them.
#include <algorithm>
#include <catch2/catch.hpp>

#include "sifkit/sif/fs_magic.hpp"
#include "sifkit/sif/image.hpp"
#include "support.hpp"

using namespace sifkit;
using namespace sifkit::sif;
using namespace sifkit::test;

namespace {

Bytes ext3_superblock() {
    Bytes bytes(2048);
    put_le<std::uint16_t>(bytes, 1080, 0xEF53);
    return bytes;
}

Bytes squashfs_like(std::size_t size) {
    Bytes bytes(size);
    for (std::size_t i = 0; i < size; ++i) {
        bytes[i] = static_cast<std::byte>(i * 7 % 251);
    }
    const Bytes magic = bytes_of("hsqs");
    std::copy(magic.begin(), magic.end(), bytes.begin());
    return bytes;
}

// Delivers at most `step` bytes per read, as a pipe may; counts the reads.
class TrickleSource final : public ByteSource {
  public:
    TrickleSource(std::span<const std::byte> data, std::size_t step) : data_(data), step_(step) {}
    std::size_t read(std::span<std::byte> data) override {
        ++reads;
        const std::size_t n = std::min({data.size(), step_, data_.size() - position_});
        std::copy_n(data_.begin() + static_cast<std::ptrdiff_t>(position_), n, data.begin());
        position_ += n;
        return n;
    }
    const std::string& name() const override { return name_; }
    std::size_t reads = 0;

  private:
    std::span<const std::byte> data_;
    std::size_t step_;
    std::size_t position_ = 0;
    std::string name_ = "trickle.bin";
};

Bytes drain(ByteSource& source, std::size_t chunk) {
    Bytes out;
    Bytes buffer(chunk);
    for (std::size_t n = source.read(buffer); n > 0; n = source.read(buffer)) {
        out.insert(out.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
    }
    return out;
}

ObjectSpec partition_of(FsType fs) {
    ObjectSpec spec = partition_spec(PartType::data);
    spec.extra = PartitionInfo{fs, PartType::data, *Arch::from_go_name("amd64")};
    return spec;
}

}  // namespace

TEST_CASE("each file system type's magic, where it has one", "[fsmagic]") {
    CHECK_FALSE(fs_magic_mismatch(FsType::squashfs, squashfs_like(96)));
    CHECK_FALSE(fs_magic_mismatch(FsType::squashfs, bytes_of("hsqs")));
    CHECK_FALSE(fs_magic_mismatch(FsType::ext3, ext3_superblock()));
    CHECK_FALSE(fs_magic_mismatch(FsType::encrypted_squashfs, bytes_of("LUKS\xBA\xBE")));

    const std::string no_hsqs = "not a squashfs file system (no \"hsqs\" magic at offset 0)";
    CHECK(fs_magic_mismatch(FsType::squashfs, bytes_of("[=====|] 3/3 100%\n")) == no_hsqs);
    CHECK(fs_magic_mismatch(FsType::squashfs, bytes_of("hsq")) == no_hsqs);
    CHECK(fs_magic_mismatch(FsType::squashfs, Bytes{}) == no_hsqs);
    CHECK(fs_magic_mismatch(FsType::squashfs, ext3_superblock()) == no_hsqs);
    // Squashfs is little-endian only: the big-endian magic of squashfs 3 is not it.
    CHECK(fs_magic_mismatch(FsType::squashfs, bytes_of("sqsh")) == no_hsqs);

    const std::string no_ef53 = "not an ext3 file system (no 0xEF53 magic at offset 1080)";
    CHECK(fs_magic_mismatch(FsType::ext3, squashfs_like(4096)) == no_ef53);
    Bytes cut = ext3_superblock();
    cut.resize(1081);
    CHECK(fs_magic_mismatch(FsType::ext3, cut) == no_ef53);
    Bytes big_endian(2048);
    put_le<std::uint16_t>(big_endian, 1080, 0x53EF);
    CHECK(fs_magic_mismatch(FsType::ext3, big_endian) == no_ef53);

    CHECK(fs_magic_mismatch(FsType::encrypted_squashfs, squashfs_like(64)) ==
          "not an encrypted squashfs file system (no LUKS magic at offset 0)");

    // Raw data, immutable objects and codes outside the table have nothing to check.
    for (const FsType other : {FsType::raw, FsType::immutable_object, static_cast<FsType>(9)}) {
        CHECK_FALSE(fs_magic_mismatch(other, bytes_of("anything")));
        CHECK_FALSE(fs_magic_mismatch(other, Bytes{}));
    }
}

TEST_CASE("the checking source passes every byte on, however the input trickles in", "[fsmagic]") {
    const Bytes data = squashfs_like(3 * 1024 * 1024 + 17);
    for (const std::size_t step : {std::size_t{1}, std::size_t{7}, std::size_t{4096}}) {
        for (const std::size_t chunk : {std::size_t{3}, std::size_t{1000}, std::size_t{1 << 20}}) {
            if (step == 1 && chunk != 1000) {
                continue;  // a byte at a time is slow; one chunk size shows it
            }
            INFO("step " << step << ", chunk " << chunk);
            TrickleSource inner(data, step);
            FsMagicCheckedSource checked(inner, FsType::squashfs, "--partfs 1");
            CHECK(checked.name() == "trickle.bin");
            CHECK(drain(checked, chunk) == data);
        }
    }
    // Shorter than the window, and empty for types without a magic.
    const Bytes small = squashfs_like(10);
    TrickleSource short_inner(small, 3);
    FsMagicCheckedSource short_checked(short_inner, FsType::squashfs);
    CHECK(drain(short_checked, 4) == small);
    TrickleSource empty_inner(Bytes{}, 3);
    FsMagicCheckedSource empty_raw(empty_inner, FsType::raw);
    CHECK(drain(empty_raw, 4).empty());
    // Without a magic nothing is read ahead.
    const Bytes text = bytes_of("raw bytes");
    TrickleSource raw_inner(text, 4);
    FsMagicCheckedSource raw(raw_inner, FsType::raw);
    raw.check();
    CHECK(raw_inner.reads == 0);
    CHECK(drain(raw, 100) == text);
}

TEST_CASE("a partition without its declared magic is refused and the image is unchanged",
          "[fsmagic][add][refuse]") {
    TempDir dir;
    const auto path = dir / "magic.sif";
    {
        Image image = create_image(path, fixed_options(4));
        add_text(image, spec_of(DataType::deffile), "Bootstrap: scratch\n");
    }
    const Bytes before = read_file(path);
    {
        Image image = Image::open(path, OpenMode::read_write);
        const Bytes progress_bar = bytes_of("[=========|] 3/3 100%\n");
        const Bytes ext3 = ext3_superblock();
        const struct {
            FsType fs;
            std::span<const std::byte> data;
            std::string detail;
        } cases[] = {
            {FsType::squashfs, progress_bar,
             "not a squashfs file system (no \"hsqs\" magic at offset 0), but --partfs 1 "
             "declares squashfs"},
            {FsType::squashfs, ext3,
             "not a squashfs file system (no \"hsqs\" magic at offset 0), but --partfs 1 "
             "declares squashfs"},
            {FsType::ext3, progress_bar,
             "not an ext3 file system (no 0xEF53 magic at offset 1080), but --partfs 2 declares "
             "ext3"},
            {FsType::encrypted_squashfs, progress_bar,
             "not an encrypted squashfs file system (no LUKS magic at offset 0), but --partfs 5 "
             "declares encrypted squashfs"},
        };
        for (const auto& c : cases) {
            INFO(c.detail);
            TrickleSource inner(c.data, 5);
            FsMagicCheckedSource checked(inner, c.fs,
                                         "--partfs " + std::to_string(static_cast<int>(c.fs)));
            const auto e = error_of([&] { image.add(partition_of(c.fs), checked); });
            REQUIRE(e);
            CHECK(e->kind() == ErrorKind::invalid_input);
            CHECK(e->file() == "trickle.bin");
            CHECK(e->detail() == c.detail);
            CHECK(image.object_count() == 1);
        }
        // The default names the descriptor as the declaration.
        TrickleSource inner(progress_bar, 5);
        FsMagicCheckedSource checked(inner, FsType::squashfs);
        const auto e = error_of([&] { image.add(partition_of(FsType::squashfs), checked); });
        REQUIRE(e);
        CHECK(e->detail().ends_with(", but the partition descriptor declares squashfs"));
    }
    CHECK(read_file(path) == before);

    // The image still takes objects, and the right bytes go in whole.
    {
        Image image = Image::open(path, OpenMode::read_write);
        const Bytes data = squashfs_like(10000);
        TrickleSource inner(data, 333);
        FsMagicCheckedSource checked(inner, FsType::squashfs);
        const Descriptor d = image.add(partition_of(FsType::squashfs), checked);
        CHECK(d.id == 2);
        CHECK(object_bytes(image, d) == data);
        const Bytes ext3 = ext3_superblock();
        TrickleSource ext3_inner(ext3, 100);
        FsMagicCheckedSource ext3_checked(ext3_inner, FsType::ext3);
        CHECK(object_bytes(image, image.add(partition_of(FsType::ext3), ext3_checked)) == ext3);
    }
    CHECK(Image::open(path).object_count() == 3);
}
