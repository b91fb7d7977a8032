// The action scripts (/.singularity.d/actions) and the default startscript. Apptainer and
// SingularityCE have used built-in copies of the actions since Singularity 3.6 (the runtime
// writes them into its session directory), so these files serve older runtimes, tools that run
// an image's actions themselves, and the /.exec, /.run, /.shell, /.test links. Each one first
// sources the environment scripts the way the runtime does, then starts what its action names.
#include <string>
#include <vector>

#include "metadata_scripts.hpp"

namespace sifkit::oci2sif::detail {
namespace {

constexpr const char* kShebang = "#!/bin/sh\n";

constexpr const char* kSourceEnvironment =
    "# The container's environment: every /.singularity.d/env/*.sh, in name order.\n"
    "for sifkit_env_script in /.singularity.d/env/*.sh; do\n"
    "    if [ -f \"$sifkit_env_script\" ]; then\n"
    "        . \"$sifkit_env_script\"\n"
    "    fi\n"
    "done\n"
    "unset sifkit_env_script\n";

// `preamble` runs before the environment is set up.
std::string action(const char* purpose, const std::string& body, const char* preamble = "") {
    return std::string(kShebang) + "# Written by sifkit, as Apptainer writes it: " + purpose +
           "\n" + preamble + kSourceEnvironment + body;
}

// `run` and `test` look for their script in the SCIF app chosen with --app first (falling back
// to the image-wide app "singularity"), else in /.singularity.d; `fallback` runs when there is
// none.
std::string app_or_image_script(const char* script, const char* missing_for_app,
                                const char* fallback) {
    const std::string name = script;
    return "if [ -n \"${SINGULARITY_APPNAME:-}\" ]; then\n"
           "    for sifkit_script in \"/scif/apps/$SINGULARITY_APPNAME/scif/" +
           name + "\" /scif/apps/singularity/scif/" + name +
           "; do\n"
           "        if [ -x \"$sifkit_script\" ]; then\n"
           "            exec \"$sifkit_script\" \"$@\"\n"
           "        fi\n"
           "    done\n"
           "    echo \"" +
           missing_for_app +
           ": $SINGULARITY_APPNAME\" >&2\n"
           "    exit 1\n"
           "fi\n"
           "if [ -x /.singularity.d/" +
           name +
           " ]; then\n"
           "    exec /.singularity.d/" +
           name + " \"$@\"\n" + "fi\n" + fallback;
}

constexpr const char* kShellBody =
    "if [ -n \"${SINGULARITY_SHELL:-}\" ] && [ -x \"$SINGULARITY_SHELL\" ]; then\n"
    "    exec \"$SINGULARITY_SHELL\" \"$@\"\n"
    "fi\n"
    "if [ -x /bin/bash ]; then\n"
    "    SHELL=/bin/bash\n"
    "    PS1=\"Apptainer ${APPTAINER_NAME:-${SINGULARITY_NAME:-}}:\\\\w> \"\n"
    "    export SHELL PS1\n"
    "    exec /bin/bash --norc \"$@\"\n"
    "fi\n"
    "if [ -x /bin/sh ]; then\n"
    "    SHELL=/bin/sh\n"
    "    export SHELL\n"
    "    exec /bin/sh \"$@\"\n"
    "fi\n"
    "echo \"ERROR: /bin/sh does not exist in container\" >&2\n"
    "exit 1\n";

// The instance's PID 1 waits for SIGCONT before the instance counts as started, so the signal is
// sent before anything that could fail.
constexpr const char* kStartPreamble =
    "# The instance's PID 1 waits for this signal before the instance counts as started.\n"
    "kill -CONT 1\n";

constexpr const char* kStartBody =
    "if [ -x /.singularity.d/startscript ]; then\n"
    "    exec /.singularity.d/startscript\n"
    "fi\n";

}  // namespace

std::vector<ScriptFile> action_scripts() {
    return {
        {"exec", action("`exec` runs the command it is given.", "exec \"$@\"\n")},
        {"run", action("`run` runs the runscript with the arguments.",
                       app_or_image_script("runscript", "No runscript for contained app",
                                           "echo \"No runscript found, executing /bin/sh\" >&2\n"
                                           "exec /bin/sh \"$@\"\n"))},
        {"shell", action("`shell` starts an interactive shell.", kShellBody)},
        {"start", action("`instance start` runs the startscript.", kStartBody, kStartPreamble)},
        {"test", action("`test` runs the image's test script.",
                        app_or_image_script("test", "No tests for contained app",
                                            "echo \"No test found in container, executing "
                                            "/bin/sh -c true\" >&2\n"
                                            "exec /bin/sh -c true\n"))},
    };
}

std::string default_startscript() {
    return std::string(kShebang) +
           "# Written by sifkit, as Apptainer writes it for OCI images: `instance start` runs\n"
           "# this, and an image built from an OCI config starts nothing.\n";
}

}  // namespace sifkit::oci2sif::detail
