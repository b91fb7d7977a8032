// Codes and constants of the SIF format (docs/sif-format.md in the shared reference, §1-§5).
// Enumerations keep the on-disk integer values; values outside the known set are legal in files
// and are carried through unchanged (their names read "Unknown", as the reference prints them).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sifkit::sif {

inline constexpr std::size_t kHeaderSize = 128;
inline constexpr std::size_t kDescriptorSize = 585;
inline constexpr std::size_t kLaunchScriptSize = 32;
inline constexpr std::size_t kNameSize = 128;
inline constexpr std::size_t kExtraSize = 384;
inline constexpr std::size_t kEntitySize = 256;
inline constexpr std::size_t kFingerprintSize = 20;

// Group IDs are stored OR'ed with this mask; a link with all mask bits set names a group.
inline constexpr std::uint32_t kGroupMask = 0xF0000000U;
// The group the reference library puts new objects in unless told otherwise.
inline constexpr std::uint32_t kDefaultGroup = 1;

// The time the reference writes for "deterministic" images: Go's zero time (0001-01-01 UTC).
inline constexpr std::int64_t kUnsetTime = -62135596800;

// Defaults of a new image (the reference library's).
inline constexpr std::int64_t kDefaultDescriptorOffset = 4096;
inline constexpr std::int64_t kDefaultDescriptorCapacity = 48;
inline constexpr std::uint64_t kPartitionAlignment = 4096;

// The most descriptor slots `new` makes (a 613 MB table; the reference's default is 48).
// Reading has no such cap, as the reference has none: a table must fit in its file, which is
// what bounds a load's memory.
inline constexpr std::int64_t kMaxDescriptorCapacity = std::int64_t{1} << 20;

enum class DataType : std::int32_t {
    deffile = 0x4001,
    env_vars = 0x4002,
    labels = 0x4003,
    partition = 0x4004,
    signature = 0x4005,
    generic_json = 0x4006,
    generic = 0x4007,
    crypto_message = 0x4008,
    sbom = 0x4009,
    oci_root_index = 0x400A,
    oci_blob = 0x400B,
};

enum class FsType : std::int32_t {
    squashfs = 1,
    ext3 = 2,
    immutable_object = 3,
    raw = 4,
    encrypted_squashfs = 5,
};

enum class PartType : std::int32_t {
    system = 1,
    primary_system = 2,
    data = 3,
    overlay = 4,
};

enum class HashType : std::int32_t {
    sha256 = 1,
    sha384 = 2,
    sha512 = 3,
    blake2s_256 = 4,
    blake2b_256 = 5,
};

enum class FormatType : std::int32_t {
    openpgp = 1,
    pem = 2,
};

enum class MessageType : std::int32_t {
    clear_signature = 0x100,
    rsa_oaep = 0x200,
};

enum class SbomFormat : std::int32_t {
    cyclonedx_json = 1,
    cyclonedx_xml = 2,
    github_json = 3,
    spdx_json = 4,
    spdx_rdf = 5,
    spdx_tag_value = 6,
    spdx_yaml = 7,
    syft_json = 8,
};

// Display names exactly as the reference siftool prints them ("FS", "Squashfs", "*System",
// "SHA-256", "cyclonedx-json", ...); "Unknown"/"unknown" for codes outside the table.
std::string_view display_name(DataType type) noexcept;
std::string_view display_name(FsType type) noexcept;
std::string_view display_name(PartType type) noexcept;
std::string_view display_name(HashType type) noexcept;
std::string_view display_name(FormatType type) noexcept;
std::string_view display_name(MessageType type) noexcept;
std::string_view display_name(SbomFormat format) noexcept;

// Stable lower-case tokens for scripts and JSON ("partition", "squashfs", "primary-system",
// "sha256", "openpgp", "clear-signature", ...); "unknown" for codes outside the table.
std::string_view token(DataType type) noexcept;
std::string_view token(FsType type) noexcept;
std::string_view token(PartType type) noexcept;
std::string_view token(HashType type) noexcept;
std::string_view token(FormatType type) noexcept;
std::string_view token(MessageType type) noexcept;

// Parses an SBOM format name as siftool accepts it ("github" is an alias of "github-json").
std::optional<SbomFormat> parse_sbom_format(std::string_view name) noexcept;

// Architecture code as stored in the header and in partition descriptors: two ASCII digits and
// a NUL ("02\0" = amd64). Any other byte pattern reads as unknown but is preserved.
class Arch {
  public:
    using Bytes = std::array<char, 3>;

    Arch() noexcept : bytes_{'0', '0', '\0'} {}
    explicit Arch(Bytes bytes) noexcept : bytes_(bytes) {}

    // From the Go architecture name ("amd64", "arm64", ...); nullopt when there is no code.
    static std::optional<Arch> from_go_name(std::string_view name) noexcept;
    // From siftool's --partarch number (1 = 386 ... 12 = riscv64).
    static std::optional<Arch> from_number(int number) noexcept;
    // The architecture of the machine sifkit runs on.
    static Arch host() noexcept;

    const Bytes& bytes() const noexcept { return bytes_; }
    // Go name, or "unknown" when the bytes are not a known code (including "00").
    std::string_view go_name() const noexcept;
    bool known() const noexcept { return go_name() != "unknown"; }
    // The two digits as text ("02"); the raw bytes, hex-escaped, when not printable.
    std::string code() const;

    friend bool operator==(const Arch&, const Arch&) = default;

  private:
    Bytes bytes_;
};

}  // namespace sifkit::sif
