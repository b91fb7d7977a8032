#include "common.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>

#include <unistd.h>

namespace interop {

fs::path reference_images() {
    return sifkit::test::reference_src() / "test" / "images";
}

fs::path upstream_images() {
    return sifkit::test::shared_dir() / "fixtures" / "upstream-sif" / "images";
}

fs::path golden(std::string_view test, std::string_view name) {
    return sifkit::test::reference_src() / "pkg" / "sif" / "testdata" / test /
           (std::string(name) + ".golden");
}

fs::path app_golden(std::string_view test, std::string_view name) {
    return sifkit::test::reference_src() / "internal" / "app" / "siftool" / "testdata" / test /
           (std::string(name) + ".golden");
}

std::vector<fs::path> sif_files(const fs::path& dir) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.path().extension() == ".sif") {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

std::vector<fs::path> corpus_images() {
    std::vector<fs::path> images = sif_files(reference_images());
    const auto upstream = sif_files(upstream_images());
    images.insert(images.end(), upstream.begin(), upstream.end());
    return images;
}

namespace {

sifkit::test::RunOptions tool_env(std::optional<std::string> stdin_data = {}) {
    sifkit::test::RunOptions options;
    options.env = {"TZ=UTC", "SOURCE_DATE_EPOCH"};
    options.stdin_data = std::move(stdin_data);
    return options;
}

RunResult run_tool(const std::string& tool, const std::vector<std::string>& args,
                   std::optional<std::string> stdin_data = {}) {
    std::vector<std::string> argv{tool};
    argv.insert(argv.end(), args.begin(), args.end());
    return sifkit::test::run(argv, tool_env(std::move(stdin_data)));
}

}  // namespace

RunResult run_sifcheck(const std::vector<std::string>& args) {
    const auto tool = sifkit::test::sifcheck();
    REQUIRE(tool.has_value());
    return run_tool(tool->string(), args);
}

RunResult run_siftool(const std::vector<std::string>& args) {
    const auto tool = sifkit::test::siftool();
    REQUIRE(tool.has_value());
    return run_tool(tool->string(), args);
}

RunResult run_sifkit(const std::vector<std::string>& args, std::optional<std::string> stdin_data) {
    return run_tool(sifkit::test::sifkit_bin().string(), args, std::move(stdin_data));
}

std::optional<std::vector<std::string>> as_ordinary_user() {
    if (::geteuid() != 0) {
        return std::vector<std::string>{};
    }
    if (!sifkit::test::find_in_path("setpriv") ||
        sifkit::test::run({"id", "-u", "sifkitbuild"}).exit_code != 0) {
        return std::nullopt;
    }
    return std::vector<std::string>{"setpriv", "--reuid=sifkitbuild", "--regid=sifkitbuild",
                                    "--clear-groups"};
}

void open_to_ordinary_user(const fs::path& dir, const std::vector<fs::path>& files) {
    if (::geteuid() != 0) {
        return;
    }
    fs::permissions(dir, fs::perms::others_read | fs::perms::others_exec, fs::perm_options::add);
    for (const auto& file : files) {
        fs::permissions(file, fs::perms::others_read | fs::perms::others_write,
                        fs::perm_options::add);
    }
}

RunResult run_sifkit_as(const std::vector<std::string>& prefix,
                        const std::vector<std::string>& args) {
    std::vector<std::string> argv = prefix;
    argv.push_back(sifkit::test::sifkit_bin().string());
    argv.insert(argv.end(), args.begin(), args.end());
    return sifkit::test::run(argv, tool_env());
}

json sifcheck_dump(const fs::path& image) {
    const auto result = run_sifcheck({"dump", image.string()});
    INFO(result.describe());
    REQUIRE(result.exit_code == 0);
    return json::parse(result.out);
}

json sifcheck_integrity(const fs::path& image) {
    const auto result = run_sifcheck({"integrity", image.string()});
    INFO(result.describe());
    REQUIRE(result.exit_code == 0);
    return json::parse(result.out);
}

sif::Image create_image(const fs::path& path, const sif::CreateOptions& options) {
    sifkit::test::write_file(path, "");
    return sif::Image::create(sif::FileStorage::open(path, sif::OpenMode::read_write), options);
}

sif::Image open_rw(const fs::path& path) {
    return sif::Image::open(path, sif::OpenMode::read_write);
}

const sif::Descriptor& add_bytes(sif::Image& image, const sif::ObjectSpec& spec,
                                 std::string_view data, const sif::UpdateOptions& options) {
    sif::MemorySource source(data);
    return image.add(spec, source, options);
}

std::string object_bytes(const sif::Image& image, const sif::Descriptor& descriptor) {
    std::string data(static_cast<std::size_t>(descriptor.size), '\0');
    if (!data.empty()) {
        image.read(descriptor, 0,
                   std::as_writable_bytes(std::span<char>(data.data(), data.size())));
    }
    return data;
}

sif::Arch arch(std::string_view go_name) {
    const auto a = sif::Arch::from_go_name(go_name);
    REQUIRE(a.has_value());
    return *a;
}

sif::PartitionInfo partition(sif::FsType fs_type, sif::PartType type, std::string_view go_arch) {
    sif::PartitionInfo info;
    info.fs_type = fs_type;
    info.part_type = type;
    info.arch = arch(go_arch);
    return info;
}

sif::UpdateOptions unset_time() {
    return sif::UpdateOptions{sif::kUnsetTime};
}

std::string hex(std::string_view bytes) {
    return sifkit::test::to_hex(bytes.data(), bytes.size());
}

std::string trimmed_hex(const void* data, std::size_t size) {
    const auto* bytes = static_cast<const unsigned char*>(data);
    while (size > 0 && bytes[size - 1] == 0) {
        --size;
    }
    return sifkit::test::to_hex(bytes, size);
}

std::string trim_nul(const char* data, std::size_t size) {
    std::string text(data, size);
    while (!text.empty() && text.back() == '\0') {
        text.pop_back();
    }
    return text;
}

void check_against_dump(const sif::Image& image, const json& dump, const std::string& what) {
    INFO(what);
    const auto& h = image.header();
    const auto& jh = dump.at("header");
    CHECK(jh.at("launch_script_hex").get<std::string>() ==
          sifkit::test::to_hex(h.launch_script.data(), h.launch_script.size()));
    CHECK(jh.at("launch_script").get<std::string>() == h.launch_script_text());
    CHECK(jh.at("magic_hex").get<std::string>() ==
          sifkit::test::to_hex(h.magic.data(), h.magic.size()));
    CHECK(jh.at("version_hex").get<std::string>() ==
          sifkit::test::to_hex(h.version.data(), h.version.size()));
    CHECK(jh.at("version").get<std::string>() == h.version_text());
    CHECK(jh.at("arch_hex").get<std::string>() ==
          sifkit::test::to_hex(h.arch.bytes().data(), h.arch.bytes().size()));
    CHECK(jh.at("arch").get<std::string>() == trim_nul(h.arch.bytes().data(), 3));
    CHECK(jh.at("arch_go").get<std::string>() == std::string(h.arch.go_name()));
    CHECK(jh.at("id").get<std::string>() == h.id.to_string());
    CHECK(jh.at("id_hex").get<std::string>() ==
          sifkit::test::to_hex(h.id.bytes().data(), h.id.bytes().size()));
    CHECK(jh.at("ctime").get<std::int64_t>() == h.created_at);
    CHECK(jh.at("mtime").get<std::int64_t>() == h.modified_at);
    CHECK(jh.at("dfree").get<std::int64_t>() == h.descriptors_free);
    CHECK(jh.at("dtotal").get<std::int64_t>() == h.descriptors_total);
    CHECK(jh.at("descroff").get<std::int64_t>() == h.descriptors_offset);
    CHECK(jh.at("descrlen").get<std::int64_t>() == h.descriptors_size);
    CHECK(jh.at("dataoff").get<std::int64_t>() == h.data_offset);
    CHECK(jh.at("datalen").get<std::int64_t>() == h.data_size);
    CHECK(jh.at("file_size").get<std::uint64_t>() == image.file_size());

    // The whole header as encoded equals what the reference decoded (covers padding bytes too).
    const auto& descriptors = dump.at("descriptors");
    CHECK(descriptors.size() == image.object_count());
    CHECK(image.slots().size() == static_cast<std::size_t>(h.descriptors_total));
    for (const auto& jd : descriptors) {
        const auto index = jd.at("index").get<std::size_t>();
        INFO("descriptor index " << index);
        REQUIRE(index < image.slots().size());
        const auto& d = image.slots()[index];
        CHECK(jd.at("used").get<bool>() == d.used);
        CHECK(jd.at("datatype").get<std::int32_t>() == d.data_type);
        CHECK(jd.at("id").get<std::uint32_t>() == d.id);
        CHECK(jd.at("groupid_raw").get<std::uint32_t>() == d.group_raw);
        CHECK(jd.at("groupid").get<std::uint32_t>() == d.group());
        CHECK(jd.at("link_raw").get<std::uint32_t>() == d.link_raw);
        CHECK(jd.at("link").get<std::uint32_t>() == d.link().target());
        CHECK(jd.at("link_is_group").get<bool>() == (d.link().kind() == sif::Link::Kind::group));
        CHECK(jd.at("offset").get<std::int64_t>() == d.offset);
        CHECK(jd.at("size").get<std::int64_t>() == d.size);
        CHECK(jd.at("sizewithpadding").get<std::int64_t>() == d.size_with_padding);
        CHECK(jd.at("ctime").get<std::int64_t>() == d.created_at);
        CHECK(jd.at("mtime").get<std::int64_t>() == d.modified_at);
        CHECK(jd.at("uid").get<std::int64_t>() == d.uid);
        CHECK(jd.at("gid").get<std::int64_t>() == d.gid);
        CHECK(jd.at("name").get<std::string>() == d.name_text());
        CHECK(jd.at("extra_hex").get<std::string>() == trimmed_hex(d.extra.data(), d.extra.size()));
        if (d.type() == sif::DataType::partition) {
            const auto p = d.partition();
            const auto& jp = jd.at("partition");
            CHECK(jp.at("fstype").get<std::int32_t>() == static_cast<std::int32_t>(p.fs_type));
            CHECK(jp.at("parttype").get<std::int32_t>() == static_cast<std::int32_t>(p.part_type));
            CHECK(jp.at("arch_hex").get<std::string>() ==
                  sifkit::test::to_hex(p.arch.bytes().data(), 3));
            CHECK(jp.at("arch_go").get<std::string>() == std::string(p.arch.go_name()));
            CHECK(jp.at("fstype_name").get<std::string>() == std::string(display_name(p.fs_type)));
            CHECK(jp.at("parttype_name").get<std::string>() ==
                  std::string(display_name(p.part_type)));
        } else if (d.type() == sif::DataType::signature) {
            const auto s = d.signature();
            const auto& js = jd.at("signature");
            CHECK(js.at("hashtype").get<std::int32_t>() == static_cast<std::int32_t>(s.hash_type));
            CHECK(js.at("entity_hex").get<std::string>() ==
                  sifkit::test::to_hex(s.fingerprint.data(), s.fingerprint.size()));
            CHECK(js.at("entity_all_zero").get<bool>() == !s.has_fingerprint());
        } else if (d.type() == sif::DataType::crypto_message) {
            const auto m = d.crypto_message();
            const auto& jm = jd.at("crypto_message");
            CHECK(jm.at("formattype").get<std::int32_t>() ==
                  static_cast<std::int32_t>(m.format_type));
            CHECK(jm.at("messagetype").get<std::int32_t>() ==
                  static_cast<std::int32_t>(m.message_type));
        } else if (d.type() == sif::DataType::sbom) {
            CHECK(jd.at("sbom").at("format").get<std::int32_t>() ==
                  static_cast<std::int32_t>(d.sbom_format()));
        } else if (d.type() == sif::DataType::oci_blob ||
                   d.type() == sif::DataType::oci_root_index) {
            CHECK(hex(d.oci_digest().value) == jd.at("extra_hex").get<std::string>());
        }
        if (d.used && jd.contains("data_sha256")) {
            CHECK(jd.at("data_sha256").get<std::string>() ==
                  sifkit::test::sha256_hex(object_bytes(image, d)));
        } else if (d.used) {
            // The oracle hashes only objects inside the file: an empty object aligned past
            // the end of the file is the one legal case without a hash.
            CHECK(d.size == 0);
        }
    }
}

void check_against_integrity(const sif::Image& image, const json& integrity,
                             const std::string& what) {
    INFO(what);
    const auto header_input = sif::header_digest_input(image.header());
    CHECK(integrity.at("header_integrity_hex").get<std::string>() ==
          sifkit::test::to_hex(header_input.data(), header_input.size()));
    const auto& objects = integrity.at("objects");
    CHECK(objects.size() == image.object_count());
    for (const auto& jo : objects) {
        const auto id = jo.at("id").get<std::uint32_t>();
        INFO("object " << id);
        const auto* d = image.find(id);
        REQUIRE(d != nullptr);
        const auto relative = image.relative_id(*d);
        CHECK(jo.at("relative_id").get<std::uint32_t>() == relative);
        CHECK(jo.at("groupid").get<std::uint32_t>() == d->group());
        const auto input = sif::descriptor_digest_input(*d, relative);
        CHECK(jo.at("descriptor_integrity_hex").get<std::string>() ==
              sifkit::test::to_hex(input.data(), input.size()));
        CHECK(jo.at("object_sha256").get<std::string>() ==
              sifkit::test::sha256_hex(object_bytes(image, *d)));
    }
}

std::uint64_t Rng::next() {
    // splitmix64
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31U);
}

std::string Rng::bytes(std::size_t size) {
    std::string data(size, '\0');
    for (auto& c : data) {
        c = static_cast<char>(next() & 0xFFU);
    }
    return data;
}

}  // namespace interop
