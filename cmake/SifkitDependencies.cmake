# Every dependency comes from a Debian package (see scripts/install-deps).
find_package(PkgConfig REQUIRED)
pkg_check_modules(UUID REQUIRED IMPORTED_TARGET uuid)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
if(SIFKIT_BUILD_TESTS)
    find_package(Catch2 2 REQUIRED)
    # What every test executable links instead of Catch2::Catch2 directly. Test code is built
    # without optimisation: a Catch2 test file takes ~4x longer to compile at -O2 (34 s against
    # 8 s with the sanitizers on 2 cores), and the code under test, the libraries and the
    # sifkit command, keeps the build type's optimisation (and its sanitizers).
    add_library(sifkit_test_flags INTERFACE)
    target_link_libraries(sifkit_test_flags INTERFACE Catch2::Catch2)
    target_compile_options(sifkit_test_flags INTERFACE -O0)
endif()
find_package(OpenSSL 3 REQUIRED COMPONENTS Crypto)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
# OpenPGP signing goes through GnuPG (sign/src/pgp_signer.cpp).
pkg_check_modules(GPGME REQUIRED IMPORTED_TARGET gpgme)
# oci2sif: squashfs writing, layer tars and their compressions.
pkg_check_modules(SQUASHFS REQUIRED IMPORTED_TARGET libsquashfs1)
pkg_check_modules(LIBARCHIVE REQUIRED IMPORTED_TARGET libarchive)
pkg_check_modules(ISAL REQUIRED IMPORTED_TARGET libisal)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
pkg_check_modules(DEFLATE REQUIRED IMPORTED_TARGET libdeflate)
find_package(Threads REQUIRED)
pkg_check_modules(LZO REQUIRED IMPORTED_TARGET lzo2)
# registry: HTTP(S) to OCI registries.
pkg_check_modules(CURL REQUIRED IMPORTED_TARGET libcurl)
