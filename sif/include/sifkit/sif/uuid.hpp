// Image IDs: 16 raw bytes, stored in the header in the order of their text form.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sifkit::sif {

class Uuid {
  public:
    using Bytes = std::array<std::uint8_t, 16>;

    Uuid() noexcept : bytes_{} {}  // the nil UUID ("no ID")
    explicit Uuid(Bytes bytes) noexcept : bytes_(bytes) {}

    // A random (version 4) UUID.
    static Uuid random();
    // A name-based (version 5, SHA-1) UUID in sifkit's namespace: the same seed always gives the
    // same ID, which is how reproducible builds get a stable image ID.
    static Uuid derive(std::string_view seed);
    // Parses "0f8b2f0e-6a57-4c2b-9c1d-3b0a5e6f7a81"; nullopt when malformed.
    static std::optional<Uuid> parse(std::string_view text);

    const Bytes& bytes() const noexcept { return bytes_; }
    bool is_nil() const noexcept;
    std::string to_string() const;

    friend bool operator==(const Uuid&, const Uuid&) = default;

  private:
    Bytes bytes_;
};

}  // namespace sifkit::sif
