// sifkit: command-line entry point. Parses the command line, runs one subcommand and maps
// sifkit::Error kinds to the exit codes documented in docs/cli.md.
#include <csignal>
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>

#include "cli11.hpp"

#include "commands.hpp"
#include "exit_code_help.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "progress_bar.hpp"
#include "sifkit/rootfs/unpack.hpp"
#include "sifkit/sif/atomic_file.hpp"
#include "sifkit/sif/error.hpp"
#include "usage_errors.hpp"

namespace {

// An interrupted command must not leave a half-written output behind.
extern "C" void on_terminating_signal(int signal_number) {
    sifkit::cli::clear_status_line_on_signal();  // Ctrl-C leaves a clean line
    sifkit::sif::remove_pending_temporary_files();
    sifkit::rootfs::remove_pending_output_directories();  // export/bundle trees being built
    std::signal(signal_number, SIG_DFL);
    std::raise(signal_number);
}

void install_signal_handlers() {
    for (const int signal_number : {SIGINT, SIGTERM, SIGHUP}) {
        std::signal(signal_number, on_terminating_signal);
    }
    // Writes to a closed pipe become EPIPE errors, so that outputs being written are cleaned up
    // before sifkit dies of SIGPIPE after all, quietly, when it was standard output that broke
    // (see main); likewise a write past `ulimit -f` becomes EFBIG, and the output is cleaned up.
    std::signal(SIGPIPE, SIG_IGN);
    std::signal(SIGXFSZ, SIG_IGN);
}

int report(const std::string& message, int code) {
    std::cerr << "sifkit: " << message << '\n';
    return code;
}

}  // namespace

int main(int argc, char** argv) {
    install_signal_handlers();
    CLI::App app{"sifkit: build, inspect, sign and verify Singularity Image Format (SIF) images",
                 "sifkit"};
    app.require_subcommand(1);
    app.set_version_flag("--version", sifkit::cli::version_text());
    // The usage line reads as docs/cli.md writes it: sifkit [OPTIONS] COMMAND.
    app.get_formatter()->label("SUBCOMMAND", "COMMAND");
    app.get_formatter()->label("Subcommands", "Commands");
    sifkit::cli::register_new(app);
    sifkit::cli::register_add(app);
    sifkit::cli::register_del(app);
    sifkit::cli::register_setprim(app);
    sifkit::cli::register_list(app);
    sifkit::cli::register_info(app);
    sifkit::cli::register_header(app);
    sifkit::cli::register_dump(app);
    sifkit::cli::register_convert(app);
    sifkit::cli::register_build(app);
    sifkit::cli::register_inspect(app);
    sifkit::cli::register_ls(app);
    sifkit::cli::register_cat(app);
    sifkit::cli::register_extract(app);
    sifkit::cli::register_export(app);
    sifkit::cli::register_bundle(app);
    sifkit::cli::register_pull(app);
    sifkit::cli::register_push(app);
    sifkit::cli::register_login(app);
    sifkit::cli::register_cache(app);
    sifkit::cli::register_key(app);
    sifkit::cli::register_sign(app);
    sifkit::cli::register_verify(app);
    sifkit::cli::register_stage(app);
    sifkit::cli::register_help(app);
    sifkit::cli::register_version(app);
    sifkit::cli::register_generate_docs(app);
    sifkit::cli::add_exit_code_footers(app);

    if (const auto refused = sifkit::cli::reject_unknown_command(app, argc, argv)) {
        return *refused;
    }

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        return app.exit(CLI::CallForHelp());
    } catch (const CLI::CallForAllHelp&) {
        return app.exit(CLI::CallForAllHelp());
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        return sifkit::cli::report_usage_error(app, e);
    } catch (const sifkit::cli::VerifyFailed& verdict) {
        return verdict.code;
    } catch (const sifkit::Error& e) {
        if (sifkit::cli::is_closed_stdout_pipe(e)) {
            // As GNU tools: no message, exit status 141 (killed by SIGPIPE) for pipefail.
            on_terminating_signal(SIGPIPE);
        }
        return report(e.what(), sifkit::cli::exit_code_for(e.kind()));
    } catch (const std::bad_alloc&) {
        return report("out of memory", sifkit::cli::kExitInternal);
    } catch (const std::exception& e) {
        return report(std::string("internal error: ") + e.what(), sifkit::cli::kExitInternal);
    }
    return sifkit::cli::kExitOk;
}
