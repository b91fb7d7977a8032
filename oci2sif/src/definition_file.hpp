// The definition file recorded for a converted image: what Apptainer writes when it builds from
// the same source ("bootstrap: docker-archive" / "from: FILE"), so that `apptainer inspect
// --deffile` shows where the image came from.
#pragma once

#include <string>

#include "image_source.hpp"

namespace sifkit::oci2sif {

std::string definition_file(const ImageSource& source);

}  // namespace sifkit::oci2sif
