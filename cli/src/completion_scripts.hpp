// Shell completion for sifkit, written from the same command tree as `--help`
// (help_model.hpp): commands and subcommands, and each command's options.
#pragma once

#include <string>

#include "help_model.hpp"

namespace sifkit::cli {

// A bash script defining the completion of `root` (bash-completion loads it on demand).
std::string bash_completion(const CommandHelp& root);
// A zsh completion function (#compdef), for a directory in $fpath as `_sifkit`.
std::string zsh_completion(const CommandHelp& root);

}  // namespace sifkit::cli
