// sifkit add: add a data object (siftool add), streamed from a file or standard input.
#include <optional>
#include <string>

#include "commands.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/fs_magic.hpp"
#include "sifkit/sif/image.hpp"
#include "time_option.hpp"

namespace sifkit::cli {
namespace {

struct AddOptions {
    std::string image;
    std::string object;
    int datatype = 0;
    std::int32_t parttype = 0;
    std::int32_t partfs = 0;
    std::int32_t partarch = 0;
    std::int32_t signhash = 0;
    std::string signentity;
    std::string sbomformat;
    std::string ocidigest;
    std::uint32_t groupid = 0;
    std::optional<std::uint32_t> link;
    std::optional<std::int64_t> alignment;
    std::optional<std::string> filename;
    TimeOption time;
};

[[noreturn]] void usage(const std::string& message) {
    throw Error(ErrorKind::usage, message);
}

sif::DataType data_type(int number) {
    if (number < 1 || number > 11) {
        usage(
            "--datatype is required: 1-Deffile, 2-EnvVar, 3-Labels, 4-Partition, 5-Signature, "
            "6-GenericJSON, 7-Generic, 8-CryptoMessage, 9-SBOM, 10-OCIRootIndex, 11-OCIBlob");
    }
    return static_cast<sif::DataType>(0x4000 + number);
}

std::array<std::uint8_t, sif::kFingerprintSize> parse_fingerprint(const std::string& hex) {
    auto nibble = [&](char c) -> std::uint8_t {
        if (c >= '0' && c <= '9')
            return static_cast<std::uint8_t>(c - '0');
        if (c >= 'a' && c <= 'f')
            return static_cast<std::uint8_t>(c - 'a' + 10);
        if (c >= 'A' && c <= 'F')
            return static_cast<std::uint8_t>(c - 'A' + 10);
        usage("--signentity is not hexadecimal: " + hex);
    };
    if (hex.size() % 2 != 0) {
        usage("--signentity is not hexadecimal: " + hex);
    }
    if (hex.size() != 2 * sif::kFingerprintSize) {
        usage("invalid signing entity fingerprint length: got " + std::to_string(hex.size() / 2) +
              ", want 20");
    }
    std::array<std::uint8_t, sif::kFingerprintSize> fingerprint{};
    for (std::size_t i = 0; i < fingerprint.size(); ++i) {
        fingerprint[i] =
            static_cast<std::uint8_t>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
    }
    return fingerprint;
}

sif::Extra extra_for(sif::DataType type, const AddOptions& o) {
    switch (type) {
        case sif::DataType::partition: {
            if (o.parttype == 0 || o.partfs == 0 || o.partarch == 0) {
                usage(
                    "with partition datatype, --partfs, --parttype and --partarch must be passed");
            }
            const auto arch = sif::Arch::from_number(o.partarch);
            if (!arch) {
                usage("unknown architecture number " + std::to_string(o.partarch) + " (1-12)");
            }
            return sif::PartitionInfo{static_cast<sif::FsType>(o.partfs),
                                      static_cast<sif::PartType>(o.parttype), *arch};
        }
        case sif::DataType::signature: {
            if (o.signhash < 1 || o.signhash > 5) {
                usage("invalid hash type: " + std::to_string(o.signhash) +
                      " (--signhash 1-SHA256, 2-SHA384, 3-SHA512, 4-BLAKE2s_256, 5-BLAKE2b_256)");
            }
            return sif::SignatureInfo{static_cast<sif::HashType>(o.signhash),
                                      parse_fingerprint(o.signentity)};
        }
        case sif::DataType::sbom: {
            if (o.sbomformat.empty()) {
                usage("with SBOM datatype, --sbomformat must be passed");
            }
            const auto format = sif::parse_sbom_format(o.sbomformat);
            if (!format) {
                usage("invalid SBOM format: " + o.sbomformat);
            }
            return *format;
        }
        case sif::DataType::oci_root_index:
        case sif::DataType::oci_blob: {
            sif::OciDigest digest{o.ocidigest};
            if (!digest.well_formed()) {
                usage("OCI objects need --ocidigest ALGORITHM:HEX (e.g. sha256:...)");
            }
            return digest;
        }
        default:
            return std::monostate{};
    }
}

void run(const AddOptions& o) {
    const sif::DataType type = data_type(o.datatype);
    sif::ObjectSpec spec;
    spec.type = type;
    spec.group = o.groupid;  // siftool: no --groupid means no group
    if (o.link) {
        if (*o.link == 0) {
            usage("invalid object ID 0 for --link");
        }
        spec.link = sif::Link::to_object(*o.link);
    }
    if (o.alignment) {
        if (*o.alignment < 0) {
            usage("--alignment must not be negative");
        }
        spec.alignment = static_cast<std::uint64_t>(*o.alignment);
    }
    if (o.filename) {
        spec.name = *o.filename;
    }
    spec.extra = extra_for(type, o);

    sif::FileSource file(o.object);
    sif::ByteSource* source = &file;
    // A partition must hold the file system it declares (siftool stores any bytes, and a
    // mksquashfs that cannot write to a pipe sends its progress bar instead). The first bytes
    // are checked as they stream in, before add() writes any: a refusal (exit 4) leaves the
    // image as it was. The image's own refusals (table full, second primary) come first.
    std::optional<sif::FsMagicCheckedSource> checked;
    if (const auto* partition = std::get_if<sif::PartitionInfo>(&spec.extra)) {
        checked.emplace(file, partition->fs_type, "--partfs " + std::to_string(o.partfs));
        source = &*checked;
    }
    sif::Image image = sif::Image::open(o.image, sif::OpenMode::read_write);
    image.add(spec, *source, sif::UpdateOptions{o.time.resolve()});
    image.sync();
}

}  // namespace

void register_add(CLI::App& app) {
    auto o = std::make_shared<AddOptions>();
    CLI::App* cmd = app.add_subcommand("add", "Add a data object to a SIF image");
    cmd->add_option("SIF_PATH", o->image, "Image to add to")->required();
    cmd->add_option("OBJECT_PATH", o->object, "File holding the object's data ('-' = stdin)")
        ->required();
    cmd->add_option("--datatype", o->datatype,
                    "Type of the data: 1-Deffile, 2-EnvVar, 3-Labels, 4-Partition, 5-Signature, "
                    "6-GenericJSON, 7-Generic, 8-CryptoMessage, 9-SBOM, 10-OCIRootIndex, "
                    "11-OCIBlob");
    cmd->add_option("--parttype", o->parttype,
                    "Partition type (with --datatype 4): 1-System, 2-PrimSys, 3-Data, 4-Overlay");
    cmd->add_option(
        "--partfs", o->partfs,
        "Partition file system (with --datatype 4): 1-Squash, 2-Ext3, 3-ImmuObj, 4-Raw, "
        "5-Encrypted squashfs");
    cmd->add_option("--partarch", o->partarch,
                    "Partition architecture (with --datatype 4): 1-386, 2-amd64, 3-arm, 4-arm64, "
                    "5-ppc64, 6-ppc64le, 7-mips, 8-mipsle, 9-mips64, 10-mips64le, 11-s390x, "
                    "12-riscv64");
    cmd->add_option("--signhash", o->signhash,
                    "Signature hash (with --datatype 5): 1-SHA256, 2-SHA384, 3-SHA512, "
                    "4-BLAKE2s_256, 5-BLAKE2b_256");
    cmd->add_option("--signentity", o->signentity,
                    "Signing entity fingerprint, 40 hex digits (with --datatype 5)");
    cmd->add_option("--sbomformat", o->sbomformat,
                    "SBOM format (with --datatype 9): cyclonedx-json, cyclonedx-xml, github-json, "
                    "spdx-json, spdx-rdf, spdx-tag-value, spdx-yaml, syft-json");
    cmd->add_option("--ocidigest", o->ocidigest,
                    "OCI digest of the object (with --datatype 10 or 11), e.g. sha256:<hex>");
    cmd->add_option("--groupid", o->groupid, "Object group (default: 0 = no group)");
    cmd->add_option("--link", o->link, "ID of the object this one is linked to");
    cmd->add_option("--alignment", o->alignment,
                    "Alignment of the data (default: 4096 for partitions, none otherwise)");
    cmd->add_option("--filename", o->filename, "Name recorded in the descriptor (default: none)");
    o->time.add_to(*cmd);
    cmd->footer(
        "Examples:\n"
        "  sifkit add image.sif recipe.def --datatype 1 --groupid 1\n"
        "  sifkit add image.sif rootfs.squashfs --datatype 4 --parttype 2 --partfs 1 "
        "--partarch 2 --groupid 1\n"
        "  sifkit add image.sif signature.bin --datatype 5 --signentity "
        "433FE984155206BD962725E20E8713472A879943 --signhash 1");
    cmd->callback([o] { run(*o); });
}

}  // namespace sifkit::cli
