#!/usr/bin/python3
"""`stormlab lint --format sarif` is valid SARIF 2.1.0 and puts each finding on its line.

Validates the output against the OASIS SARIF 2.1.0 JSON schema vendored in
tests/data/sarif/ (Debian's python3-jsonschema, Draft 4 as the schema
declares), for configs of every form at once (Java, librdkafka, Spring
properties and YAML, Streams, a broker), for a clean file and for a file name
that needs escaping; then checks that the results are exactly the hand-written
expected findings of those corpus configs (tests/data/lint/corpus/*.expect):
each result's artifactLocation.uri is the config, region.startLine its line (no
region for a finding about a default the file leaves unset), ruleId its rule,
and ruleIndex points at that rule in tool.driver.rules.

usage: lint_sarif.py STORMLAB SRC
"""
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

import jsonschema

# one config per form, and one linted beside a broker
CONFIGS = ["java-fast-failover.properties", "rdk-billing.conf", "spring-three-spellings.properties",
           "spring-app.yml", "streams-enricher.properties", "java-kip848-leftovers.properties"]
BROKER = "server-dev-in-prod.properties"


def expected(corpus, name):
    want = []
    with open(os.path.join(corpus, name + ".expect"), encoding="utf-8") as f:
        for raw in f:
            line = raw.split("#", 1)[0].strip()
            if line and not line.startswith("args:"):
                at, rule = line.split()
                want.append((name, None if at == "-" else int(at), rule))
    return want


def main():
    stormlab, src = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    corpus = os.path.join(src, "tests", "data", "lint", "corpus")
    with open(os.path.join(src, "tests", "data", "sarif", "sarif-schema-2.1.0.json"), encoding="utf-8") as f:
        schema = json.load(f)
    validator = jsonschema.Draft4Validator(schema)
    failures = 0

    def fail(msg):
        nonlocal failures
        failures += 1
        print(f"FAIL: {msg}")

    def sarif(args, cwd):
        p = subprocess.run([stormlab, "lint", "--format", "sarif"] + args, cwd=cwd, capture_output=True, text=True)
        doc = json.loads(p.stdout)
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        for e in errors[:5]:
            fail(f"lint {' '.join(args)}: not SARIF 2.1.0 at {'/'.join(map(str, e.path))}: {e.message}")
        return p.returncode, doc

    # given configs of every form, linted together beside a broker's file
    rc, doc = sarif(CONFIGS + ["--broker", BROKER], corpus)
    # then the results are exactly their expected findings, each on its file and line
    want = [w for c in CONFIGS for w in expected(corpus, c)] + \
           [w for w in expected(corpus, BROKER)]
    run = doc["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    got = []
    for r in run["results"]:
        loc = r["locations"][0]["physicalLocation"]
        got.append((loc["artifactLocation"]["uri"], loc.get("region", {}).get("startLine"), r["ruleId"]))
        if rules[r.get("ruleIndex", -1)] != r["ruleId"] if 0 <= r.get("ruleIndex", -1) < len(rules) else True:
            fail(f"result {r['ruleId']}: expected ruleIndex to point at it in tool.driver.rules, got "
                 f"{r.get('ruleIndex')}")
        if loc["artifactLocation"].get("uriBaseId") != "%SRCROOT%":
            fail(f"result {r['ruleId']}: expected a relative uri based on %SRCROOT%, got {loc['artifactLocation']}")
    missing = collections.Counter(want) - collections.Counter(got)
    extra = collections.Counter(got) - collections.Counter(want)
    if missing or extra:
        fail(f"expected the corpus' findings, missing {sorted(missing, key=str)}, unexpected {sorted(extra, key=str)}")
    if sorted(set(rules)) != sorted({w[2] for w in want}):
        fail(f"expected tool.driver.rules to list the rules found, got {rules}")
    if rc != 1:
        fail(f"expected exit 1 (warnings and errors found), got {rc}")

    # a clean file: a valid log with no results, exit 0
    rc, doc = sarif(["java-orders-clean.properties"], corpus)
    if doc["runs"][0]["results"] or rc != 0:
        fail(f"a clean config: expected no results and exit 0, got {len(doc['runs'][0]['results'])} and {rc}")

    # a file name with a quote, a blank and a non-ASCII letter, given as an absolute path: a
    # file:// URI, percent-encoded as RFC 3986 (and Python's urllib) has it
    with tempfile.TemporaryDirectory() as tmp:
        odd = os.path.join(tmp, 'zahlungs "dienst" ü.properties')
        shutil.copy(os.path.join(corpus, "java-roundrobin.properties"), odd)
        rc, doc = sarif([odd], tmp)
        locs = [r["locations"][0]["physicalLocation"] for r in doc["runs"][0]["results"]]
        uri = "file://" + urllib.parse.quote(odd)
        if not locs or any(l["artifactLocation"]["uri"] != uri or "uriBaseId" in l["artifactLocation"] for l in locs):
            fail(f"an absolute path: expected it as a percent-encoded file:// uri {uri}, without uriBaseId, "
                 f"got {locs}")
        lines = sorted(l.get("region", {}).get("startLine") or 0 for l in locs)
        if lines != [0, 7]:
            fail(f"an absolute path: expected findings at line 7 and file level, got {lines}")
    print(f"SARIF checks: {failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
