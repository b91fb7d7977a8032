#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

// GCC says __SANITIZE_ADDRESS__; clang before 17 says it only through __has_feature.
#if defined(__SANITIZE_ADDRESS__)
#define SIFKIT_TESTS_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIFKIT_TESTS_UNDER_ASAN 1
#endif
#endif

#if defined(SIFKIT_TESTS_UNDER_ASAN)
// Under AddressSanitizer a calloc of an impossible size returns NULL, as glibc's does, instead of
// aborting: the corrupt-image tests check that libsquashfs's failed allocation (sized from a
// corrupt inode) becomes a clear error. sifkit's own `new` still aborts on such sizes.
extern "C" const char* __asan_default_options() {
    return "allocator_may_return_null=1";
}
#endif
