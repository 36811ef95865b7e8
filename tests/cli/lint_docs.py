#!/usr/bin/env python3
"""docs/ci.md lists every lint rule, each with a finding that is lint's real output.

Every id of `stormlab lint --list-rules` must have its `### \\`id\\`` heading in
docs/ci.md (the anchor SARIF's helpUri points at), and every heading must be a
rule.  Under each heading, the example's command (`$ build/stormlab lint ...`,
run from the source tree) must print every line the example shows: the
documented finding, why, fix and rehearse line are what lint says today.

usage: lint_docs.py STORMLAB SRC
"""
import os
import re
import shlex
import subprocess
import sys


def main():
    stormlab, src = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    out = subprocess.run([stormlab, "lint", "--list-rules"], capture_output=True, text=True, check=True).stdout
    rules = [l.split()[0] for l in out.splitlines() if l.strip()]
    with open(os.path.join(src, "docs", "ci.md"), encoding="utf-8") as f:
        doc = f.read()
    failures = 0
    sections = dict(re.findall(r"^### `([a-z0-9-]+)`\n(.*?)(?=^### |^## |\Z)", doc, re.M | re.S))
    for r in rules:
        if r not in sections:
            print(f"FAIL: rule {r}: expected a `### \\`{r}\\`` section in docs/ci.md, found none")
            failures += 1
    for r in sections:
        if r not in rules:
            print(f"FAIL: docs/ci.md documents `{r}`, which is not a rule of lint --list-rules")
            failures += 1
    for r, body in sections.items():
        m = re.search(r"^```\n\$ build/stormlab (lint [^\n]*)\n(.*?)^```", body, re.M | re.S)
        if not m:
            print(f"FAIL: rule {r}: expected an example (```, $ build/stormlab lint ..., its output), found none")
            failures += 1
            continue
        shown = [l for l in m.group(2).splitlines() if l.strip()]
        p = subprocess.run([stormlab] + shlex.split(m.group(1)), cwd=src, capture_output=True, text=True)
        # the rehearse line names the binary as run, relative to the source tree when inside it
        real = p.stdout.replace(stormlab, "build/stormlab").replace(
            os.path.relpath(stormlab, src), "build/stormlab").splitlines()
        if not shown or not shown[0].endswith(f"[{r}]"):
            print(f"FAIL: rule {r}: expected the example to show a [{r}] finding, got {shown[:1]}")
            failures += 1
        for line in shown:
            if line not in real:
                print(f"FAIL: rule {r}: docs/ci.md shows\n    {line}\n  which `stormlab {m.group(1)}` does not print; "
                      f"it prints:\n    " + "\n    ".join(real))
                failures += 1
                break
    print(f"{len(rules)} rules, {len(sections)} documented; {failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
