# Installation of what is not a build target (documentation, example job scripts, copyright)
# and the Debian packages cpack builds from the install:
#
#   sifkit        the sifkit command, its man pages, bash and zsh completion, the documentation
#                 and the example job scripts (component "sifkit");
#   sifkit-slurm  the SPANK plugin sifkit_spank.so (component "slurm"), which runs sifkit and
#                 only loads into the Slurm release it was built for.
#
# Build them from a build configured with -DCMAKE_INSTALL_PREFIX=/usr (the packages install
# where the build says: the plugin has the sifkit path compiled in): `cpack -G DEB` in the
# build directory; scripts/check-package does it and installs them.

# The documentation keeps the repository's layout, so that its relative links still work.
install(FILES README.md packaging/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT sifkit)
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs COMPONENT sifkit
        FILES_MATCHING PATTERN "*.md")
# The job scripts of docs/slurm.md: they need only sifkit, not the plugin.
install(DIRECTORY slurm/examples/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/slurm/examples
        COMPONENT sifkit PATTERN "plugstack.conf" EXCLUDE)
set(cpack_components sifkit)
if(TARGET sifkit_spank)
    # The plugin's configuration line, as an example: the package does not enable it (a
    # `required` line without the site's keys would refuse every job step).
    set(slurm_docdir ${CMAKE_INSTALL_DATADIR}/doc/sifkit-slurm)
    install(FILES packaging/copyright slurm/examples/plugstack.conf DESTINATION ${slurm_docdir}
            COMPONENT slurm)
    list(APPEND cpack_components slurm)
endif()

set(CPACK_PACKAGE_NAME sifkit)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Convert OCI images to SIF, sign, verify and stage them")
set(CPACK_PACKAGE_CONTACT "sifkit maintainers <sifkit@maintainers.invalid>" CACHE STRING
    "The Maintainer of the packages cpack builds")
set(CPACK_PACKAGE_CONTACT ${CPACK_PACKAGE_CONTACT})
set(CPACK_GENERATOR DEB)
# The packages install to the prefix the build was configured for (the plugin's default
# sifkit path, the pages' documentation path are compiled in).
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_COMPONENTS_ALL ${cpack_components})
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Debian's rule for man pages: gzip -9n (no name, no time stamp: reproducible).
set(CPACK_PRE_BUILD_SCRIPTS ${CMAKE_CURRENT_LIST_DIR}/SifkitCompressManPages.cmake)

set(CPACK_DEBIAN_SIFKIT_PACKAGE_NAME sifkit)
set(CPACK_DEBIAN_SIFKIT_PACKAGE_SHLIBDEPS ON)
# What sifkit runs (not links): unsquashfs and runc for build, newuidmap for rootless builds.
set(CPACK_DEBIAN_SIFKIT_PACKAGE_RECOMMENDS "squashfs-tools, runc, uidmap")
set(CPACK_COMPONENT_SIFKIT_DESCRIPTION
    "Singularity Image Format (SIF) toolkit\n"
    "sifkit converts OCI/Docker images into SIF images that Apptainer and SingularityCE run,\n"
    "signs and verifies them, and stages verified copies for Slurm jobs: rootless,\n"
    "reproducible, byte-compatible with the reference SIF implementation.")

if(TARGET sifkit_spank)
    set(CPACK_DEBIAN_SLURM_PACKAGE_NAME sifkit-slurm)
    set(CPACK_DEBIAN_SLURM_PACKAGE_SHLIBDEPS ON)
    # Slurm loads a SPANK plugin only when its major.minor release is Slurm's own (the micro
    # release may differ: src/common/plugin.c); the basic plugins package
    # carries libslurmfull, through which srun, sbatch, salloc and slurmstepd load SPANK
    # plugins, and every Slurm command package depends on its exact version.
    set(CPACK_DEBIAN_SLURM_PACKAGE_DEPENDS
        "sifkit (= ${PROJECT_VERSION}-1), slurm-wlm-basic-plugins (>= ${SIFKIT_SLURM_VERSION}), slurm-wlm-basic-plugins (<< ${SIFKIT_SLURM_RELEASE_END}~)")
    set(CPACK_COMPONENT_SLURM_DESCRIPTION
        "Slurm SPANK plugin of sifkit: verified SIF images for job steps\n"
        "sifkit_spank.so adds --sif-image=PATH to srun, sbatch and salloc: a step starts only\n"
        "with an image verified against the site's keys (and, with ecl=, allowed by its\n"
        "execution control list). Built for Slurm ${SIFKIT_SLURM_VERSION}; enable it with one\n"
        "line in plugstack.conf (/usr/share/doc/sifkit-slurm/plugstack.conf).")
endif()

include(CPack)
