// Words for libsquashfs's error codes, for one-line messages. A few codes mean different things
// to a reader (a damaged or hostile image) and to a writer (the machine ran out of something).
#pragma once

namespace sifkit::squashfs {

enum class Use { reading, writing };

const char* describe_status(int status, Use use) noexcept;

}  // namespace sifkit::squashfs
