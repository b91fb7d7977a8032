# sifkit_install_dir(VAR DEBIAN_DIR OTHER_DIR DOC) declares the cache variable VAR, where one kind
# of file is installed (Slurm plugins, zsh completion). Left empty, it becomes DEBIAN_DIR for a
# /usr install on Debian (the directories its packages use, which differ from the upstream
# defaults) and OTHER_DIR elsewhere. One rule for every such directory, so the cli/ and slurm/
# installs cannot disagree about what "on Debian" means.
function(sifkit_install_dir var debian_dir other_dir doc)
    set(${var} "" CACHE STRING "${doc}")
    if(${var})
        return()
    endif()
    if(CMAKE_INSTALL_PREFIX STREQUAL "/usr" AND EXISTS /etc/debian_version)
        set(${var} "${debian_dir}" PARENT_SCOPE)
    else()
        set(${var} "${other_dir}" PARENT_SCOPE)
    endif()
endfunction()
