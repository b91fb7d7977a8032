#include "definition_file.hpp"

namespace sifkit::oci2sif {

std::string definition_file(const ImageSource& source) {
    switch (source.kind) {
        case ImageSource::Kind::directory:
            // A root file system directory is what Apptainer calls a sandbox: "localimage".
            return "bootstrap: localimage\nfrom: " + source.path.string() + "\n";
        case ImageSource::Kind::scratch:
            return "bootstrap: scratch\n";
        case ImageSource::Kind::tarball:
            // Apptainer has no tarball bootstrap; record the origin without claiming one.
            return "bootstrap: scratch\n# root file system from tar:" + source.path.string() + "\n";
        case ImageSource::Kind::oci_layout:
        case ImageSource::Kind::oci_archive:
        case ImageSource::Kind::docker_archive:
            break;
    }
    return "bootstrap: " + source.bootstrap + "\nfrom: " + source.from + "\n";
}

}  // namespace sifkit::oci2sif
