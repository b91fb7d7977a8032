#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#if defined(__SANITIZE_ADDRESS__)
// Under AddressSanitizer a calloc of an impossible size returns NULL, as glibc's does, instead of
// aborting: the corrupt-image tests check that libsquashfs's failed allocation (sized from a
// corrupt inode) becomes a clear error. sifkit's own `new` still aborts on such sizes.
extern "C" const char* __asan_default_options() {
    return "allocator_may_return_null=1";
}
#endif
