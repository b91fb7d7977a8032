#include "help_model.hpp"

#include <memory>

#include "usage_errors.hpp"

namespace sifkit::cli {
namespace {

// The formatter the help itself uses (main() labels it), or CLI11's default one.
std::shared_ptr<const CLI::Formatter> formatter_of(const CLI::App& command) {
    if (auto own = std::dynamic_pointer_cast<const CLI::Formatter>(command.get_formatter())) {
        return own;
    }
    return std::make_shared<const CLI::Formatter>();
}

OptionHelp describe_option(const CLI::Formatter& formatter, const CLI::Option& option,
                           bool positional) {
    OptionHelp help;
    if (positional) {
        help.names.push_back(formatter.make_option_name(&option, true));
    } else {
        for (const std::string& name : option.get_snames()) {
            help.names.push_back("-" + name);
        }
        for (const std::string& name : option.get_lnames()) {
            help.names.push_back("--" + name);
        }
    }
    help.value = formatter.make_option_opts(&option);
    help.description = formatter.make_option_desc(&option);
    // A flag expects no value (CLI11 gives it expected(0)); an option one or more.
    help.takes_value = option.get_expected_max() > 0 && option.get_type_size_max() > 0;
    help.repeatable = option.get_expected_max() > 1 ||
                      option.get_multi_option_policy() == CLI::MultiOptionPolicy::TakeAll;
    return help;
}

// The text of the usage line after the command's path: "[OPTIONS] SOURCE OUTPUT".
std::string usage_arguments(const CLI::Formatter& formatter, const CLI::App& command) {
    std::string usage = formatter.make_usage(&command, "");
    while (!usage.empty() && usage.back() == '\n') {
        usage.pop_back();
    }
    const auto colon = usage.find(':');
    usage = colon == std::string::npos ? usage : usage.substr(colon + 1);
    const auto start = usage.find_first_not_of(' ');
    return start == std::string::npos ? std::string() : usage.substr(start);
}

}  // namespace

CommandHelp describe_command(const CLI::App& command) {
    const auto formatter = formatter_of(command);
    CommandHelp help;
    help.name = command.get_name();
    help.path = command_path(command);
    help.description = command.get_description();
    help.usage = usage_arguments(*formatter, command);
    help.footer = command.get_footer();

    // The help's rules: an option in the empty group is hidden; positionals are listed apart.
    for (const CLI::Option* option : command.get_options()) {
        if (!option->get_group().empty() && option->get_positional()) {
            help.positionals.push_back(describe_option(*formatter, *option, true));
        }
    }
    for (const std::string& group : command.get_groups()) {
        if (group.empty()) {
            continue;
        }
        OptionGroupHelp listed{group, {}};
        for (const CLI::Option* option : command.get_options()) {
            if (option->get_group() == group && option->nonpositional()) {
                listed.options.push_back(describe_option(*formatter, *option, false));
            }
        }
        if (!listed.options.empty()) {
            help.option_groups.push_back(std::move(listed));
        }
    }
    for (const CLI::App* sub : command.get_subcommands([](const CLI::App* candidate) {
             return !candidate->get_name().empty() && !candidate->get_group().empty();
         })) {
        help.subcommands.push_back(describe_command(*sub));
    }
    return help;
}

}  // namespace sifkit::cli
