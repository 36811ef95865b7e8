#!/usr/bin/env python3
"""`stormlab lint` on the corpus of real-world config forms (tests/data/lint/corpus/).

Each config NAME has a hand-written NAME.expect: the findings a reader of the
config expects, one `LINE RULE` per line (`-` for a finding about a default the
file leaves unset), and optionally `args: ...` (`@` is the config itself, other
names are corpus files; default `@`).  The test runs lint --format json with
those arguments and compares the (line, rule) findings in the config's own file
with the expected ones, exactly.  Every rule lint knows (`lint --list-rules`)
must be expected somewhere in the corpus, so a new rule cannot ship without a
config that shows it.

usage: lint_corpus.py STORMLAB SRC
"""
import collections
import json
import os
import subprocess
import sys


def read_expect(path):
    args, want = ["@"], []
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            if line.startswith("args:"):
                args = line[5:].split()
                continue
            parts = line.split()
            if len(parts) != 2 or not (parts[0] == "-" or parts[0].isdigit()):
                sys.exit(f"{path}:{n}: expected `LINE RULE`, `- RULE` or `args: ...`, got {raw.strip()!r}")
            want.append((None if parts[0] == "-" else int(parts[0]), parts[1]))
    return args, want


def fmt(findings):
    return ", ".join(f"{'-' if l is None else l} {r}" for l, r in sorted(findings, key=lambda x: (x[0] or 1 << 30, x[1])))


def main():
    stormlab, src = os.path.abspath(sys.argv[1]), sys.argv[2]
    corpus = os.path.join(src, "tests", "data", "lint", "corpus")
    rules = subprocess.run([stormlab, "lint", "--list-rules"], capture_output=True, text=True, check=True)
    all_rules = [l.split()[0] for l in rules.stdout.splitlines() if l.strip()]
    configs = sorted(n for n in os.listdir(corpus) if not n.endswith(".expect"))
    failures, covered, passed = 0, set(), 0
    for name in configs:
        # given a config and its hand-written expected findings
        expect = os.path.join(corpus, name + ".expect")
        if not os.path.exists(expect):
            print(f"FAIL: {name} has no {name}.expect")
            failures += 1
            continue
        args, want = read_expect(expect)
        argv = [stormlab, "lint", "--format", "json"]
        for a in args:
            argv.append(name if a == "@" else a)
        # when lint reads it (with the files it is linted beside)
        p = subprocess.run(argv, cwd=corpus, capture_output=True, text=True)
        if p.returncode not in (0, 1):
            print(f"FAIL: {name}: lint exited {p.returncode}, expected 0 or 1: {p.stderr.strip()}")
            failures += 1
            continue
        findings = json.loads(p.stdout)["findings"]
        got = [(f["line"], f["rule"]) for f in findings if f["file"] == name]
        covered.update(r for _, r in want)
        # then it reports exactly the expected findings in that file, and
        # exits 1 exactly when one of them is a warning or an error
        if collections.Counter(got) != collections.Counter(want):
            print(f"FAIL: {name}: expected [{fmt(want)}], got [{fmt(got)}]")
            failures += 1
            continue
        gating = any(f["severity"] in ("error", "warning") for f in findings)
        if p.returncode != (1 if gating else 0):
            print(f"FAIL: {name}: lint exited {p.returncode}, expected {1 if gating else 0} "
                  f"({'a warning or error' if gating else 'notes at most'})")
            failures += 1
            continue
        passed += 1
    # and every rule is shown by at least one config of the corpus
    missing = [r for r in all_rules if r not in covered]
    unknown = sorted(covered - set(all_rules))
    if missing:
        print(f"FAIL: rules with no corpus config expecting them: {', '.join(missing)}")
        failures += 1
    if unknown:
        print(f"FAIL: corpus expects rules lint does not have: {', '.join(unknown)}")
        failures += 1
    if len(configs) < 30:
        print(f"FAIL: expected a corpus of at least 30 configs, got {len(configs)}")
        failures += 1
    print(f"{passed} of {len(configs)} configs as expected; {len(covered & set(all_rules))} of {len(all_rules)} "
          f"rules covered; {failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
