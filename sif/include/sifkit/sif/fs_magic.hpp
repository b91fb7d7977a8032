// The magic numbers of the file systems a partition declares (the fstype of its descriptor), and
// a ByteSource that checks them on the way into an image.
//
// A SIF image loads whatever bytes a partition holds: only the runtime that mounts it finds out
// that a "squashfs" partition is not one. Checking the first bytes while they stream in lets
// `sifkit add` refuse, say, the progress bar a mksquashfs without stdout support writes down a
// pipe, before anything is stored. The check is opt-in: the reference library stores any bytes,
// and Image::add keeps its exact behaviour.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sifkit/sif/source.hpp"
#include "sifkit/sif/types.hpp"

namespace sifkit::sif {

// How many leading bytes the checks look at: ext3's s_magic ends at 1024 + 56 + 2.
inline constexpr std::size_t kFsMagicWindow = 1082;

// What is wrong with `head`, the first bytes of a partition's data (at most kFsMagicWindow are
// looked at), for file system `type`, e.g. `not a squashfs file system (no "hsqs" magic at
// offset 0)`. nullopt when the magic is there, or when `type` has none to check (raw, immutable
// object, codes outside the table).
std::optional<std::string> fs_magic_mismatch(FsType type, std::span<const std::byte> head);

// A source whose first bytes are checked against `type`'s magic before any of them is passed
// on: the first read() throws an invalid_input Error naming the source when they do not match,
// so that Image::add, which reads before it writes, leaves the image as it was. Types without a
// magic pass through unbuffered.
class FsMagicCheckedSource final : public ByteSource {
  public:
    // `declared_by` says where the type came from, for the message: "..., but DECLARED_BY
    // declares squashfs" ("--partfs 1").
    FsMagicCheckedSource(ByteSource& inner, FsType type,
                         std::string declared_by = "the partition descriptor");

    // Reads the first bytes (once) and throws when they do not match; read() calls it first.
    void check();
    std::size_t read(std::span<std::byte> data) override;
    const std::string& name() const override { return inner_.name(); }

  private:
    ByteSource& inner_;
    FsType type_;
    std::string declared_by_;
    std::vector<std::byte> head_;  // bytes read for the check, not yet passed on
    std::size_t head_served_ = 0;
    bool checked_ = false;
    bool inner_ended_ = false;
};

}  // namespace sifkit::sif
