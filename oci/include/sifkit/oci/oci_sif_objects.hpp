// The OCI objects of an OCI-SIF, as both its writer (oci2sif: signing appends to it) and its
// reader (rootfs) look them up: a blob by its digest, and a JSON document read whole with a bound,
// since the sizes come from the (untrusted) descriptor table.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sifkit/sif/image.hpp"

namespace sifkit::oci {

// Indexes, manifests, configs and signature payloads are JSON of a few KiB; a larger "document"
// is a hostile image, refused before it is read into memory.
inline constexpr std::uint64_t kMaxDocumentBytes = 16U << 20;

// The OCI.RootIndex object, or nullptr when there is none (a native SIF). An image with more than
// one is refused (invalid_image, naming their IDs): which one would be meant? Apptainer's reader
// refuses it too (the reference library's GetDescriptor finds several).
const sif::Descriptor* find_root_index(const sif::Image& image);

// The OCI.Blob object holding `digest`, or nullptr.
const sif::Descriptor* find_blob(const sif::Image& image, std::string_view digest);

// The whole of a document object. Refuses one over kMaxDocumentBytes with
// "OCI-SIF: <what> is larger than 16 MiB" (invalid_image, naming the image). The digest is the
// caller's to check: a root index has none to check against.
std::string read_document(const sif::Image& image, const sif::Descriptor& object,
                          const std::string& what);

}  // namespace sifkit::oci
