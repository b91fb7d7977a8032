// A test tool: converts an OCI layout through the same entry point a registry pull uses
// (ConvertOptions::source as a ServedLayout, here a directory store) with the definition-file
// header a pull records, so that the tests can require a pulled SIF to be byte-identical to it.
//
//   convert_like_pull LAYOUT TAG BOOTSTRAP FROM OUTPUT [PLATFORM]
#include <iostream>

#include "sifkit/oci2sif/blob_store.hpp"
#include "sifkit/oci2sif/convert.hpp"
#include "sifkit/sif/error.hpp"

int main(int argc, char** argv) {
    if (argc != 6 && argc != 7) {
        std::cerr << "usage: convert_like_pull LAYOUT TAG BOOTSTRAP FROM OUTPUT [PLATFORM]\n";
        return 2;
    }
    try {
        sifkit::oci2sif::ConvertOptions options;
        options.source =
            sifkit::oci2sif::ServedLayout{.store = sifkit::oci2sif::open_directory_store(argv[1]),
                                          .tag = argv[2],
                                          .bootstrap = argv[3],
                                          .from = argv[4]};
        options.output = argv[5];
        options.overwrite = true;
        if (argc == 7) {
            options.platform = argv[6];
        }
        sifkit::oci2sif::convert(options);
    } catch (const sifkit::Error& e) {
        std::cerr << "convert_like_pull: " << e.what() << '\n';
        return 1;
    }
    return 0;
}
