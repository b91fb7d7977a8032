# cpack pre-build script (cmake/SifkitPackaging.cmake): compresses the staged man pages with
# gzip -9n as Debian's policy asks; -n leaves out the name and time stamp, so the packages
# stay reproducible.
file(GLOB_RECURSE pages "${CPACK_TEMPORARY_DIRECTORY}/*.1")
list(FILTER pages INCLUDE REGEX "/man/man1/[^/]+\\.1$")
foreach(page IN LISTS pages)
    execute_process(COMMAND gzip -9nf "${page}" RESULT_VARIABLE failed)
    if(failed)
        message(FATAL_ERROR "gzip -9n ${page} failed")
    endif()
endforeach()
