// Interrupted updates: a storage that fails the Nth write_at/truncate, for every N until the
// update succeeds. Whatever is left on disk must still load in the reference (siftool list,
// sifcheck dump) and in our library, and a replaced object (an OCI-SIF's root index, which
// cosign signing swaps) must be there exactly once: old or new, never both or neither.
#include <catch2/catch.hpp>
#include <functional>

#include "common.hpp"
#include "sifkit/oci/oci_sif_objects.hpp"
#include "sifkit/oci2sif/cosign_signature.hpp"
#include "sifkit/rootfs/oci_sif.hpp"

using namespace interop;

namespace {

enum class FailMode {
    crash,  // the Nth write and every later one fail: nothing reaches the disk after a crash
    once,   // only the Nth write fails (a transient error the library must recover from)
};

class FailingStorage final : public sif::Storage {
  public:
    // `failed` outlives the storage (the image owns the storage and is gone by the time the
    // caller looks at the error), so the failure is recorded there.
    FailingStorage(std::unique_ptr<sif::Storage> inner, int fail_at, FailMode mode, bool& failed)
        : inner_(std::move(inner)), fail_at_(fail_at), mode_(mode), failed_(failed) {}

    const std::string& name() const override { return inner_->name(); }
    std::uint64_t size() override { return inner_->size(); }
    std::size_t read_at(std::uint64_t offset, std::span<std::byte> data) override {
        return inner_->read_at(offset, data);
    }
    void write_at(std::uint64_t offset, std::span<const std::byte> data) override {
        fail_if_due("write");
        inner_->write_at(offset, data);
    }
    void truncate(std::uint64_t size) override {
        fail_if_due("truncate");
        inner_->truncate(size);
    }
    void sync() override { inner_->sync(); }
    int native_handle() const noexcept override { return -1; }  // no zero-copy bypass

  private:
    void fail_if_due(const char* what) {
        ++calls_;
        if (calls_ == fail_at_ || (mode_ == FailMode::crash && calls_ > fail_at_)) {
            failed_ = true;
            throw sifkit::Error(
                sifkit::ErrorKind::io,
                std::string("injected failure of ") + what + " #" + std::to_string(calls_),
                inner_->name());
        }
    }

    std::unique_ptr<sif::Storage> inner_;
    int fail_at_;
    FailMode mode_;
    int calls_ = 0;
    bool& failed_;
};

void check_loads_everywhere(const fs::path& path, const std::string& what) {
    INFO(what);
    const auto listed = run_siftool({"list", path.string()});
    INFO(listed.describe());
    CHECK(listed.exit_code == 0);
    const auto dumped = run_sifcheck({"dump", path.string()});
    INFO(dumped.describe());
    CHECK(dumped.exit_code == 0);
    try {
        const auto image = sif::Image::open(path);
        if (dumped.exit_code == 0) {
            check_against_dump(image, json::parse(dumped.out), what);
        }
    } catch (const sifkit::Error& e) {
        FAIL("our library refuses the image: " << e.what());
    }
}

// Runs `update` against a fresh copy of `base` for N = 1, 2, ... until it succeeds; `check`
// looks further at what each attempt left (after the loads above), told whether it failed.
void for_every_failure_point(
    const fs::path& base, const std::string& what, FailMode mode,
    const std::function<void(sif::Image&)>& update,
    const std::function<void(const fs::path&, bool failed)>& check = nullptr) {
    sifkit::test::TempDir dir;
    const auto path = dir / "image.sif";
    for (int n = 1; n < 200; ++n) {
        sifkit::test::copy_file(base, path);
        bool failed = false;
        {
            auto storage = std::make_unique<FailingStorage>(
                sif::FileStorage::open(path, sif::OpenMode::read_write), n, mode, failed);
            try {
                auto image = sif::Image::open(std::move(storage), sif::OpenMode::read_write);
                update(image);
            } catch (const sifkit::Error& e) {
                INFO(what << " N=" << n << ": " << e.what());
                CHECK(failed);  // the only error must be the injected one
            }
        }
        check_loads_everywhere(path, what + " interrupted at write " + std::to_string(n));
        if (check) {
            INFO(what << " interrupted at write " << n);
            check(path, failed);
        }
        if (!failed) {
            SUCCEED(what << " succeeded after " << n - 1 << " failure points");
            return;
        }
    }
    FAIL(what << ": never succeeded");
}

fs::path make_base(const fs::path& dir) {
    const auto path = dir / "base.sif";
    auto image = create_image(path, sif::CreateOptions::deterministic());
    sif::ObjectSpec def;
    def.type = sif::DataType::deffile;
    add_bytes(image, def, "bootstrap: scratch\n", unset_time());
    sif::ObjectSpec primary;
    primary.type = sif::DataType::partition;
    primary.extra = partition(sif::FsType::squashfs, sif::PartType::primary_system, "amd64");
    add_bytes(image, primary, std::string(5000, 'p'), unset_time());
    sif::ObjectSpec system = primary;
    system.extra = partition(sif::FsType::raw, sif::PartType::system, "arm64");
    add_bytes(image, system, std::string(3000, 's'), unset_time());
    sif::ObjectSpec blob;
    blob.type = sif::DataType::generic;
    add_bytes(image, blob, std::string(100000, 'g'), unset_time());
    return path;
}

}  // namespace

TEST_CASE("interrupted updates leave images every reader accepts", "[interrupt][oracle]") {
    sifkit::test::TempDir dir;
    const auto base = make_base(dir.path());
    check_loads_everywhere(base, "base");
    const std::string big(300000, 'b');

    for (const auto mode : {FailMode::crash, FailMode::once}) {
        const std::string m = mode == FailMode::crash ? "crash" : "once";
        for_every_failure_point(base, m + " add generic", mode, [&](sif::Image& image) {
            sif::ObjectSpec spec;
            spec.type = sif::DataType::generic;
            spec.name = "big";
            add_bytes(image, spec, big, unset_time());
        });
        for_every_failure_point(base, m + " add aligned partition", mode, [&](sif::Image& image) {
            sif::ObjectSpec spec;
            spec.type = sif::DataType::partition;
            spec.extra = partition(sif::FsType::ext3, sif::PartType::overlay, "amd64");
            add_bytes(image, spec, std::string(10000, 'o'), unset_time());
        });
        for_every_failure_point(base, m + " add via writer", mode, [&](sif::Image& image) {
            sif::ObjectSpec spec;
            spec.type = sif::DataType::generic;
            auto writer = image.begin_object(spec, unset_time());
            const std::string chunk(70000, 'w');
            for (int i = 0; i < 3; ++i) {
                writer.write(std::as_bytes(std::span<const char>(chunk.data(), chunk.size())));
            }
            writer.write_at(0, std::as_bytes(std::span<const char>("HEAD", 4)));
            writer.commit();
        });
        for_every_failure_point(base, m + " remove", mode, [](sif::Image& image) {
            image.remove(2, {false, false, {}});
        });
        for_every_failure_point(base, m + " remove zero", mode, [](sif::Image& image) {
            image.remove(3, {true, false, {}});
        });
        for_every_failure_point(base, m + " remove compact", mode, [](sif::Image& image) {
            image.remove(4, {true, true, {}});
        });
        for_every_failure_point(base, m + " set_primary", mode,
                                [](sif::Image& image) { image.set_primary(3, unset_time()); });
        for_every_failure_point(
            base, m + " replace", mode,
            [](sif::Image& image) {
                sif::ObjectSpec spec;
                spec.type = sif::DataType::deffile;
                sif::MemorySource source(std::string_view("bootstrap: docker\n"));
                image.replace(1, spec, source, unset_time());
            },
            [](const fs::path& path, bool failed) {
                const auto image = sif::Image::open(path);
                const auto objects = image.objects();
                const auto deffiles = std::count_if(objects.begin(), objects.end(), [](auto& d) {
                    return d.type() == sif::DataType::deffile;
                });
                REQUIRE(deffiles == 1);
                const auto& deffile = *image.first_of(sif::DataType::deffile);
                const std::string text = object_bytes(image, deffile);
                CHECK((text == "bootstrap: scratch\n" || text == "bootstrap: docker\n"));
                if (!failed) {
                    CHECK(text == "bootstrap: docker\n");
                }
            });
    }
}

TEST_CASE("interrupted cosign signing leaves an OCI-SIF with one root index, old or new",
          "[interrupt][oracle]") {
    sifkit::test::TempDir dir;
    const auto rootfs = dir / "rootfs";
    fs::create_directories(rootfs);
    sifkit::test::write_file(rootfs / "hello", "hello\n");
    const auto base = dir / "base.oci.sif";
    const auto converted = run_sifkit(
        {"convert", "--quiet", "--format", "oci-sif", "dir:" + rootfs.string(), base.string()});
    INFO(converted.describe());
    REQUIRE(converted.exit_code == 0);
    const auto unsigned_image = sifkit::rootfs::read_oci_sif(sif::Image::open(base));
    const std::string digest = unsigned_image.manifest.digest;
    // The bytes of a signature do not matter here: appending them is what may be interrupted.
    const std::vector<sifkit::oci2sif::CosignLayer> layers{
        {R"({"critical":{"image":{"docker-manifest-digest":")" + digest + R"("}}})",
         "MEUCIQplaceholder"}};

    for (const auto mode : {FailMode::crash, FailMode::once}) {
        const std::string m = mode == FailMode::crash ? "crash" : "once";
        for_every_failure_point(
            base, m + " cosign signing", mode,
            [&](sif::Image& image) {
                sifkit::oci2sif::append_cosign_signatures(image, digest, layers, unset_time().time);
            },
            [&](const fs::path& path, bool failed) {
                const auto image = sif::Image::open(path);
                // One root index (find_root_index refuses two), naming the same image.
                REQUIRE(sifkit::oci::find_root_index(image) != nullptr);
                const auto read = sifkit::rootfs::read_oci_sif(image);
                CHECK(read.manifest.digest == digest);
                const auto signatures = sifkit::rootfs::read_cosign_signatures(image, read);
                if (!failed) {
                    REQUIRE(signatures.size() == 1);
                    CHECK(signatures[0].signature == "MEUCIQplaceholder");
                } else {
                    CHECK(signatures.size() <= 1);
                }
            });
    }
}
