// What a definition file's sections make of the /.singularity.d files: %runscript,
// %startscript, %test, %help, %environment, %labels and the SCIF %app* sections, written as
// Apptainer's build writes them (internal/pkg/build/stage.go, metadata.go, apps/apps.go).
#pragma once

#include "metadata_input.hpp"
#include "sifkit/oci2sif/definition.hpp"

namespace sifkit::oci2sif {

void apply_definition(MetadataInput& input, const Definition& definition);

}  // namespace sifkit::oci2sif
