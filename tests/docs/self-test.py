#!/usr/bin/env python3
"""Check that run-examples.py can fail: run it on selftest.md and expect exactly the commands
marked `# wrong: KIND` there to be reported, each with the message of its kind.

    self-test.py SIFKIT_BINARY REPO_ROOT

A harness that passes everything (or reports the wrong line) would let wrong examples through
CI unnoticed; this is its negative control.
"""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PAGE = os.path.join(HERE, "selftest.md")
# What the harness says for each kind of failure.
MESSAGES = {"exit": "exited with", "code": "printed exit code", "output": "output differs"}


def main():
    sifkit, repo = sys.argv[1:3]
    expected = {}
    with open(PAGE, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            m = re.search(r"# wrong: (\w+)", line)
            if m and line.startswith("$ "):
                expected[number] = MESSAGES[m.group(1)]
    run = subprocess.run([sys.executable, os.path.join(HERE, "run-examples.py"), "--no-fixtures",
                          sifkit, repo, PAGE], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    print(run.stdout, end="")
    reported = {}
    for line in run.stdout.split("\n"):
        m = re.match(r"tests/docs/selftest\.md:(\d+): FAILED: (.*)$", line)
        if m:
            reported[int(m.group(1))] = m.group(2)
    problems = []
    if run.returncode != 1:
        problems.append("run-examples.py exited with %d, expected 1" % run.returncode)
    for number, message in sorted(expected.items()):
        if number not in reported:
            problems.append("line %d: the wrong example was not reported" % number)
        elif message not in reported[number]:
            problems.append("line %d: reported, but not with %r" % (number, message))
    for number in sorted(set(reported) - set(expected)):
        problems.append("line %d: a correct example was reported as failing" % number)
    if not expected:
        problems.append("selftest.md marks no wrong example")
    for problem in problems:
        print("SELF-TEST FAILED: %s" % problem)
    if not problems:
        print("self-test passed: the %d wrong examples were reported, nothing else"
              % len(expected))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
