# Every dependency comes from a Debian package (see scripts/install-deps).
find_package(PkgConfig REQUIRED)
pkg_check_modules(UUID REQUIRED IMPORTED_TARGET uuid)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
if(SIFKIT_BUILD_TESTS)
    find_package(Catch2 2 REQUIRED)
endif()
find_package(OpenSSL 3 REQUIRED COMPONENTS Crypto)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
# oci2sif: squashfs writing, layer tars and their compressions.
pkg_check_modules(SQUASHFS REQUIRED IMPORTED_TARGET libsquashfs1)
pkg_check_modules(LIBARCHIVE REQUIRED IMPORTED_TARGET libarchive)
pkg_check_modules(ISAL REQUIRED IMPORTED_TARGET libisal)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
pkg_check_modules(DEFLATE REQUIRED IMPORTED_TARGET libdeflate)
find_package(Threads REQUIRED)
# registry: HTTP(S) to OCI registries.
pkg_check_modules(CURL REQUIRED IMPORTED_TARGET libcurl)
