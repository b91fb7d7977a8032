// Interrupted updates: a storage that fails its Nth write or truncate, for every N until the
// update succeeds. After each failure the file must still load, and its objects must be exactly
// those before the update or exactly those after it.
#include <functional>
#include <memory>
#include <tuple>

#include <catch2/catch.hpp>

#include "sifkit/sif/image.hpp"
#include "support.hpp"

using namespace sifkit;
using namespace sifkit::sif;
using namespace sifkit::test;

namespace {

// How a storage fails: only the Nth modifying call (a transient error), or the Nth and every
// later one (a dead disk: the clean-up after the error fails as well).
enum class FailMode { once, sticky };

class FailingStorage final : public Storage {
  public:
    FailingStorage(std::unique_ptr<Storage> inner, std::size_t fail_at, FailMode mode)
        : inner_(std::move(inner)), fail_at_(fail_at), mode_(mode) {}

    const std::string& name() const override { return inner_->name(); }
    std::uint64_t size() override { return inner_->size(); }
    std::size_t read_at(std::uint64_t offset, std::span<std::byte> data) override {
        return inner_->read_at(offset, data);
    }
    void write_at(std::uint64_t offset, std::span<const std::byte> data) override {
        maybe_fail("write");
        inner_->write_at(offset, data);
    }
    void truncate(std::uint64_t size) override {
        maybe_fail("truncate");
        inner_->truncate(size);
    }
    void sync() override { inner_->sync(); }
    int native_handle() const noexcept override { return inner_->native_handle(); }

  private:
    void maybe_fail(const char* what) {
        const std::size_t call = calls_++;
        if (call == fail_at_ || (mode_ == FailMode::sticky && call > fail_at_)) {
            throw Error(ErrorKind::io, std::string("injected ") + what + " failure", name());
        }
    }

    std::unique_ptr<Storage> inner_;
    std::size_t fail_at_;
    FailMode mode_;
    std::size_t calls_ = 0;
};

struct ObjectState {
    std::uint32_t id;
    std::int32_t data_type;
    std::int64_t size;
    std::uint32_t group_raw;
    std::uint32_t link_raw;
    std::string name;
    std::array<std::byte, kExtraSize> extra;
    Bytes data;

    friend bool operator==(const ObjectState&, const ObjectState&) = default;
};

using State = std::vector<ObjectState>;

// The objects of the image at `path`, opened read-only (this must succeed).
State snapshot(const std::filesystem::path& path) {
    const Image image = Image::open(path);
    State state;
    for (const Descriptor& d : image.objects()) {
        state.push_back(ObjectState{d.id, d.data_type, d.size, d.group_raw, d.link_raw,
                                    d.name_text(), d.extra, object_bytes(image, d)});
    }
    std::sort(state.begin(), state.end(),
              [](const ObjectState& a, const ObjectState& b) { return a.id < b.id; });
    return state;
}

std::string describe(const State& state) {
    std::string out;
    for (const ObjectState& o : state) {
        out += "[id " + std::to_string(o.id) + " type " + std::to_string(o.data_type) + " size " +
               std::to_string(o.size) + "]";
    }
    return out;
}

using Operation = std::function<void(Image&)>;

// Runs `operation` on copies of `base` with a storage failing at call 0, 1, 2... until it
// succeeds; checks the file after every attempt. Returns the number of failing attempts.
std::size_t run_with_faults(const TempDir& dir, const std::filesystem::path& base,
                            const Operation& operation, FailMode mode) {
    const State before = snapshot(base);
    const auto reference = dir / "reference.sif";
    std::filesystem::copy_file(base, reference, std::filesystem::copy_options::overwrite_existing);
    {
        Image image = Image::open(reference, OpenMode::read_write);
        operation(image);
    }
    const State after = snapshot(reference);
    REQUIRE(after != before);

    const auto work = dir / "work.sif";
    for (std::size_t n = 0;; ++n) {
        REQUIRE(n < 64);
        std::filesystem::copy_file(base, work, std::filesystem::copy_options::overwrite_existing);
        bool succeeded = false;
        {
            auto storage = std::make_unique<FailingStorage>(
                FileStorage::open(work, OpenMode::read_write), n, mode);
            Image image = Image::open(std::move(storage), OpenMode::read_write);
            const auto e = error_of([&] { operation(image); });
            if (e) {
                CHECK(e->kind() == ErrorKind::io);
            }
            succeeded = !e;
        }
        INFO("failing call " << n << (mode == FailMode::once ? " (once)" : " (sticky)"));
        std::optional<State> state;
        const auto load_error = error_of([&] { state = snapshot(work); });
        if (load_error) {
            FAIL("image does not load after the failure: " << load_error->what());
        }
        INFO("before: " << describe(before));
        INFO("after: " << describe(after));
        INFO("found: " << describe(*state));
        CHECK((*state == before || *state == after));
        if (succeeded) {
            CHECK(*state == after);
            return n;
        }
    }
}

constexpr std::int64_t kTime = 1700000300;

// 1: deffile, 2: primary partition (amd64), 3: system partition (arm64), 4: generic (last).
std::filesystem::path make_base(const TempDir& dir) {
    const auto path = dir / "base.sif";
    Image image = create_image(path, fixed_options(6));
    add_text(image, spec_of(DataType::deffile), "Bootstrap: scratch\n");
    add_text(image, partition_spec(PartType::primary_system, "amd64"), std::string(3000, 'a'));
    add_text(image, partition_spec(PartType::system, "arm64"), std::string(2000, 'b'));
    add_text(image, spec_of(DataType::generic, "tail"), "tail bytes");
    return path;
}

void for_both_modes(const Operation& operation, std::size_t minimum_failures) {
    for (FailMode mode : {FailMode::once, FailMode::sticky}) {
        TempDir dir;
        const auto base = make_base(dir);
        const std::size_t failures = run_with_faults(dir, base, operation, mode);
        // Every write of the update was exercised.
        CHECK(failures >= minimum_failures);
    }
}

}  // namespace

TEST_CASE("interrupted add of a small object", "[fault]") {
    for_both_modes(
        [](Image& image) {
            ObjectSpec spec = spec_of(DataType::labels, "labels");
            add_text(image, spec, "{\"k\":\"v\"}", kTime);
        },
        4);
}

TEST_CASE("interrupted add of a partition", "[fault]") {
    for_both_modes(
        [](Image& image) {
            add_text(image, partition_spec(PartType::overlay, "amd64"), std::string(5000, 'o'),
                     kTime);
        },
        4);
}

TEST_CASE("interrupted plain delete", "[fault]") {
    for_both_modes([](Image& image) { image.remove(2, DeleteOptions{false, false, kTime}); }, 2);
}

TEST_CASE("interrupted zeroing delete", "[fault]") {
    for_both_modes([](Image& image) { image.remove(3, DeleteOptions{true, false, kTime}); }, 3);
}

TEST_CASE("interrupted compacting delete", "[fault]") {
    for_both_modes([](Image& image) { image.remove(4, DeleteOptions{true, true, kTime}); }, 4);
}

TEST_CASE("interrupted set_primary", "[fault]") {
    for_both_modes([](Image& image) { image.set_primary(3, UpdateOptions{kTime}); }, 2);
}
