// /.singularity.d/labels.json: the image's labels plus the ones Apptainer adds when it builds.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "metadata_input.hpp"

namespace sifkit::oci2sif::detail {

// The header of a definition file ("bootstrap: docker", "from: alpine"): keys lower-cased, values
// trimmed, comments dropped, read up to the first %section. invalid_input Error for a header line
// that is not "key: value".
std::map<std::string, std::string> deffile_header(std::string_view deffile);

// "Tuesday_1_December_2026_6:59:31_UTC" and "2026-12-01T06:59:31Z": the two ways Apptainer writes
// the build time into labels (org.label-schema.build-date, org.opencontainers.image.created).
std::string label_schema_build_date(std::int64_t unix_seconds);
std::string rfc3339_utc(std::int64_t unix_seconds);

// The whole file, byte for byte as Apptainer's Go code writes it for valid UTF-8: keys sorted,
// tab-indented, no final newline, <, > and & escaped as \u003c, \u003e, \u0026.
std::string labels_json(const MetadataInput& input);

// An image's labels.json read back: invalid_input Error naming `file` when it is not a JSON object
// of strings.
std::map<std::string, std::string> parse_labels_json(std::string_view text,
                                                     const std::string& file);

// A string map as Go's json.MarshalIndent(map, "", "\t") writes it (the format of both
// labels.json files: the image's and a SCIF app's).
std::string go_json_object(const std::map<std::string, std::string>& object);

}  // namespace sifkit::oci2sif::detail
