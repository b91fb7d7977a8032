# Every dependency comes from a Debian package (see scripts/install-deps).
find_package(PkgConfig REQUIRED)
pkg_check_modules(UUID REQUIRED IMPORTED_TARGET uuid)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
if(SIFKIT_BUILD_TESTS)
    find_package(Catch2 2 REQUIRED)
endif()
