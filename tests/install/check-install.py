#!/usr/bin/env python3
"""cmake --install into a throwaway prefix, then checks what was installed against the installed
sifkit's own --help: every command (and subcommand) has a man page, each page lists every
option, argument and subcommand its --help shows; the bash completion script parses and
completes every command's subcommands and long options as the help lists them; the zsh
function parses (zsh -n) and offers the same. The documentation, the example job scripts, the copyright file and
the SPANK plugin (when it was built) are installed too.

  check-install.py CMAKE BUILD_DIR NAME=RELATIVE_DIR...

NAMEs: bindir mandir bashdir zshdir docdir spankdir (empty when the plugin is not built).
Exit 0 when everything holds, 1 with one line per failure otherwise; without zsh the zsh check
is skipped (an error with CI=true: scripts/install-deps installs it).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

failures = []


def fail(message):
    failures.append(message)
    print("FAIL: " + message)


def run(args, **kwargs):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kwargs).stdout


def help_sections(text):
    """{section title: [entry lines]} of a CLI11 --help text: lines indented by exactly two
    spaces under a 'Title:' line."""
    sections, title = {}, None
    for line in text.splitlines():
        if re.match(r"^\S.*:$", line):
            title = line[:-1]
            sections.setdefault(title, [])
        elif title and re.match(r"^  \S", line):
            sections[title].append(line.strip())
    return sections


def help_of(sifkit, path):
    """What `PATH --help` lists: options (every name), positionals, subcommands."""
    text = run([sifkit] + path + ["--help"])
    options, positionals, commands = [], [], []
    for title, entries in help_sections(text).items():
        for entry in entries:
            first = entry.split()[0]
            if first.startswith("-"):
                options += [n for n in first.split(",") if n]
            elif title == "Positionals":
                positionals.append(first)
            elif title in ("Commands", "Subcommands"):
                commands.append(first)
    return options, positionals, commands


def all_commands(sifkit, path=()):
    options, positionals, commands = help_of(sifkit, list(path))
    yield list(path), options, positionals, commands
    for command in commands:
        yield from all_commands(sifkit, list(path) + [command])


def rendered(page):
    """The page as man shows it, plain text (man -l), or its roff source decoded without man."""
    if shutil.which("man"):
        env = dict(os.environ, MANWIDTH="100", MAN_KEEP_FORMATTING="", LC_ALL="C.UTF-8")
        text = run(["man", "-l", "-P", "cat", page], env=env)
        return re.sub(r".\x08", "", text)
    with open(page, encoding="utf-8") as f:
        return re.sub(r"\\f[BIRP]", "", f.read()).replace("\\-", "-").replace("\\e", "\\")


def section(text, title):
    """The lines of a rendered page's section TITLE (up to the next heading)."""
    match = re.search(r"^%s\n(.*?)(?=^\S|\Z)" % re.escape(title), text, re.M | re.S)
    return match.group(1) if match else ""


def has_word(text, word):
    return re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(word), text) is not None


def check_man_pages(sifkit, mandir, commands):
    pages = set(os.listdir(mandir))
    expected = set()
    for path, options, positionals, subcommands in commands:
        name = "-".join(["sifkit"] + path) + ".1"
        expected.add(name)
        if name not in pages:
            fail("no man page %s for `%s`" % (name, " ".join(["sifkit"] + path)))
            continue
        text = rendered(os.path.join(mandir, name))
        where = "man page " + name
        for option in options:
            if not has_word(section(text, "OPTIONS"), option):
                fail("%s: OPTIONS does not list %s (its --help does)" % (where, option))
        for positional in positionals:
            if not has_word(section(text, "ARGUMENTS"), positional):
                fail("%s: ARGUMENTS does not list %s" % (where, positional))
        for command in subcommands:
            if not has_word(section(text, "COMMANDS"), command):
                fail("%s: COMMANDS does not list %s" % (where, command))
        if "__generate-docs" in text:
            fail("%s names the hidden __generate-docs command" % where)
    for extra in sorted(pages - expected):
        fail("man page %s is for no command --help lists" % extra)
    print("man pages: %d pages, one per command, each listing its --help's options" % len(expected))


def bash_complete(script, words):
    """COMPREPLY of the bash completion for the command line WORDS (the last one being
    completed), one item per line."""
    program = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); '
               'COMPREPLY=(); _sifkit; printf "%s\\n" "${COMPREPLY[@]}"')
    out = run(["bash", "-c", program, "bash", script] + words)
    return sorted(line for line in out.splitlines() if line)


def check_bash(script, commands):
    parsed = subprocess.run(["bash", "-n", script], capture_output=True, text=True)
    if parsed.returncode != 0:
        fail("bash -n %s: %s" % (script, parsed.stderr.strip()))
        return
    for path, options, _, subcommands in commands:
        line = "sifkit " + " ".join(path)
        long_options = sorted(o for o in options if o.startswith("--"))
        got = bash_complete(script, ["sifkit"] + path + ["--"])
        if got != long_options:
            fail("bash: `%s --<TAB>` offers %s, its --help lists %s" % (line, got, long_options))
        if subcommands:
            got = bash_complete(script, ["sifkit"] + path + [""])
            if got != sorted(subcommands):
                fail("bash: `%s <TAB>` offers %s, its --help lists %s"
                     % (line, got, sorted(subcommands)))
    # A prefix completes to the one command it starts, deep in the tree too.
    for words, expected in ((["sifkit", "conv"], ["convert"]),
                            (["sifkit", "key", "gen"], ["generate"]),
                            (["sifkit", "key", "generate", "--ty"], ["--type"])):
        got = bash_complete(script, words)
        if got != expected:
            fail("bash: completing %s offers %s, expected %s" % (words, got, expected))
    # `sifkit help COMMAND...`: command names, at every depth, and nothing after a leaf.
    for words, expected in help_completions(commands, "--"):
        got = bash_complete(script, words)
        if got != expected:
            fail("bash: completing %s offers %s, expected %s" % (words, got, expected))
    print("bash completion: parses; every command's subcommands and long options complete")


def help_completions(commands, dashes):
    """(words, expected) for `sifkit help ...`: the words after help complete as command names."""
    by_path = {tuple(path): (options, subcommands) for path, options, _, subcommands in commands}
    help_options = sorted(o for o in by_path[("help",)][0] if o.startswith(dashes))
    return [(["sifkit", "help", ""], sorted(by_path[()][1])),
            (["sifkit", "help", "key", ""], sorted(by_path[("key",)][1])),
            (["sifkit", "help", "conv"], ["convert"]),
            (["sifkit", "help", "key", "gen"], ["generate"]),
            (["sifkit", "help", "convert", ""], []),
            (["sifkit", "help", dashes], help_options)]


# Runs the zsh completion function for a command line with zsh's completion builtins replaced by
# functions that print what they were given: _describe the subcommands ("name:description"),
# _arguments the option specs ("*--key=[description]:value:_files").
ZSH_HARNESS = r"""
_describe() { print -rl -- "describe" "${(@P)4}" }
_arguments() { shift 2; print -rl -- "arguments" "$@" }
words=("${@:2}") CURRENT=$(($# - 1))
source "$1"
"""


def zsh_complete(zsh, function, words):
    out = run([zsh, "-f", "-c", ZSH_HARNESS, "zsh", function] + words).splitlines()
    kind = out[0] if out else ""
    if kind == "describe":
        return kind, sorted(line.split(":", 1)[0] for line in out[1:])
    names = [re.match(r"^\*?(-[^=\[]*)", spec) for spec in out[1:]]
    return kind, sorted(m.group(1) for m in names if m)


def check_zsh(function, commands):
    zsh = shutil.which("zsh")
    if not zsh:
        if os.environ.get("CI") == "true":
            fail("zsh is not installed (scripts/install-deps installs it)")
        else:
            print("zsh not installed: the zsh completion check is skipped")
        return
    parsed = subprocess.run([zsh, "-n", function], capture_output=True, text=True)
    if parsed.returncode != 0:
        fail("zsh -n %s: %s" % (function, parsed.stderr.strip()))
        return
    with open(function, encoding="utf-8") as f:
        text = f.read()
    if not text.startswith("#compdef sifkit\n"):
        fail("zsh: %s does not start with #compdef sifkit" % function)
    for path, options, _, subcommands in commands:
        line = "sifkit " + " ".join(path)
        kind, got = zsh_complete(zsh, function, ["sifkit"] + path + ["-"])
        if kind != "arguments" or got != sorted(options):
            fail("zsh: `%s -<TAB>` offers %s %s, its --help lists %s"
                 % (line, kind, got, sorted(options)))
        if subcommands:
            kind, got = zsh_complete(zsh, function, ["sifkit"] + path + [""])
            if kind != "describe" or got != sorted(subcommands):
                fail("zsh: `%s <TAB>` offers %s %s, its --help lists %s"
                     % (line, kind, got, sorted(subcommands)))
    for words, expected in help_completions(commands, "-"):
        if words[-1] not in ("", "-"):
            continue  # a prefix: _describe itself narrows the list, which the harness does not
        kind, got = zsh_complete(zsh, function, words)
        if got != expected:
            fail("zsh: completing %s offers %s %s, expected %s" % (words, kind, got, expected))
    print("zsh completion: parses (zsh -n); every command's subcommands and options complete")


def main():
    cmake, build = sys.argv[1], sys.argv[2]
    dirs = dict(arg.split("=", 1) for arg in sys.argv[3:])
    with tempfile.TemporaryDirectory(prefix="sifkit-install.") as prefix:
        run([cmake, "--install", build, "--prefix", prefix])
        sifkit = os.path.join(prefix, dirs["bindir"], "sifkit")
        print(run([sifkit, "--version"]).strip() + " installed in " + prefix)
        commands = list(all_commands(sifkit))
        check_man_pages(sifkit, os.path.join(prefix, dirs["mandir"], "man1"), commands)
        check_bash(os.path.join(prefix, dirs["bashdir"], "sifkit"), commands)
        check_zsh(os.path.join(prefix, dirs["zshdir"], "_sifkit"), commands)
        docdir = os.path.join(prefix, dirs["docdir"])
        for name in ("README.md", "copyright", "docs/cli.md", "docs/slurm.md",
                     "slurm/examples/stage-and-run.sbatch"):
            if not os.path.isfile(os.path.join(docdir, name)):
                fail("%s is not installed in %s" % (name, docdir))
        if dirs.get("spankdir"):
            plugin = os.path.join(prefix, dirs["spankdir"], "sifkit_spank.so")
            if not os.path.isfile(plugin):
                fail("the SPANK plugin is not installed as " + plugin)
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    print("install: everything holds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
