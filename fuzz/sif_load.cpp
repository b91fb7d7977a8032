// libFuzzer target for the SIF loader: the input is an image held in memory. Loading may fail
// with a sifkit::Error (the expected outcome for most inputs); anything else (a crash, a leak,
// undefined behaviour, another exception) is a finding. When the image loads, every accessor a
// reader would use is exercised, so that "open() succeeded" really means "safe to read".
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "sifkit/sif/descriptor.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/image.hpp"
#include "sifkit/sif/integrity.hpp"
#include "sifkit/sif/storage.hpp"
#include "sifkit/sif/types.hpp"

namespace {

using namespace sifkit::sif;

// A read-only image in memory. Writes are never expected: the image is opened read-only.
class MemoryStorage final : public Storage {
  public:
    MemoryStorage(const std::uint8_t* data, std::size_t size)
        : bytes_(reinterpret_cast<const std::byte*>(data),
                 reinterpret_cast<const std::byte*>(data) + size) {}

    const std::string& name() const override { return name_; }
    std::uint64_t size() override { return bytes_.size(); }
    std::size_t read_at(std::uint64_t offset, std::span<std::byte> data) override {
        // An empty span (a table of zero slots, say) may have a null data pointer.
        if (data.empty() || offset >= bytes_.size()) {
            return 0;
        }
        const auto n =
            static_cast<std::size_t>(std::min<std::uint64_t>(data.size(), bytes_.size() - offset));
        std::memcpy(data.data(), bytes_.data() + offset, n);
        return n;
    }
    void write_at(std::uint64_t, std::span<const std::byte>) override { __builtin_trap(); }
    void truncate(std::uint64_t) override { __builtin_trap(); }
    void sync() override {}

  private:
    std::vector<std::byte> bytes_;
    std::string name_ = "<fuzz input>";
};

// Keeps the optimiser from dropping reads whose results are otherwise unused.
volatile std::uint64_t g_sink = 0;

void consume(std::span<const std::byte> bytes) {
    std::uint64_t sum = 0;
    for (std::byte b : bytes) {
        sum = sum * 31 + std::to_integer<std::uint64_t>(b);
    }
    g_sink = g_sink + sum;
}

void consume(std::string_view text) {
    g_sink = g_sink + text.size();
}

void exercise_extra(const Descriptor& d) {
    switch (d.type()) {
        case DataType::partition: {
            const PartitionInfo p = d.partition();
            consume(display_name(p.fs_type));
            consume(display_name(p.part_type));
            consume(token(p.fs_type));
            consume(p.arch.go_name());
            consume(p.arch.code());
            break;
        }
        case DataType::signature: {
            const SignatureInfo s = d.signature();
            consume(display_name(s.hash_type));
            g_sink = g_sink + (s.has_fingerprint() ? 1U : 0U);
            break;
        }
        case DataType::crypto_message: {
            const CryptoMessageInfo m = d.crypto_message();
            consume(display_name(m.format_type));
            consume(display_name(m.message_type));
            consume(token(m.message_type));
            break;
        }
        case DataType::sbom:
            consume(display_name(d.sbom_format()));
            break;
        case DataType::oci_blob:
        case DataType::oci_root_index: {
            const OciDigest digest = d.oci_digest();
            consume(digest.value);
            g_sink = g_sink + (digest.well_formed() ? 1U : 0U);
            break;
        }
        default:
            break;
    }
}

void exercise(const Image& image) {
    const Header& h = image.header();
    consume(h.launch_script_text());
    consume(h.version_text());
    consume(h.arch.go_name());
    consume(h.arch.code());
    consume(h.id.to_string());
    consume(header_digest_input(h));
    g_sink = g_sink + image.free_slots() + image.groups().size();
    if (const Descriptor* primary = image.primary_partition()) {
        g_sink = g_sink + primary->id;
    }

    std::array<std::byte, 4096> buffer{};
    for (const Descriptor& d : image.objects()) {
        consume(display_name(d.type()));
        consume(token(d.type()));
        consume(d.name_text());
        g_sink = g_sink + static_cast<std::uint64_t>(d.link().kind()) + d.link().target();
        exercise_extra(d);
        consume(descriptor_digest_input(d, image.relative_id(d)));
        g_sink = g_sink + image.group_objects(d.group()).size();
        if (image.object(d.id).id != d.id) {
            __builtin_trap();
        }

        // The whole object, streamed; it must be exactly `size` bytes long.
        ObjectReader reader = image.reader(d);
        std::uint64_t total = 0;
        for (;;) {
            const std::size_t n = reader.read(buffer);
            if (n == 0) {
                break;
            }
            consume(std::span<const std::byte>(buffer.data(), n));
            total += n;
        }
        if (total != static_cast<std::uint64_t>(d.size)) {
            __builtin_trap();
        }
        // Exact reads at both ends.
        if (d.size > 0) {
            std::array<std::byte, 1> one{};
            image.read(d, 0, one);
            image.read(d, static_cast<std::uint64_t>(d.size) - 1, one);
            consume(one);
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        const Image image =
            Image::open(std::make_unique<MemoryStorage>(data, size), OpenMode::read_only);
        exercise(image);
    } catch (const sifkit::Error&) {
        // The expected failure: a malformed image, refused with a message.
    }
    return 0;
}
