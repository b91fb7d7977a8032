#!/usr/bin/env python3
"""Run the command examples of Markdown files, so that a wrong example fails CI.

    run-examples.py [--no-fixtures] SIFKIT_BINARY REPO_ROOT FILE.md...

An example is a fenced block whose info string is `console example` (GitHub highlights it as
`console`; the second word only marks it for this harness). Inside it, a line starting with
`$ ` is a command (a line ending in `\\` continues it on the next line); the other lines are
what the command prints. Blocks with any other info string are left alone: examples that need
a remote registry, root or site paths stay untagged.

Each Markdown file gets a fresh work directory holding the fixtures (setup-fixtures.sh); its
examples run there in document order, so a later example sees the files an earlier one wrote,
as a reader who follows the page would. Every example runs in its own bash (variables do not
leak from one example into the next), with `sifkit` on PATH, `build/cli/sifkit` in the work
directory, standard input from /dev/null and HOME, caches and auth files pointing into the
temporary directory (a `cache clean` example must not empty the developer's cache).

Checks:
  - a command must exit 0; a pipeline's status is its last command's, as in an interactive
    shell (no pipefail: `... | head` must not fail because head stopped reading);
  - a command ending in `; echo $?` must print, as its last line, the exit code the example
    shows on its last line;
  - in a block tagged `console example exact`, a command's standard output must be exactly the
    lines shown under it (standard error is not compared).
The first failing command of an example ends that example (the rest depend on it) but not the
file's other examples. Each failure is one line `FILE:LINE: FAILED: $ COMMAND: WHY` followed by
the command's standard error. Exit status: 0 all passed, 1 a failure, 77 skipped (a tool the
fixtures need is missing and CI is not "true"), 2 usage or a malformed example.
"""
import argparse
import difflib
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SKIP = 77
# Generous for one example (a conversion takes well under a second here); a hung command must
# still end with a message naming it instead of ctest's bare timeout.
EXAMPLE_TIMEOUT = 120
# What setup-fixtures.sh and the tagged examples run besides sifkit.
TOOLS = ["bash", "mksquashfs", "unsquashfs", "skopeo", "tar", "sha256sum", "openssl"]
FILES = ["/bin/busybox"]  # make-demo-image.py copies the host's static busybox
ECHO_STATUS = re.compile(r";\s*echo \$\?\s*(#.*)?$")
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")


class Usage(Exception):
    pass


class Command:
    def __init__(self, line, text):
        self.line = line          # 1-based line of the `$ ` line in the Markdown file
        self.text = text          # what bash runs (continuation lines included)
        self.output = []          # the lines the example shows under it

    def shows_status(self):
        return ECHO_STATUS.search(self.text) is not None


class Example:
    def __init__(self, line, exact):
        self.line = line
        self.exact = exact
        self.commands = []


def closes(line, fence):
    """Whether LINE closes a block opened with FENCE (CommonMark: the same character, at least
    as many, nothing else on the line)."""
    text = line.strip()
    return len(text) >= len(fence) and text == fence[0] * len(text)


def parse(path):
    """The tagged examples of one Markdown file, in document order."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    examples = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, words = m.group(1), m.group(2).split()
        start = i
        body = []
        i += 1
        while i < len(lines) and not closes(lines[i], fence):
            body.append(lines[i])
            i += 1
        i += 1  # the closing fence
        if words[:2] != ["console", "example"]:
            continue
        flags = words[2:]
        if any(flag != "exact" for flag in flags):
            raise Usage("%s:%d: unknown flag in %r (known: exact)" % (path, start + 1,
                                                                      " ".join(words)))
        example = Example(start + 1, "exact" in flags)
        j = 0
        while j < len(body):
            number = start + 2 + j
            text = body[j]
            if text.startswith("$ "):
                command = text[2:]
                while command.endswith("\\") and j + 1 < len(body):
                    j += 1
                    command += "\n" + body[j]
                example.commands.append(Command(number, command))
            elif example.commands:
                example.commands[-1].output.append(text)
            elif text.strip():
                raise Usage("%s:%d: output before the first `$ ` command" % (path, number))
            j += 1
        if not example.commands:
            raise Usage("%s:%d: a `console example` block without a `$ ` command"
                        % (path, start + 1))
        for command in example.commands:
            if command.shows_status() and not (command.output and
                                               re.fullmatch(r"\d+", command.output[-1])):
                raise Usage("%s:%d: `; echo $?` but the example shows no exit code as its "
                            "last line" % (path, command.line))
        examples.append(example)
    return examples


def script_for(example, work, results):
    """A bash script that runs the example's commands in order, each with its own output
    files, and stops after the first that fails. The commands share one shell so that `cd`
    and `export` carry on to the next command, as they do for a reader."""
    out = ["cd %s || exit 99" % shlex.quote(work)]
    for n, command in enumerate(example.commands):
        base = shlex.quote(os.path.join(results, str(n)))
        # The newline before `}` ends a trailing `# comment` of the command.
        out.append("{ %s\n} >%s.out 2>%s.err" % (command.text, base, base))
        out.append("__sifkit_docs_status=$?; echo $__sifkit_docs_status >%s.rc" % base)
        out.append('[ "$__sifkit_docs_status" = 0 ] || exit 0')
    return "\n".join(out) + "\n"


def read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return None


def indent(text, limit=30):
    """The tail of a command's standard error, indented under its failure line."""
    lines = text.rstrip("\n").split("\n") if text.strip() else ["(no standard error)"]
    if len(lines) > limit:
        lines = ["[... %d lines cut]" % (len(lines) - limit)] + lines[-limit:]
    return "\n".join("    " + line for line in lines)


def run_example(example, work, results, env):
    """Runs one example; returns the failures, each (command, why, stderr)."""
    os.makedirs(results)
    script = os.path.join(results, "script.sh")
    with open(script, "w") as f:
        f.write(script_for(example, work, results))
    timed_out = False
    with open(os.devnull) as devnull:
        # A session of its own so that a timeout kills the example's whole process tree.
        proc = subprocess.Popen(["bash", script], cwd=work, env=env, stdin=devnull,
                                start_new_session=True)
        try:
            proc.wait(timeout=EXAMPLE_TIMEOUT)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    failures = []
    for n, command in enumerate(example.commands):
        base = os.path.join(results, str(n))
        rc, stdout, stderr = read(base + ".rc"), read(base + ".out"), read(base + ".err")
        if rc is None:
            if timed_out:
                failures.append((command, "timed out after %d s" % EXAMPLE_TIMEOUT,
                                 stderr or ""))
            elif not failures:
                failures.append((command, "did not run (the example's shell failed)", ""))
            break
        if int(rc) != 0:
            failures.append((command, "exited with %s" % rc.strip(), stderr))
            break
        lines = stdout.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        if command.shows_status():
            shown = command.output[-1]
            printed = lines[-1] if lines else "(nothing)"
            if printed != shown:
                failures.append((command, "printed exit code %s, the example shows %s"
                                 % (printed, shown), stderr))
                break
        if example.exact and lines != command.output:
            diff = difflib.unified_diff(command.output, lines, "the example", "the output",
                                        lineterm="")
            failures.append((command, "output differs from the example:\n" +
                             "\n".join("    " + d for d in diff), stderr))
            break
    return failures


def isolated_env(bindir, home):
    env = dict(os.environ)
    for name in ("SIFKIT_CACHEDIR", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_RUNTIME_DIR",
                 "REGISTRY_AUTH_FILE", "DOCKER_CONFIG", "SOURCE_DATE_EPOCH", "TOKEN"):
        env.pop(name, None)
    env.update(PATH=bindir + os.pathsep + env.get("PATH", "/usr/bin:/bin"), HOME=home,
               TZ="UTC", LC_ALL="C.UTF-8")
    return env


def missing_tools():
    return ([t for t in TOOLS if shutil.which(t) is None] +
            [f for f in FILES if not os.path.exists(f)])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-fixtures", action="store_true",
                        help="start from an empty work directory (the harness's self-test)")
    parser.add_argument("sifkit")
    parser.add_argument("repo")
    parser.add_argument("markdown", nargs="+")
    args = parser.parse_args()
    sifkit = os.path.abspath(args.sifkit)
    repo = os.path.abspath(args.repo)

    try:
        parsed = [(path, parse(path)) for path in args.markdown]
    except Usage as e:
        print("run-examples: %s" % e, file=sys.stderr)
        return 2

    if not args.no_fixtures:
        missing = missing_tools()
        if missing:
            message = "the documented examples need %s" % ", ".join(missing)
            if os.environ.get("CI") == "true":
                print("FAILED: %s (CI=true: not skipped)" % message, file=sys.stderr)
                return 1
            print("SKIPPED: %s (scripts/install-deps installs them)" % message)
            return SKIP

    started = time.monotonic()
    root = tempfile.mkdtemp(prefix="sifkit-docs-examples.")
    try:
        bindir = os.path.join(root, "bin")
        os.makedirs(bindir)
        os.symlink(sifkit, os.path.join(bindir, "sifkit"))
        fixtures = os.path.join(root, "fixtures")
        os.makedirs(fixtures)
        if not args.no_fixtures:
            setup = subprocess.run(["bash", os.path.join(HERE, "setup-fixtures.sh"), sifkit,
                                    repo, fixtures], stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
            if setup.returncode != 0:
                print("FAILED: tests/docs/setup-fixtures.sh exited with %d:\n%s"
                      % (setup.returncode, indent(setup.stdout)), file=sys.stderr)
                return 1
        total = failed = 0
        for number, (path, examples) in enumerate(parsed):
            name = os.path.relpath(os.path.abspath(path), repo)
            if name.startswith(".."):
                name = path
            if not examples:
                print("%s: no tagged examples" % name)
                continue
            # Each file starts from the fixtures alone, whatever the other files did.
            work = os.path.join(root, "work%d" % number)
            shutil.copytree(fixtures, work, symlinks=True)
            env = isolated_env(bindir, os.path.join(root, "home%d" % number))
            os.makedirs(env["HOME"])
            file_failures = 0
            for k, example in enumerate(examples):
                results = os.path.join(root, "results%d-%d" % (number, k))
                for command, why, stderr in run_example(example, work, results, env):
                    file_failures += 1
                    shown = command.text.replace("\n", "\n    ")
                    print("%s:%d: FAILED: $ %s: %s\n%s" % (name, command.line, shown, why,
                                                          indent(stderr)), flush=True)
            commands = sum(len(e.commands) for e in examples)
            total += commands
            failed += file_failures
            print("%s: %d example(s), %d command(s): %s" % (
                name, len(examples), commands,
                "%d FAILED" % file_failures if file_failures else "passed"), flush=True)
        print("%d command(s) in %.1f s: %s" % (total, time.monotonic() - started,
                                               "%d FAILED" % failed if failed else "all passed"))
        return 1 if failed else 0
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
