// Library -> reference: the same create/add/delete/set-primary sequences run through our library
// and through the reference library (sifcheck) give byte-identical files, failures included.
#include <catch2/catch.hpp>

#include "common.hpp"

using namespace interop;
using sifkit::test::read_file;

namespace {

const char* const kArches[] = {"386",  "amd64",  "arm",    "arm64",    "ppc64", "ppc64le",
                               "mips", "mipsle", "mips64", "mips64le", "s390x", "riscv64"};

struct Generated {
    sif::ObjectSpec spec;
    std::string data;
    std::string oracle_spec;  // for sifcheck -obj
    bool primary = false;
};

class Scenario {
  public:
    Scenario(std::uint64_t seed, const fs::path& dir) : rng_(seed), dir_(dir) {}

    Generated object(const sif::Image* image, bool allow_primary) {
        Generated g;
        const int type = static_cast<int>(rng_.below(9)) + 1;
        g.spec.type = static_cast<sif::DataType>(0x4000 + type);
        const std::size_t sizes[] = {0, 1, 2, 7, 100, 585, 4095, 4096, 4097, 9000};
        g.data = rng_.bytes(sizes[rng_.below(std::size(sizes))]);
        const auto file = dir_ / ("obj" + std::to_string(counter_++));
        sifkit::test::write_file(file, g.data);
        std::string s = "type=" + std::to_string(type) + ",file=" + file.string();

        switch (rng_.below(4)) {
            case 0:
                break;  // library default group 1
            case 1:
                g.spec.group = 0;
                s += ",group=0";
                break;
            default: {
                const auto group = static_cast<std::uint32_t>(rng_.below(3) + 1);
                g.spec.group = group;
                s += ",group=" + std::to_string(group);
            }
        }
        const auto link_kind = rng_.below(4);
        if (link_kind == 1 && image != nullptr && image->object_count() > 0) {
            const auto objects = image->objects();
            const auto id = objects[rng_.below(objects.size())].id;
            g.spec.link = sif::Link::to_object(id);
            s += ",link=" + std::to_string(id);
        } else if (link_kind == 2) {
            const auto group = static_cast<std::uint32_t>(rng_.below(3) + 1);
            g.spec.link = sif::Link::to_group(group);
            s += ",linkgroup=" + std::to_string(group);
        }
        const std::optional<std::uint64_t> alignments[] = {std::nullopt, std::nullopt, 0,   8,
                                                           64,           512,          4096};
        g.spec.alignment = alignments[rng_.below(std::size(alignments))];
        if (g.data.empty()) {
            // An empty object aligned past the end is covered by its own test case below.
            g.spec.alignment = 0;
        }
        if (g.spec.alignment) {
            s += ",align=" + std::to_string(*g.spec.alignment);
        }
        if (rng_.below(3) != 0) {
            g.spec.name = "object-" + std::to_string(counter_) + ".bin";
            s += ",name=" + g.spec.name;
        }
        if (rng_.below(5) == 0) {
            g.spec.time = 1500000000 + static_cast<std::int64_t>(rng_.below(100000000));
            s += ",time=" + std::to_string(*g.spec.time);
        }
        switch (g.spec.type) {
            case sif::DataType::partition: {
                sif::PartitionInfo p;
                p.fs_type = static_cast<sif::FsType>(rng_.below(5) + 1);
                const sif::PartType parts[] = {sif::PartType::system, sif::PartType::data,
                                               sif::PartType::overlay, sif::PartType::system};
                p.part_type = parts[rng_.below(std::size(parts))];
                if (allow_primary && rng_.below(3) == 0) {
                    p.part_type = sif::PartType::primary_system;
                    g.primary = true;
                }
                const char* a = kArches[rng_.below(std::size(kArches))];
                p.arch = arch(a);
                g.spec.extra = p;
                s += ",fs=" + std::to_string(static_cast<int>(p.fs_type)) +
                     ",part=" + std::to_string(static_cast<int>(p.part_type)) + ",arch=" + a;
                break;
            }
            case sif::DataType::signature: {
                sif::SignatureInfo info;
                info.hash_type = static_cast<sif::HashType>(rng_.below(5) + 1);
                s += ",hash=" + std::to_string(static_cast<int>(info.hash_type));
                if (rng_.below(4) != 0) {
                    for (auto& b : info.fingerprint) {
                        b = static_cast<std::uint8_t>(rng_.next() & 0xFFU);
                    }
                    s += ",entity=" + sifkit::test::to_hex(info.fingerprint.data(), 20);
                }
                g.spec.extra = info;
                break;
            }
            case sif::DataType::crypto_message: {
                sif::CryptoMessageInfo info;
                info.format_type = static_cast<sif::FormatType>(rng_.below(2) + 1);
                info.message_type = rng_.below(2) == 0 ? sif::MessageType::clear_signature
                                                       : sif::MessageType::rsa_oaep;
                g.spec.extra = info;
                s += ",format=" + std::to_string(static_cast<int>(info.format_type)) +
                     ",message=" + std::to_string(static_cast<int>(info.message_type));
                break;
            }
            case sif::DataType::sbom: {
                const auto format = static_cast<sif::SbomFormat>(rng_.below(8) + 1);
                g.spec.extra = format;
                s += ",sbom=" + std::to_string(static_cast<int>(format));
                break;
            }
            default:
                break;
        }
        g.oracle_spec = s;
        return g;
    }

    Rng& rng() { return rng_; }

  private:
    Rng rng_;
    fs::path dir_;
    int counter_ = 0;
};

bool has_primary(const sif::Image& image) {
    return image.primary_partition() != nullptr;
}

void require_identical(const fs::path& ours, const fs::path& theirs, const std::string& step) {
    INFO(step);
    const auto a = read_file(ours);
    const auto b = read_file(theirs);
    REQUIRE(a.size() == b.size());
    std::size_t first = 0;
    while (first < a.size() && a[first] == b[first]) {
        ++first;
    }
    INFO("first difference at " << first);
    REQUIRE(first == a.size());
}

}  // namespace

TEST_CASE("library and sifcheck write identical images for random sequences", "[lib][oracle]") {
    for (std::uint64_t seed = 1; seed <= 24; ++seed) {
        DYNAMIC_SECTION("seed " << seed) {
            sifkit::test::TempDir dir;
            Scenario scenario(seed, dir.path());
            auto& rng = scenario.rng();
            const auto ours = dir / "ours.sif";
            const auto theirs = dir / "theirs.sif";

            // ---- create --------------------------------------------------------------
            auto options = sif::CreateOptions::deterministic();
            std::vector<std::string> create{"create", "-deterministic"};
            const std::int64_t capacities[] = {0, 6, 9, 48};
            const auto capacity = capacities[rng.below(std::size(capacities))];
            if (capacity > 0) {
                options.descriptor_capacity = capacity;
                create.push_back("-capacity=" + std::to_string(capacity));
            }
            if (rng.below(2) == 0) {
                options.launch_script = "#!/usr/bin/env run-singularity\n";
                create.push_back("-launch=#!/usr/bin/env run-singularity\\n");
            }
            if (rng.below(2) == 0) {
                options.id = sif::Uuid::parse("0f8b2f0e-6a57-4c2b-9c1d-3b0a5e6f7a81");
                create.push_back("-id=0f8b2f0e-6a57-4c2b-9c1d-3b0a5e6f7a81");
            }
            std::int64_t create_time = sif::kUnsetTime;
            if (rng.below(2) == 0) {
                create_time = 1700000000;
                options.time = create_time;
                create.push_back("-time=1700000000");
            }
            const auto initial = rng.below(4);
            std::vector<Generated> initial_objects;
            for (std::uint64_t i = 0;
                 i < initial && static_cast<std::int64_t>(i) < (capacity > 0 ? capacity : 48);
                 ++i) {
                initial_objects.push_back(scenario.object(nullptr, i == 0));
                create.push_back("-obj=" + initial_objects.back().oracle_spec);
            }
            create.push_back(theirs.string());
            {
                auto image = create_image(ours, options);
                for (const auto& g : initial_objects) {
                    add_bytes(image, g.spec, g.data, sif::UpdateOptions{create_time});
                }
            }
            const auto created = run_sifcheck(create);
            INFO(created.describe());
            REQUIRE(created.exit_code == 0);
            require_identical(ours, theirs, "create");

            // ---- adds, deletes, adds -------------------------------------------------
            const auto update_time = [&](std::vector<std::string>& args) -> sif::UpdateOptions {
                if (rng.below(2) == 0) {
                    args.push_back("-deterministic");
                    return unset_time();
                }
                const auto t = 1600000000 + static_cast<std::int64_t>(rng.below(1000000));
                args.push_back("-time=" + std::to_string(t));
                return sif::UpdateOptions{t};
            };
            const auto add_one = [&](const std::string& step) {
                auto image = open_rw(ours);
                const auto g = scenario.object(&image, true);
                std::vector<std::string> args{"add"};
                const auto when = update_time(args);
                args.push_back("-obj=" + g.oracle_spec);
                args.push_back(theirs.string());
                const bool expect_fail =
                    image.free_slots() == 0 || (g.primary && has_primary(image));
                bool failed = false;
                try {
                    add_bytes(image, g.spec, g.data, when);
                } catch (const sifkit::Error& e) {
                    failed = true;
                    CHECK(e.kind() == sifkit::ErrorKind::conflict);
                }
                CHECK(failed == expect_fail);
                const auto result = run_sifcheck(args);
                INFO(step << ": " << g.oracle_spec << "\n" << result.describe());
                CHECK((result.exit_code != 0) == expect_fail);
                require_identical(ours, theirs, step);
            };
            const auto adds = rng.below(5) + 1;
            for (std::uint64_t i = 0; i < adds; ++i) {
                add_one("add " + std::to_string(i));
            }
            const auto deletes = rng.below(3);
            for (std::uint64_t i = 0; i < deletes; ++i) {
                auto image = open_rw(ours);
                if (image.object_count() == 0) {
                    break;
                }
                const auto objects = image.objects();
                const auto& victim = objects[rng.below(objects.size())];
                std::int64_t last_end = 0;
                for (const auto& d : objects) {
                    last_end = std::max(last_end, d.end());
                }
                std::vector<std::string> args{"del"};
                sif::DeleteOptions del;
                if (rng.below(2) == 0) {
                    del.zero = true;
                    args.push_back("-zero");
                }
                if (rng.below(2) == 0) {
                    del.compact = true;
                    args.push_back("-compact");
                }
                del.time = update_time(args).time;
                args.push_back(std::to_string(victim.id));
                args.push_back(theirs.string());
                // Our library refuses before touching anything; the reference zeroes first
                // only when it succeeds in 2.8.3 (compaction is checked first).
                const bool expect_fail = del.compact && victim.end() != last_end;
                bool failed = false;
                try {
                    image.remove(victim.id, del);
                } catch (const sifkit::Error& e) {
                    failed = true;
                    CHECK(e.kind() == sifkit::ErrorKind::conflict);
                }
                CHECK(failed == expect_fail);
                const auto result = run_sifcheck(args);
                INFO(result.describe());
                CHECK((result.exit_code != 0) == expect_fail);
                require_identical(ours, theirs, "delete " + std::to_string(victim.id));
            }
            add_one("add after delete");

            // ---- set primary (2.8.3 writes the arch name into the target: mask it) -----
            std::optional<std::uint32_t> target;
            std::size_t target_slot = 0;
            {
                const auto image = sif::Image::open(ours);
                for (std::size_t i = 0; i < image.slots().size(); ++i) {
                    const auto& d = image.slots()[i];
                    if (d.used && d.is_partition_of(sif::PartType::system)) {
                        target = d.id;
                        target_slot = i;
                    }
                }
            }
            if (target) {
                {
                    auto image = open_rw(ours);
                    std::vector<std::string> args{"setprim"};
                    const auto when = update_time(args);
                    args.push_back(std::to_string(*target));
                    args.push_back(theirs.string());
                    image.set_primary(*target, when);
                    const auto result = run_sifcheck(args);
                    INFO(result.describe());
                    REQUIRE(result.exit_code == 0);
                }
                auto a = read_file(ours);
                auto b = read_file(theirs);
                REQUIRE(a.size() == b.size());
                const auto image = sif::Image::open(ours);
                const std::size_t at = static_cast<std::size_t>(image.header().descriptors_offset) +
                                       target_slot * sif::kDescriptorSize + 201 + 8;
                const auto code = image.object(*target).partition().arch.bytes();
                CHECK(a.substr(at, 3) == std::string(code.data(), 3));
                CHECK(image.header().arch.bytes() == code);
                a.replace(at, 3, 3, '\0');
                b.replace(at, 3, 3, '\0');
                CHECK((a == b));
            }
        }
    }
}

TEST_CASE("an empty object aligned past the end of the file", "[lib][oracle]") {
    // The reference writes nothing for an empty object, so when alignment puts it past the
    // current end the file is not extended: offset > file size, size 0. The reference loads
    // such files; so must we, and we must write the same bytes.
    sifkit::test::TempDir dir;
    const auto ours = dir / "ours.sif";
    const auto theirs = dir / "theirs.sif";
    const auto empty = dir / "empty.bin";
    sifkit::test::write_file(empty, "");
    {
        auto image = create_image(ours, sif::CreateOptions::deterministic());
        sif::ObjectSpec spec;
        spec.type = sif::DataType::partition;
        spec.extra = partition(sif::FsType::squashfs, sif::PartType::system, "amd64");
        add_bytes(image, spec, "", unset_time());
    }
    const auto created = run_sifcheck({"create", "-deterministic",
                                       "-obj=type=4,fs=1,part=1,arch=amd64,file=" + empty.string(),
                                       theirs.string()});
    INFO(created.describe());
    REQUIRE(created.exit_code == 0);
    require_identical(ours, theirs, "create");
    REQUIRE(run_sifcheck({"dump", theirs.string()}).exit_code == 0);
    REQUIRE(run_siftool({"list", theirs.string()}).exit_code == 0);
    try {
        const auto image = sif::Image::open(theirs);
        CHECK(image.object(1).offset == 32768);
        CHECK(image.file_size() == 32176);
        check_against_dump(image, sifcheck_dump(theirs), "empty aligned object");
    } catch (const sifkit::Error& e) {
        FAIL("library refuses an image the reference writes and reads: " << e.what());
    }
}
