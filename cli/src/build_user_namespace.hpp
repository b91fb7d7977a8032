// Rootless builds that run commands: the build re-executes itself in a user namespace made by
// util-linux's `unshare --map-root-user --map-auto` (newuidmap/newgidmap with the caller's
// /etc/subuid and /etc/subgid ranges: Apptainer's --fakeroot mapping), so that files %post gives
// to other users keep those owners.
#pragma once

namespace sifkit::cli {

// Re-executes this command in such a namespace (does not return). Does nothing as root or when
// already in a user namespace. An unsupported Error says what is missing (no range, no
// unshare/newuidmap/newgidmap).
void enter_build_user_namespace();

}  // namespace sifkit::cli
