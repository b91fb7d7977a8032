#include "usage_errors.hpp"

#include <iostream>
#include <vector>

#include "did_you_mean.hpp"
#include "exit_codes.hpp"

namespace sifkit::cli {
namespace {

std::vector<std::string> command_names(const CLI::App& parent) {
    std::vector<std::string> names;
    for (const CLI::App* sub : parent.get_subcommands([](const CLI::App*) { return true; })) {
        names.push_back(sub->get_name());
    }
    return names;
}

std::vector<std::string> option_names(const CLI::App& command) {
    std::vector<std::string> names;
    for (const CLI::Option* option : command.get_options()) {
        for (const std::string& name : option->get_lnames()) {
            names.push_back("--" + name);
        }
        for (const std::string& name : option->get_snames()) {
            names.push_back("-" + name);
        }
    }
    return names;
}

std::string in_quotes(std::string_view text) {
    return "\"" + std::string(text) + "\"";
}

std::string with_suggestion(std::string message, std::string_view typed,
                            const std::vector<std::string>& names) {
    const auto close = closest_names(typed, names);
    for (std::size_t i = 0; i < close.size(); ++i) {
        message += (i == 0                  ? "; did you mean "
                    : i + 1 == close.size() ? " or "
                                            : ", ") +
                   in_quotes(close[i]);
    }
    return close.empty() ? message : message + "?";
}

// The command CLI11 was parsing when it failed: the last one the command line selected.
const CLI::App& innermost_command(const CLI::App& root) {
    const CLI::App* command = &root;
    while (!command->get_subcommands().empty()) {
        command = command->get_subcommands().front();
    }
    return *command;
}

void print_usage_error(const CLI::App& command, const std::string& message) {
    const std::string path = command_path(command);
    // main() keeps CLI11's own Formatter (with the COMMAND label); a plain one otherwise.
    const auto formatter = std::dynamic_pointer_cast<CLI::Formatter>(command.get_formatter());
    std::string usage = formatter ? formatter->make_usage(&command, path)
                                  : CLI::Formatter().make_usage(&command, path);
    while (!usage.empty() && usage.back() == '\n') {
        usage.pop_back();
    }
    const std::string where =
        command.get_parent() == nullptr ? "" : path.substr(path.find(' ') + 1) + ": ";
    std::cerr << "sifkit: " << where << message << '\n'
              << usage << " (see " << in_quotes(path + " --help") << ")\n";
}

// An argument CLI11 left over: an option the command does not have, or one word too many.
std::string unexpected_argument_message(const CLI::App& command, const std::string& argument) {
    if (argument.size() > 1 && argument.front() == '-') {
        const std::string name = argument.substr(0, argument.find('='));
        return with_suggestion("unknown option " + in_quotes(name), name, option_names(command));
    }
    return "unexpected argument " + in_quotes(argument);
}

bool all_digits(std::string_view text) {
    return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

// CLI11 2.1 says "Could not convert: NAME = VALUE"; say what kind of value NAME takes.
std::string conversion_message(const CLI::App& command, const std::string& what) {
    static const std::string kPrefix = "Could not convert: ";
    const auto separator = what.find(" = ");
    if (!what.starts_with(kPrefix) || separator == std::string::npos) {
        return what;
    }
    const std::string name = what.substr(kPrefix.size(), separator - kPrefix.size());
    const std::string value = what.substr(separator + 3);
    const CLI::Option* option = command.get_option_no_throw(name);
    const std::string type = option == nullptr ? "" : option->get_type_name();
    if (type == "UINT" || type == "INT" || type == "FLOAT") {
        if (type == "UINT" && value.starts_with('-')) {
            return name + " " + in_quotes(value) + " is negative";
        }
        return name + " " + in_quotes(value) +
               (all_digits(value) ? " is too large" : " is not a number");
    }
    return name + " " + in_quotes(value) + " is not a valid value";
}

}  // namespace

const CLI::App* find_command(const CLI::App& parent, std::string_view name) {
    const auto found =
        parent.get_subcommands([name](const CLI::App* sub) { return sub->get_name() == name; });
    return found.empty() ? nullptr : found.front();
}

std::string command_path(const CLI::App& command) {
    std::string path = command.get_name();
    for (const CLI::App* parent = command.get_parent(); parent != nullptr;
         parent = parent->get_parent()) {
        path = parent->get_name() + " " + path;
    }
    return path;
}

std::optional<int> reject_unknown_command(const CLI::App& root, int argc, const char* const* argv) {
    const CLI::App* parent = &root;
    for (int i = 1; i < argc; ++i) {
        const std::string_view word = argv[i];
        // Options are CLI11's to judge; a command without subcommands takes its own arguments.
        if (word.starts_with('-') || command_names(*parent).empty()) {
            break;
        }
        const CLI::App* command = find_command(*parent, word);
        if (command == nullptr) {
            print_usage_error(*parent, with_suggestion("unknown command " + in_quotes(word), word,
                                                       command_names(*parent)));
            return kExitUsage;
        }
        // `sifkit help key generate`: the words after help name a command too.
        parent = parent == &root && word == "help" ? &root : command;
    }
    return std::nullopt;
}

int report_usage_error(const CLI::App& root, const CLI::ParseError& error) {
    const CLI::App& command = innermost_command(root);
    const std::string what = error.what();
    const auto left = root.remaining(true);
    // An unknown option explains the rest (`sifkit --versio` is "a command is required" to
    // CLI11, `list --jsn` without an image "SIF_PATH is required"): name it first.
    const bool unknown_option =
        !left.empty() && left.front().size() > 1 && left.front().front() == '-';
    std::string message = what;
    if (unknown_option ||
        (dynamic_cast<const CLI::ExtrasError*>(&error) != nullptr && !left.empty())) {
        message = unexpected_argument_message(command, left.front());
    } else if (dynamic_cast<const CLI::ConversionError*>(&error) != nullptr) {
        message = conversion_message(command, what);
    } else if (dynamic_cast<const CLI::ArgumentMismatch*>(&error) != nullptr &&
               what.ends_with(" missing") && what.find(": ") != std::string::npos) {
        // CLI11: "--key: 1 required TEXT missing".
        message = what.substr(0, what.find(": ")) + " needs a value";
    } else if (what == "A subcommand is required") {
        message = "a command is required";
    }
    print_usage_error(command, message);
    return kExitUsage;
}

}  // namespace sifkit::cli
