// The one place the CLI sources include CLI11.
//
// GCC 12 reports -Wnull-dereference inside libstdc++'s std::string when it inlines CLI11's
// CLI::detail::split (a vector<string>::emplace_back that reallocates) at -O2 and above: a
// false positive in system headers, which GCC 12 still reports once the code is inlined into
// ours. GCC honours a diagnostic pragma anywhere on the inlining chain, so silencing it around
// CLI11's headers alone keeps the warning on for everything sifkit writes itself.
#pragma once

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#endif
#include <CLI/CLI.hpp>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
