// The exit codes in every command's `--help` (and so in the man pages generated from the same
// CLI11 definitions): `sifkit --help` lists the whole table of exit_codes.cpp, each command the
// rows it can return, in its footer.
#pragma once

namespace CLI {
class App;
}

namespace sifkit::cli {

// Appends "Exit codes:" and the rows to the footer of `root` and of every command below it.
// Call once, after every command is registered.
void add_exit_code_footers(CLI::App& root);

}  // namespace sifkit::cli
