// The shell scripts of the /.singularity.d tree. Internal to singularity_metadata(); each
// function returns a whole file. docs/singularity-metadata.md explains every script.
#pragma once

#include <string>
#include <vector>

namespace sifkit::oci2sif::detail {

// A script and its file name inside its /.singularity.d directory.
struct ScriptFile {
    std::string name;
    std::string text;
};

// /.singularity.d/runscript: ENTRYPOINT, then the run arguments or CMD (runscript.cpp).
std::string oci_runscript(const std::vector<std::string>& entrypoint,
                          const std::vector<std::string>& cmd);

// /.singularity.d/env/10-docker2singularity.sh: the config's Env (env_scripts.cpp).
std::string docker_env_script(const std::vector<std::string>& env);

// The fixed scripts of /.singularity.d/env besides 10-docker2singularity.sh, in file name order
// (env_scripts.cpp).
std::vector<ScriptFile> base_env_scripts();

// /.singularity.d/actions/{exec,run,shell,start,test} (action_scripts.cpp).
std::vector<ScriptFile> action_scripts();

// /.singularity.d/startscript: what `instance start` runs; nothing for OCI images.
std::string default_startscript();

}  // namespace sifkit::oci2sif::detail
