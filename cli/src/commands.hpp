// Each sifkit subcommand registers itself on the root application. Commands are thin: they parse
// options, call a library, and print.
#pragma once

#include <string>

#include "cli11.hpp"

namespace sifkit::cli {

// "sifkit VERSION", as `--version` and `sifkit version` print it.
std::string version_text();
// help [COMMAND...] and version, as siftool and Apptainer have them (cmd_help.cpp).
void register_help(CLI::App& app);
void register_version(CLI::App& app);
// The hidden __generate-docs: man pages and shell completion for the build (cmd_generate_docs.cpp).
void register_generate_docs(CLI::App& app);

// SIF commands with siftool's arguments and semantics.
void register_new(CLI::App& app);
void register_add(CLI::App& app);
void register_del(CLI::App& app);
void register_setprim(CLI::App& app);
void register_list(CLI::App& app);
void register_info(CLI::App& app);
void register_header(CLI::App& app);
void register_dump(CLI::App& app);

// OCI images and root file systems into SIF.
void register_convert(CLI::App& app);
void register_build(CLI::App& app);

// Looking inside images and getting their contents back out (sifkit::rootfs).
void register_inspect(CLI::App& app);
void register_ls(CLI::App& app);
void register_cat(CLI::App& app);
void register_extract(CLI::App& app);
void register_export(CLI::App& app);
void register_bundle(CLI::App& app);
// Registries: pull, push, credentials, the blob cache.
void register_pull(CLI::App& app);
void register_push(CLI::App& app);
void register_login(CLI::App& app);
void register_cache(CLI::App& app);

// Keys, signing and verification.
void register_key(CLI::App& app);
// The keyring subcommands of `key` (cmd_key_ring.cpp).
void register_keyring_commands(CLI::App& key);
void register_sign(CLI::App& app);
void register_verify(CLI::App& app);
void register_stage(CLI::App& app);

}  // namespace sifkit::cli
