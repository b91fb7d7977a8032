// The sifkit command against the reference siftool: text output byte for byte (goldens and live
// siftool), dump bytes, images written by the CLI equal to the reference library's, JSON fields
// equal to sifcheck's, and the documented exit codes with images left untouched on refusal.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>

#include "common.hpp"

using namespace interop;
using sifkit::test::read_file;
using sifkit::test::write_file;

namespace {

const std::vector<std::pair<std::string, std::string>> kListHeaderGoldens = {
    {"Empty", "empty.sif"},
    {"EmptyID", "empty-id.sif"},
    {"EmptyLaunchScript", "empty-launch-script.sif"},
    {"OneObjectTime", "one-object-time.sif"},
    {"OneObjectGenericJSON", "one-object-generic-json.sif"},
    {"OneObjectCryptMessage", "one-object-crypt-message.sif"},
    {"OneObjectSBOM", "one-object-sbom.sif"},
    {"OneGroup", "one-group.sif"},
    {"OneGroupSigned", "one-group-signed.sif"},
    {"OneGroupSignedLegacy", "one-group-signed-legacy.sif"},
    {"OneGroupSignedLegacyAll", "one-group-signed-legacy-all.sif"},
    {"OneGroupSignedLegacyGroup", "one-group-signed-legacy-group.sif"},
    {"TwoGroups", "two-groups.sif"},
    {"TwoGroupsSigned", "two-groups-signed.sif"},
    {"TwoGroupsSignedLegacy", "two-groups-signed-legacy.sif"},
    {"TwoGroupsSignedLegacyAll", "two-groups-signed-legacy-all.sif"},
    {"TwoGroupsSignedLegacyGroup", "two-groups-signed-legacy-group.sif"},
};

struct InfoGolden {
    std::string name;
    std::string file;
    std::uint32_t id;
};
const std::vector<InfoGolden> kInfoGoldens = {
    {"Time", "one-object-time.sif", 1},
    {"GenericJSON", "one-object-generic-json.sif", 1},
    {"CryptMessage", "one-object-crypt-message.sif", 1},
    {"SBOM", "one-object-sbom.sif", 1},
    {"DataPartitionRaw", "two-groups-signed.sif", 1},
    {"DataPartitionSquashFS", "two-groups-signed.sif", 2},
    {"DataPartitionEXT3", "two-groups-signed.sif", 3},
    {"DataSignature", "two-groups-signed.sif", 4},
};

// siftool 2.8.3 does not know the OCI types: it prints "Unknown" and no digest line.
std::string as_siftool_would_print(std::string text) {
    for (const std::string name : {"OCI.RootIndex", "OCI.Blob"}) {
        for (auto at = text.find(name); at != std::string::npos; at = text.find(name)) {
            text.replace(at, name.size(), "Unknown");
        }
    }
    std::string out;
    std::size_t begin = 0;
    while (begin < text.size()) {
        auto end = text.find('\n', begin);
        end = end == std::string::npos ? text.size() : end + 1;
        const auto line = text.substr(begin, end - begin);
        if (!line.starts_with("  Digest:")) {
            out += line;
        }
        begin = end;
    }
    return out;
}

void check_one_error_line(const RunResult& r, const std::string& file) {
    INFO(r.describe());
    CHECK(r.out.empty());
    CHECK(r.err.starts_with("sifkit: "));
    CHECK(!r.err.empty());
    CHECK(r.err.back() == '\n');
    CHECK(r.err.find('\n') == r.err.size() - 1);
    if (!file.empty()) {
        CHECK(r.err.find(file) != std::string::npos);
    }
}

// Runs a sifkit command that must be refused with `code`, and checks the image is unchanged.
void check_refused(const std::vector<std::string>& args, int code, const fs::path& image,
                   const std::string& file_in_message) {
    const auto before = fs::exists(image) ? read_file(image) : std::string();
    const auto r = run_sifkit(args);
    INFO(r.describe());
    CHECK(r.exit_code == code);
    check_one_error_line(r, file_in_message);
    if (fs::exists(image)) {
        CHECK((read_file(image) == before));
    }
}

// Partition data that starts as the file system `partfs` (1 squashfs, 2 ext3) must: sifkit add
// checks the magic. The other bytes stay as they are.
std::string with_fs_magic(std::string data, int partfs) {
    if (partfs == 1) {
        data.replace(0, std::min<std::size_t>(4, data.size()), "hsqs");
    } else if (partfs == 2) {
        data.resize(std::max<std::size_t>(data.size(), 1082));
        data[1080] = '\x53';
        data[1081] = '\xEF';
    }
    return data;
}

const char* const kArchNames[] = {"",         "386",     "amd64",  "arm",    "arm64",
                                  "ppc64",    "ppc64le", "mips",   "mipsle", "mips64",
                                  "mips64le", "s390x",   "riscv64"};

}  // namespace

TEST_CASE("sifkit list/header equal the TestApp goldens and live siftool", "[cli][golden]") {
    for (const auto& [name, file] : kListHeaderGoldens) {
        INFO(name);
        const auto path = (reference_images() / file).string();
        const auto list = run_sifkit({"list", path});
        INFO(list.describe());
        CHECK(list.exit_code == 0);
        CHECK(list.out == read_file(app_golden("TestApp_List", name)));
        CHECK(list.out == run_siftool({"list", path}).out);
        const auto header = run_sifkit({"header", path});
        INFO(header.describe());
        CHECK(header.exit_code == 0);
        CHECK(header.out == read_file(app_golden("TestApp_Header", name)));
        CHECK(header.out == run_siftool({"header", path}).out);
    }
}

TEST_CASE("sifkit info equals the TestApp_Info goldens", "[cli][golden]") {
    for (const auto& g : kInfoGoldens) {
        INFO(g.name);
        const auto path = (reference_images() / g.file).string();
        const auto info = run_sifkit({"info", std::to_string(g.id), path});
        INFO(info.describe());
        CHECK(info.exit_code == 0);
        CHECK(info.out == read_file(app_golden("TestApp_Info", g.name)));
    }
}

TEST_CASE("sifkit dump equals the TestApp_Dump goldens", "[cli][golden]") {
    const auto path = (reference_images() / "one-group-signed.sif").string();
    const std::pair<const char*, const char*> cases[] = {
        {"One", "1"}, {"Two", "2"}, {"Three", "3"}};
    for (const auto& [name, id] : cases) {
        INFO(name);
        const auto dump = run_sifkit({"dump", id, path});
        CHECK(dump.exit_code == 0);
        CHECK(dump.out == read_file(app_golden("TestApp_Dump", name)));
    }
}

TEST_CASE("sifkit list/info/header/dump equal live siftool on every corpus image",
          "[cli][siftool]") {
    const std::vector<fs::path> images = corpus_images();
    for (const auto& path : images) {
        INFO(path.string());
        const auto p = path.string();
        CHECK(as_siftool_would_print(run_sifkit({"list", p}).out) == run_siftool({"list", p}).out);
        CHECK(run_sifkit({"header", p}).out == run_siftool({"header", p}).out);
        const auto image = sif::Image::open(path);
        for (const auto& d : image.objects()) {
            INFO("object " << d.id);
            const auto id = std::to_string(d.id);
            const auto ours = run_sifkit({"info", id, p});
            CHECK(ours.exit_code == 0);
            CHECK(as_siftool_would_print(ours.out) == run_siftool({"info", id, p}).out);
            if (d.type() == sif::DataType::oci_blob || d.type() == sif::DataType::oci_root_index) {
                CHECK(ours.out.find("  Digest:     " + d.oci_digest().value + "\n") !=
                      std::string::npos);
            }
            const auto dumped = run_sifkit({"dump", id, p});
            CHECK(dumped.exit_code == 0);
            CHECK(dumped.out == run_siftool({"dump", id, p}).out);
            CHECK(dumped.out == object_bytes(image, d));
        }
    }
}

TEST_CASE("link fields with flag bits and no ID, and years before 1000, print as siftool's",
          "[cli][siftool]") {
    // Found by a differential run of mutated images against siftool 2.8.3: the "no link" test
    // comes after masking the group bits, and years are padded to four digits after the sign.
    const auto original = reference_images() / "one-object-time.sif";
    const auto bytes = read_file(original);
    const auto image = sif::Image::open(original);
    REQUIRE(!image.objects().empty());
    const auto slot = static_cast<std::size_t>(image.header().descriptors_offset);
    const auto put = [](std::string& data, std::size_t at, std::uint64_t value, int width) {
        for (int i = 0; i < width; ++i) {
            data[at + static_cast<std::size_t>(i)] = static_cast<char>(value >> (8 * i));
        }
    };
    const auto scratch =
        fs::temp_directory_path() / ("sifkit-parity-" + std::to_string(::getpid()));
    fs::create_directories(scratch);
    struct Mutation {
        const char* name;
        std::uint32_t link;
        std::int64_t time;
    };
    for (const Mutation m :
         {Mutation{"link-0x80000000", 0x80000000U, 0}, Mutation{"link-0xF0000000", 0xF0000000U, 0},
          Mutation{"link-0x80000005", 0x80000005U, 0}, Mutation{"year-minus-1", 0, -62167305600},
          Mutation{"year-minus-999", 0, -93661228800}, Mutation{"year-7", 0, -61914844800}}) {
        INFO(m.name);
        std::string data = bytes;
        put(data, slot + 13, m.link, 4);                              // link
        put(data, slot + 41, static_cast<std::uint64_t>(m.time), 8);  // ctime
        put(data, slot + 49, static_cast<std::uint64_t>(m.time), 8);  // mtime
        put(data, 64, static_cast<std::uint64_t>(m.time), 8);         // header ctime
        const auto path = (scratch / (std::string(m.name) + ".sif")).string();
        write_file(path, data);
        const auto theirs = run_siftool({"list", path});
        REQUIRE(theirs.exit_code == 0);
        CHECK(as_siftool_would_print(run_sifkit({"list", path}).out) == theirs.out);
        CHECK(run_sifkit({"header", path}).out == run_siftool({"header", path}).out);
        CHECK(as_siftool_would_print(run_sifkit({"info", "1", path}).out) ==
              run_siftool({"info", "1", path}).out);
    }
    fs::remove_all(scratch);
}

TEST_CASE("sifkit --json fields equal sifcheck dump", "[cli][oracle]") {
    const std::vector<fs::path> images = corpus_images();
    for (const auto& path : images) {
        INFO(path.string());
        const auto p = path.string();
        const auto dump = sifcheck_dump(path);
        const auto integrity = sifcheck_integrity(path);
        const auto& dh = dump.at("header");

        const auto header_run = run_sifkit({"header", "--json", p});
        INFO(header_run.describe());
        REQUIRE(header_run.exit_code == 0);
        const auto h = json::parse(header_run.out);
        CHECK(h.at("launch_script") == dh.at("launch_script"));
        CHECK(h.at("version") == dh.at("version"));
        CHECK(h.at("arch") == dh.at("arch_go"));
        CHECK(h.at("arch_code") == dh.at("arch"));
        CHECK(h.at("id") == dh.at("id"));
        CHECK(h.at("created_at") == dh.at("ctime"));
        CHECK(h.at("modified_at") == dh.at("mtime"));
        CHECK(h.at("descriptors_free") == dh.at("dfree"));
        CHECK(h.at("descriptors_total") == dh.at("dtotal"));
        CHECK(h.at("descriptors_offset") == dh.at("descroff"));
        CHECK(h.at("descriptors_size") == dh.at("descrlen"));
        CHECK(h.at("data_offset") == dh.at("dataoff"));
        CHECK(h.at("data_size") == dh.at("datalen"));
        CHECK(h.at("file_size") == dh.at("file_size"));
        CHECK(h.size() == 14);

        const auto list_run = run_sifkit({"list", "--json", p});
        INFO(list_run.describe());
        REQUIRE(list_run.exit_code == 0);
        const auto objects = json::parse(list_run.out).at("objects");
        const auto& descriptors = dump.at("descriptors");
        REQUIRE(objects.size() == descriptors.size());
        for (std::size_t i = 0; i < objects.size(); ++i) {
            const auto& o = objects[i];
            const auto& d = descriptors[i];
            INFO("object " << d.at("id"));
            const auto info_run = run_sifkit({"info", "--json", d.at("id").dump(), p});
            REQUIRE(info_run.exit_code == 0);
            CHECK(json::parse(info_run.out) == o);
            CHECK(o.at("id") == d.at("id"));
            CHECK(o.at("type_code") == d.at("datatype"));
            const auto code = d.at("datatype").get<std::int32_t>();
            // The documented JSON type tokens.
            static const std::map<std::int32_t, std::string> kTokens = {
                {0x4001, "deffile"},        {0x4002, "env-vars"},       {0x4003, "labels"},
                {0x4004, "partition"},      {0x4005, "signature"},      {0x4006, "generic-json"},
                {0x4007, "generic"},        {0x4008, "crypto-message"}, {0x4009, "sbom"},
                {0x400A, "oci-root-index"}, {0x400B, "oci-blob"}};
            const auto token = kTokens.find(code);
            CHECK(o.at("type").get<std::string>() ==
                  (token == kTokens.end() ? std::string("unknown") : token->second));
            CHECK(o.at("type_name").get<std::string>() ==
                  std::string(sif::display_name(static_cast<sif::DataType>(code))));
            if (code < 0x400A) {
                CHECK(o.at("type_name") == d.at("datatype_name"));
            }
            CHECK(o.at("group") == d.at("groupid"));
            const auto link_raw = d.at("link_raw").get<std::uint32_t>();
            const std::string kind = link_raw == 0                       ? "none"
                                     : d.at("link_is_group").get<bool>() ? "group"
                                                                         : "object";
            CHECK(o.at("link").at("kind") == kind);
            CHECK(o.at("link").at("id") == d.at("link"));
            CHECK(o.at("offset") == d.at("offset"));
            CHECK(o.at("size") == d.at("size"));
            CHECK(o.at("size_with_padding") == d.at("sizewithpadding"));
            CHECK(o.at("created_at") == d.at("ctime"));
            CHECK(o.at("modified_at") == d.at("mtime"));
            CHECK(o.at("uid") == d.at("uid"));
            CHECK(o.at("gid") == d.at("gid"));
            CHECK(o.at("name") == d.at("name"));
            for (const auto& io : integrity.at("objects")) {
                if (io.at("id") == d.at("id")) {
                    CHECK(o.at("relative_id") == io.at("relative_id"));
                }
            }
            if (d.contains("partition")) {
                const auto& dp = d.at("partition");
                const auto& op = o.at("partition");
                CHECK(op.at("fs_type_code") == dp.at("fstype"));
                CHECK(op.at("part_type_code") == dp.at("parttype"));
                CHECK(op.at("arch") == dp.at("arch_go"));
                CHECK(op.at("arch_code") == dp.at("arch"));
                CHECK(
                    op.at("fs_type").get<std::string>() ==
                    std::string(sif::token(static_cast<sif::FsType>(dp.at("fstype").get<int>()))));
                CHECK(op.at("part_type").get<std::string>() ==
                      std::string(
                          sif::token(static_cast<sif::PartType>(dp.at("parttype").get<int>()))));
            } else {
                CHECK(!o.contains("partition"));
            }
            if (d.contains("signature")) {
                const auto& ds = d.at("signature");
                const auto& os = o.at("signature");
                CHECK(os.at("hash_type_code") == ds.at("hashtype"));
                if (ds.at("entity_all_zero").get<bool>()) {
                    CHECK(os.at("fingerprint").is_null());
                } else {
                    auto upper = ds.at("entity_hex").get<std::string>();
                    for (auto& c : upper) {
                        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
                    }
                    CHECK(os.at("fingerprint") == upper);
                }
            } else {
                CHECK(!o.contains("signature"));
            }
            if (d.contains("crypto_message")) {
                CHECK(o.at("crypto_message").at("format_type_code") ==
                      d.at("crypto_message").at("formattype"));
                CHECK(o.at("crypto_message").at("message_type_code") ==
                      d.at("crypto_message").at("messagetype"));
            } else {
                CHECK(!o.contains("crypto_message"));
            }
            if (d.contains("sbom")) {
                CHECK(o.at("sbom").at("format_code") == d.at("sbom").at("format"));
                CHECK(o.at("sbom").at("format") == d.at("sbom").at("format_name"));
            } else {
                CHECK(!o.contains("sbom"));
            }
            if (code == 0x400A || code == 0x400B) {
                const auto digest = o.at("oci").at("digest").get<std::string>();
                CHECK(hex(digest) == d.at("extra_hex").get<std::string>());
            } else {
                CHECK(!o.contains("oci"));
            }
        }
    }
}

TEST_CASE("sifkit new/add/del/setprim write what the reference library writes", "[cli][oracle]") {
    sifkit::test::TempDir dir;
    const auto ours = dir / "ours.sif";
    const auto theirs = dir / "theirs.sif";
    Rng rng(7);

    const auto same_bytes = [&](const std::string& step) {
        INFO(step);
        const auto a = read_file(ours);
        const auto b = read_file(theirs);
        CHECK(a.size() == b.size());
        std::size_t first = 0;
        while (first < a.size() && first < b.size() && a[first] == b[first]) {
            ++first;
        }
        INFO("first difference at " << first);
        CHECK((a == b));
    };
    const auto ok = [](const RunResult& r) {
        INFO(r.describe());
        REQUIRE(r.exit_code == 0);
    };

    SECTION("deterministic") {
        ok(run_sifkit({"new", "--deterministic", ours.string()}));
        ok(run_sifcheck({"create", "-deterministic", theirs.string()}));
        same_bytes("new");

        struct Add {
            std::vector<std::string> flags;
            std::string oracle;  // spec without file=
            std::size_t size;
            bool use_stdin = false;
        };
        const std::string entity = "433FE984155206BD962725E20E8713472A879943";
        const std::vector<Add> adds = {
            {{"--datatype", "1"}, "type=1,group=0", 31},
            {{"--datatype", "2", "--groupid", "1"}, "type=2,group=1", 12},
            {{"--datatype", "3", "--groupid", "1", "--filename", "labels.json"},
             "type=3,group=1,name=labels.json",
             40},
            {{"--datatype", "4", "--parttype", "2", "--partfs", "1", "--partarch", "4", "--groupid",
              "1"},
             "type=4,group=1,fs=1,part=2,arch=arm64",
             5000},
            {{"--datatype", "4", "--parttype", "1", "--partfs", "4", "--partarch", "12",
              "--alignment", "64"},
             "type=4,group=0,fs=4,part=1,arch=riscv64,align=64",
             100},
            {{"--datatype", "4", "--parttype", "3", "--partfs", "2", "--partarch", "1", "--groupid",
              "2"},
             "type=4,group=2,fs=2,part=3,arch=386",
             4096},
            {{"--datatype", "5", "--signhash", "1", "--signentity", entity, "--link", "1"},
             "type=5,group=0,link=1,hash=1,entity=" + entity,
             900},
            {{"--datatype", "6", "--groupid", "3", "--alignment", "8"},
             "type=6,group=3,align=8",
             3},
            {{"--datatype", "7", "--filename", "from-stdin"},
             "type=7,group=0,name=from-stdin",
             777,
             true},
            {{"--datatype", "8"}, "type=8,group=0", 64},
            {{"--datatype", "9", "--sbomformat", "spdx-json", "--groupid", "1"},
             "type=9,group=1,sbom=4",
             50},
            {{"--datatype", "9", "--sbomformat", "github"}, "type=9,group=0,sbom=3", 1},
            {{"--datatype", "7"}, "type=7,group=0", 0},
        };
        int n = 0;
        for (const auto& add : adds) {
            const auto file = dir / ("object-" + std::to_string(n++) + ".bin");
            const auto partfs = std::find(add.flags.begin(), add.flags.end(), "--partfs");
            const auto data = with_fs_magic(
                rng.bytes(add.size), partfs == add.flags.end() ? 0 : std::stoi(*(partfs + 1)));
            write_file(file, data);
            std::vector<std::string> args{"add", "--deterministic"};
            args.insert(args.end(), add.flags.begin(), add.flags.end());
            args.push_back(ours.string());
            args.push_back(add.use_stdin ? "-" : file.string());
            ok(run_sifkit(args, add.use_stdin ? std::optional<std::string>(data) : std::nullopt));
            std::string spec = add.oracle + ",file=" + file.string();
            // siftool 2.8.3 leaves the name empty without --filename (despite its help text).
            ok(run_sifcheck({"add", "-deterministic", "-obj=" + spec, theirs.string()}));
            same_bytes("add " + add.oracle);
        }
        ok(run_sifkit({"del", "--deterministic", "2", ours.string()}));
        ok(run_sifcheck({"del", "-deterministic", "2", theirs.string()}));
        same_bytes("del 2");
        ok(run_sifkit({"del", "--deterministic", "--zero", "3", ours.string()}));
        ok(run_sifcheck({"del", "-deterministic", "-zero", "3", theirs.string()}));
        same_bytes("del --zero 3");
        ok(run_sifkit({"del", "--deterministic", "--compact", "--zero", "13", ours.string()}));
        ok(run_sifcheck({"del", "-deterministic", "-compact", "-zero", "13", theirs.string()}));
        same_bytes("del --compact --zero 13");
        ok(run_sifkit({"del", "--time", "1700000000", "--compact", "12", ours.string()}));
        ok(run_sifcheck({"del", "-time", "1700000000", "-compact", "12", theirs.string()}));
        same_bytes("del --compact --time 12");

        // setprim: 2.8.3 writes the arch name's first bytes into the target's extra.
        ok(run_sifkit({"setprim", "--deterministic", "5", ours.string()}));
        ok(run_sifcheck({"setprim", "-deterministic", "5", theirs.string()}));
        auto a = read_file(ours);
        auto b = read_file(theirs);
        REQUIRE(a.size() == b.size());
        const std::size_t at = 4096 + 4 * sif::kDescriptorSize + 201 + 8;
        CHECK(a.substr(at, 3) == std::string("12\0", 3));
        CHECK(b.substr(at, 3) == "ris");
        a.replace(at, 3, 3, '\0');
        b.replace(at, 3, 3, '\0');
        CHECK((a == b));
        const auto image = sif::Image::open(ours);
        CHECK(image.header().arch == arch("riscv64"));
        CHECK(image.object(4).partition().part_type == sif::PartType::system);
        CHECK(image.object(5).partition().part_type == sif::PartType::primary_system);
    }

    SECTION("explicit id, time, capacity, launch script") {
        const std::string id = "0f8b2f0e-6a57-4c2b-9c1d-3b0a5e6f7a81";
        ok(run_sifkit({"new", "--launch", "#!/usr/bin/env run-singularity\n", "--id", id, "--time",
                       "1700000000", "--capacity", "2", ours.string()}));
        ok(run_sifcheck({"create", "-launch", "#!/usr/bin/env run-singularity\\n", "-id", id,
                         "-time", "1700000000", "-capacity", "2", theirs.string()}));
        same_bytes("new");
        const auto file = dir / "tiny.bin";
        write_file(file, "hsqs");
        ok(run_sifkit({"add", "--time", "1700000001", "--datatype", "4", "--parttype", "2",
                       "--partfs", "1", "--partarch", "2", "--groupid", "1", "--filename", "rootfs",
                       ours.string(), file.string()}));
        ok(run_sifcheck(
            {"add", "-time", "1700000001",
             "-obj=type=4,fs=1,part=2,arch=amd64,group=1,name=rootfs,file=" + file.string(),
             theirs.string()}));
        same_bytes("add with --time");
        // SOURCE_DATE_EPOCH is the time when no --time is given.
        sifkit::test::RunOptions env;
        env.env = {"TZ=UTC", "SOURCE_DATE_EPOCH=1700000002"};
        const auto sde =
            sifkit::test::run({sifkit::test::sifkit_bin().string(), "add", "--datatype", "1",
                               "--filename", "def", ours.string(), file.string()},
                              env);
        ok(sde);
        ok(run_sifcheck({"add", "-time", "1700000002",
                         "-obj=type=1,group=0,name=def,file=" + file.string(), theirs.string()}));
        same_bytes("add with SOURCE_DATE_EPOCH");
    }
}

TEST_CASE("CLI-written images read back through the reference", "[cli][oracle]") {
    sifkit::test::TempDir dir;
    const auto path = dir / "cli.sif";
    const auto ok = [](const RunResult& r) {
        INFO(r.describe());
        REQUIRE(r.exit_code == 0);
    };
    ok(run_sifkit({"new", path.string()}));  // random UUID, current time
    Rng rng(99);
    for (int a = 1; a <= 12; ++a) {
        const auto file = dir / ("part-" + std::to_string(a));
        write_file(file, with_fs_magic(rng.bytes(1100 + rng.below(3900)), a % 4 + 1));
        ok(run_sifkit({"add", "--datatype", "4", "--parttype", a == 7 ? "2" : "1", "--partfs",
                       std::to_string(a % 4 + 1), "--partarch", std::to_string(a), "--groupid",
                       std::to_string(a % 3), path.string(), file.string()}));
    }
    ok(run_sifkit({"setprim", "3", path.string()}));
    ok(run_sifkit({"del", "5", path.string()}));
    const auto image = sif::Image::open(path);
    CHECK(image.header().arch == arch("arm"));
    for (const auto& d : image.objects()) {
        CHECK(d.partition().arch.go_name() == kArchNames[d.id]);
        CHECK(d.name_text().empty());  // as siftool 2.8.3: no --filename, no name
    }
    check_against_dump(image, sifcheck_dump(path), "cli image");
    check_against_integrity(image, sifcheck_integrity(path), "cli image");
    const auto listed = run_siftool({"list", path.string()});
    INFO(listed.describe());
    CHECK(listed.exit_code == 0);
    CHECK(run_sifkit({"list", path.string()}).out == listed.out);
    CHECK(run_sifkit({"header", path.string()}).out == run_siftool({"header", path.string()}).out);
}

TEST_CASE("sifkit exit codes and messages; refused commands leave the image unchanged",
          "[cli][errors]") {
    sifkit::test::TempDir dir;
    const auto good = dir / "good.sif";
    sifkit::test::copy_file(reference_images() / "one-group.sif", good);
    const auto g = good.string();
    const auto object = dir / "object.bin";
    write_file(object, "data");

    SECTION("nonexistent file: 3") {
        const auto missing = (dir / "missing.sif").string();
        check_refused({"list", missing}, 3, dir / "missing.sif", missing);
        check_refused({"header", missing}, 3, dir / "missing.sif", missing);
        check_refused({"info", "1", missing}, 3, dir / "missing.sif", missing);
        check_refused({"dump", "1", missing}, 3, dir / "missing.sif", missing);
        check_refused({"del", "1", missing}, 3, dir / "missing.sif", missing);
        check_refused({"setprim", "1", missing}, 3, dir / "missing.sif", missing);
        check_refused({"add", "--datatype", "1", missing, object.string()}, 3, dir / "missing.sif",
                      missing);
        CHECK(!fs::exists(dir / "missing.sif"));
        const auto no_object = (dir / "no-object.bin").string();
        check_refused({"add", "--datatype", "1", g, no_object}, 3, good, no_object);
    }
    SECTION("invalid images: 4") {
        const auto bytes = read_file(good);
        const std::pair<std::string, std::string> bad[] = {
            {"truncated-header.sif", bytes.substr(0, 100)},
            {"truncated-table.sif", bytes.substr(0, 5000)},
            {"truncated-data.sif", bytes.substr(0, bytes.size() - 10)},
            {"empty-file.sif", ""},
            {"wrong-magic.sif",
             [&] {
                 auto b = bytes;
                 b[32] = 'X';
                 return b;
             }()},
        };
        for (const auto& [name, content] : bad) {
            INFO(name);
            const auto path = dir / name;
            write_file(path, content);
            // The reference refuses them too, except a file cut inside the object data, which
            // 2.8.3 loads without looking at the objects (sifkit checks them at load).
            if (name != "truncated-data.sif") {
                CHECK(run_siftool({"list", path.string()}).exit_code != 0);
            }
            check_refused({"list", path.string()}, 4, path, path.string());
            check_refused({"header", path.string()}, 4, path, path.string());
            check_refused({"info", "1", path.string()}, 4, path, path.string());
            check_refused({"dump", "1", path.string()}, 4, path, path.string());
            check_refused({"add", "--datatype", "1", path.string(), object.string()}, 4, path,
                          path.string());
            check_refused({"del", "1", path.string()}, 4, path, path.string());
            check_refused({"setprim", "1", path.string()}, 4, path, path.string());
        }
    }
    SECTION("missing object ID: 5") {
        check_refused({"info", "99", g}, 5, good, g);
        check_refused({"dump", "99", g}, 5, good, g);
        check_refused({"del", "99", g}, 5, good, g);
        check_refused({"setprim", "99", g}, 5, good, g);
        check_refused({"info", "--json", "99", g}, 5, good, g);
    }
    SECTION("conflicts: 6") {
        const auto full = dir / "full.sif";
        REQUIRE(run_sifkit({"new", "--capacity", "1", full.string()}).exit_code == 0);
        REQUIRE(run_sifkit({"add", "--datatype", "1", full.string(), object.string()}).exit_code ==
                0);
        check_refused({"add", "--datatype", "1", full.string(), object.string()}, 6, full,
                      full.string());
        // one-group.sif already holds a primary partition (ID 2).
        check_refused({"add", "--datatype", "4", "--parttype", "2", "--partfs", "1", "--partarch",
                       "2", g, object.string()},
                      6, good, g);
        check_refused({"del", "--compact", "1", g}, 6, good, g);
        // A Data partition cannot become primary.
        const auto squashfs = dir / "squashfs.bin";
        write_file(squashfs, with_fs_magic("data", 1));
        REQUIRE(run_sifkit({"add", "--datatype", "4", "--parttype", "3", "--partfs", "1",
                            "--partarch", "2", g, squashfs.string()})
                    .exit_code == 0);
        check_refused({"setprim", "3", g}, 6, good, g);
    }
    SECTION("usage errors: 2") {
        // What is wrong, then the command's usage line (cli_usage_test.cpp has the wording).
        const auto check_usage_refused = [&](const std::vector<std::string>& args) {
            const auto before = read_file(good);
            const auto r = run_sifkit(args);
            INFO(r.describe());
            CHECK(r.exit_code == 2);
            CHECK(r.out.empty());
            CHECK(r.err.starts_with("sifkit: "));
            CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 2);
            CHECK(r.err.find("\nUsage: sifkit ") != std::string::npos);
            CHECK((read_file(good) == before));
        };
        check_usage_refused({"list", "--bogus", g});
        check_usage_refused({"list"});
        check_usage_refused({"info", "one", g});
        // add checks --datatype itself, to list the types: one line, as siftool's.
        check_refused({"add", g, object.string()}, 2, good, "");
        check_usage_refused({"add", "--datatype", "1", "--time", "soon", g, object.string()});
        check_usage_refused({"del", g});
        check_usage_refused({"frobnicate", g});
        check_usage_refused({});
    }
}

TEST_CASE("sifkit add refuses partition data without its declared file system's magic",
          "[cli][errors]") {
    if (!sifkit::test::find_in_path("mksquashfs")) {
        FAIL("mksquashfs (squashfs-tools) not found");
    }
    sifkit::test::TempDir dir;
    const auto image = dir / "image.sif";
    REQUIRE(run_sifkit({"new", image.string()}).exit_code == 0);
    const auto add_partition = [&](const std::string& partfs, const std::string& object,
                                   std::optional<std::string> stdin_data = {}) {
        return run_sifkit({"add", image.string(), object, "--datatype", "4", "--partfs", partfs,
                           "--parttype", "3", "--partarch", "2"},
                          std::move(stdin_data));
    };
    const auto ok = [](const RunResult& r) {
        INFO(r.describe());
        CHECK(r.exit_code == 0);
    };
    // Exit 4, one line naming the input and what is wrong, and the image's bytes unchanged.
    const auto refused = [&](const std::string& partfs, const std::string& object,
                             const std::string& name_in_message, const std::string& why,
                             std::optional<std::string> stdin_data = {}) {
        const auto digest = sifkit::test::sha256_file(image);
        const auto r = add_partition(partfs, object, std::move(stdin_data));
        INFO(r.describe());
        CHECK(r.exit_code == 4);
        check_one_error_line(r, name_in_message + ": " + why);
        CHECK(sifkit::test::sha256_file(image) == digest);
    };

    const auto root = dir / "root";
    fs::create_directories(root / "etc");
    write_file(root / "etc" / "hostname", "magic\n");
    const auto squashfs = dir / "rootfs.squashfs";
    const auto made = sifkit::test::run(
        {"mksquashfs", root.string(), squashfs.string(), "-noappend", "-quiet", "-no-progress"});
    INFO(made.describe());
    REQUIRE(made.exit_code == 0);
    // What Debian's mksquashfs 4.5.1 sends down `mksquashfs root - | sifkit add IMAGE - ...`:
    // it writes a file named "-" and a progress bar to standard output.
    const std::string progress_bar =
        "\r[==============================================================|] 3/3 100%\n";
    const auto text = dir / "rootfs.bin";
    write_file(text, progress_bar);
    std::string ext3(4096, '\0');
    ext3[1080] = '\x53';  // s_magic 0xEF53, little-endian, at 1024 + 56
    ext3[1081] = '\xEF';
    const auto ext3_image = dir / "overlay.ext3";
    write_file(ext3_image, ext3);
    const auto luks = dir / "rootfs.luks";
    write_file(luks, std::string("LUKS\xBA\xBE\0\x02", 8) + std::string(4088, '\0'));
    const auto empty = dir / "empty.bin";
    write_file(empty, "");

    SECTION("the declared file system's magic is accepted, from a file and from stdin") {
        ok(add_partition("1", squashfs.string()));
        ok(add_partition("1", "-", read_file(squashfs)));
        ok(add_partition("2", ext3_image.string()));
        ok(add_partition("5", luks.string()));
        const auto listed = json::parse(run_sifkit({"list", "--json", image.string()}).out);
        REQUIRE(listed.at("objects").size() == 4);
        const auto image_now = sif::Image::open(image);
        CHECK(object_bytes(image_now, image_now.object(1)) == read_file(squashfs));
        CHECK(object_bytes(image_now, image_now.object(2)) == read_file(squashfs));
    }
    SECTION("other bytes declared squashfs, ext3 or encrypted squashfs are refused: 4") {
        const std::string no_hsqs =
            "not a squashfs file system (no \"hsqs\" magic at offset 0), but --partfs 1 "
            "declares squashfs";
        refused("1", text.string(), text.string(), no_hsqs);
        refused("1", "-", "<stdin>", no_hsqs, progress_bar);
        refused("1", ext3_image.string(), ext3_image.string(), no_hsqs);
        refused("1", empty.string(), empty.string(), no_hsqs);
        refused("2", squashfs.string(), squashfs.string(),
                "not an ext3 file system (no 0xEF53 magic at offset 1080), but --partfs 2 "
                "declares ext3");
        refused("2", "-", "<stdin>",
                "not an ext3 file system (no 0xEF53 magic at offset 1080), but --partfs 2 "
                "declares ext3",
                ext3.substr(0, 1081));
        refused("5", squashfs.string(), squashfs.string(),
                "not an encrypted squashfs file system (no LUKS magic at offset 0), but --partfs "
                "5 declares encrypted squashfs");
        CHECK(
            json::parse(run_sifkit({"list", "--json", image.string()}).out).at("objects").empty());
    }
    SECTION("raw and immutable-object partitions take any bytes") {
        ok(add_partition("4", text.string()));
        ok(add_partition("4", "-", progress_bar));
        ok(add_partition("3", text.string()));
        ok(add_partition("4", empty.string()));
    }
}

TEST_CASE("sifkit text and JSON views of library-written images with every type",
          "[cli][siftool]") {
    sifkit::test::TempDir dir;
    const auto path = dir / "types.sif";
    {
        auto image = create_image(path, sif::CreateOptions::deterministic());
        const std::int32_t codes[] = {0x4001, 0x4002, 0x4003, 0x4004, 0x4005, 0x4006,
                                      0x4007, 0x4008, 0x4009, 0x400A, 0x400B, 0x4042};
        std::int64_t t = 1600000000;
        for (const auto code : codes) {
            sif::ObjectSpec spec;
            spec.type = static_cast<sif::DataType>(code);
            const std::string data = "object " + std::to_string(code);
            if (spec.type == sif::DataType::partition) {
                spec.extra =
                    partition(sif::FsType::squashfs, sif::PartType::primary_system, "arm64");
            } else if (spec.type == sif::DataType::signature) {
                sif::SignatureInfo info;
                info.fingerprint[0] = 0xAB;
                info.fingerprint[19] = 0x01;
                spec.extra = info;
                spec.link = sif::Link::to_group(1);
            } else if (spec.type == sif::DataType::crypto_message) {
                spec.extra = sif::CryptoMessageInfo{};
            } else if (spec.type == sif::DataType::sbom) {
                spec.extra = sif::SbomFormat::syft_json;
            } else if (code == 0x400A || code == 0x400B) {
                spec.extra = sif::OciDigest{"sha256:" + sifkit::test::sha256_hex(data)};
            }
            spec.name = "n" + std::to_string(code);
            add_bytes(image, spec, data, sif::UpdateOptions{t++});
        }
    }
    const auto p = path.string();
    CHECK(as_siftool_would_print(run_sifkit({"list", p}).out) == run_siftool({"list", p}).out);
    CHECK(run_sifkit({"header", p}).out == run_siftool({"header", p}).out);
    const auto listed = json::parse(run_sifkit({"list", "--json", p}).out).at("objects");
    REQUIRE(listed.size() == 12);
    CHECK(listed[9].at("type") == "oci-root-index");
    CHECK(listed[9].at("type_name") == "OCI.RootIndex");
    CHECK(listed[10].at("type") == "oci-blob");
    CHECK(listed[10].at("type_name") == "OCI.Blob");
    CHECK(listed[11].at("type") == "unknown");
    CHECK(listed[11].at("type_code") == 0x4042);
    CHECK(listed[4].at("signature").at("fingerprint") ==
          "AB00000000000000000000000000000000000001");
    CHECK(listed[4].at("link").at("kind") == "group");
    for (std::uint32_t id = 1; id <= 12; ++id) {
        INFO("object " << id);
        const auto ours = run_sifkit({"info", std::to_string(id), p});
        CHECK(ours.exit_code == 0);
        CHECK(as_siftool_would_print(ours.out) == run_siftool({"info", std::to_string(id), p}).out);
        CHECK(run_sifkit({"dump", std::to_string(id), p}).out ==
              run_siftool({"dump", std::to_string(id), p}).out);
    }
}
