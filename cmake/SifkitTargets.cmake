# Compiler settings shared by every sifkit target: the warnings we hold our code to, errors only
# where we control the compiler (SIFKIT_WERROR: CI, scripts/test, developers), and the sanitizer
# build instrumenting libraries, tools and tests alike.
#
# SIFKIT_WERROR is OFF by default: a user's or packager's `cmake --build` must not stop because a
# newer GCC or clang than ours learned a new warning. CI turns it on for both compilers.
option(SIFKIT_WERROR "Treat compiler warnings as errors (CI and development builds)" OFF)

add_library(sifkit_build_flags INTERFACE)
if(SIFKIT_WERROR)
    target_compile_options(sifkit_build_flags INTERFACE -Werror)
endif()
target_compile_options(sifkit_build_flags INTERFACE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Wunused -Woverloaded-virtual -Wconversion -Wsign-conversion
    -Wnull-dereference -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough
    # GCC 12's -Wrestrict misfires inside libstdc++'s inlined std::string concatenation at -O3
    # (GCC bug 105329); it finds nothing in sifkit's own code.
    $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)

if(SIFKIT_SANITIZE)
    set(_sifkit_san -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
    # GCC's -Wmaybe-uninitialized reports false positives inside libstdc++ (std::regex,
    # std::function) once ASan instruments optimised code; the unsanitized build keeps it.
    target_compile_options(sifkit_build_flags INTERFACE ${_sifkit_san}
        $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized>)
    target_link_options(sifkit_build_flags INTERFACE ${_sifkit_san})
endif()

# sifkit_module(NAME SOURCES...) declares a module library `sifkit_NAME` with its
# public headers in NAME/include and its internals private to NAME/src.
function(sifkit_module name)
    add_library(sifkit_${name} STATIC ${ARGN})
    add_library(sifkit::${name} ALIAS sifkit_${name})
    target_include_directories(sifkit_${name}
        PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
        PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
    target_link_libraries(sifkit_${name} PRIVATE sifkit_build_flags)
    set_target_properties(sifkit_${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
endfunction()
