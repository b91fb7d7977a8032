// sifkit login / logout: registry credentials in the auth file podman and skopeo use.
#include <termios.h>
#include <unistd.h>

#include <iostream>

#include "commands.hpp"
#include "output.hpp"
#include "registry_options.hpp"
#include "sifkit/registry/login.hpp"
#include "sifkit/sif/error.hpp"

namespace sifkit::cli {
namespace {

struct LoginCommand {
    std::string registry;
    std::string username;
    std::string password;
    bool password_stdin = false;
    RegistryCliOptions options;
};

std::string first_line_of_stdin() {
    std::string line;
    std::getline(std::cin, line);
    if (!line.empty() && line.back() == '\r') {
        line.pop_back();
    }
    return line;
}

// Prompts on the terminal without echo.
std::string prompt(const std::string& question, bool secret) {
    if (::isatty(STDIN_FILENO) != 1) {
        throw Error(ErrorKind::usage, "no terminal to ask for the " + question +
                                          ": give --username and --password-stdin");
    }
    std::cerr << question << ": " << std::flush;
    termios saved{};
    const bool hide = secret && ::tcgetattr(STDIN_FILENO, &saved) == 0;
    if (hide) {
        termios quiet = saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    const std::string answer = first_line_of_stdin();
    if (hide) {
        ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        std::cerr << '\n';
    }
    return answer;
}

}  // namespace

void register_login(CLI::App& app) {
    auto o = std::make_shared<LoginCommand>();
    CLI::App* cmd = app.add_subcommand(
        "login", "Check credentials on a registry and store them in the auth file");
    cmd->add_option("REGISTRY", o->registry, "HOST[:PORT]")->required();
    cmd->add_option("-u,--username", o->username, "User name (default: asked on the terminal)");
    cmd->add_option("-p,--password", o->password,
                    "Password (visible to other users: prefer --password-stdin)");
    cmd->add_flag("--password-stdin", o->password_stdin, "Read the password from standard input");
    o->options.add_to(*cmd, false);
    cmd->footer(
        "Writes $REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json, else\n"
        "~/.config/containers/auth.json (or --authfile), in the format podman and docker use.\n"
        "Example:\n  echo \"$TOKEN\" | sifkit login -u ci --password-stdin registry.example");
    cmd->callback([o] {
        registry::Credentials creds;
        creds.username = o->username.empty() ? prompt("Username", false) : o->username;
        if (o->password_stdin) {
            creds.password = first_line_of_stdin();
        } else if (!o->password.empty()) {
            creds.password = o->password;
        } else {
            creds.password = prompt("Password", true);
        }
        if (creds.username.empty()) {
            throw Error(ErrorKind::usage, "no user name");
        }
        const auto file =
            registry::login(o->registry, creds, o->options.resolve(), o->options.auth_file());
        write_stdout("Login succeeded: " + creds.username + " on " + o->registry + " (stored in " +
                     file.string() + ")\n");
    });

    auto out = std::make_shared<LoginCommand>();
    CLI::App* logout = app.add_subcommand("logout", "Remove a registry's credentials");
    logout->add_option("REGISTRY", out->registry, "HOST[:PORT]")->required();
    logout->add_option("--authfile", out->options.authfile, "Auth file (default: as login)");
    logout->footer("Example:\n  sifkit logout registry.example");
    logout->callback([out] {
        const auto file = registry::logout(out->registry, out->options.auth_file());
        if (!file) {
            throw Error(ErrorKind::not_found, "no credentials stored for " + out->registry);
        }
        write_stdout("Removed the credentials of " + out->registry + " from " + file->string() +
                     "\n");
    });
}

}  // namespace sifkit::cli
