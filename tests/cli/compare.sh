#!/usr/bin/env bash
# `stormlab compare` as a user runs it, on real `stormlab sim` runs.
# Given member-cut-long run twice (seed 1, and seed 5 with a 10 s session
# timeout), when compare reads both, then its table, compare.json and the
# overlay plots agree with the two summary.json files read independently;
# a run against itself differs nowhere; bad usage exits 2, a missing gnuplot
# still prints the table (exit 0) and a failing one exits 3 leaving no
# half-drawn set behind.
set -u
stormlab=$1 src=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/testlib.sh"

# ---- help and usage
"$stormlab" compare --help >"$dir/help" 2>&1; rc=$?
check "compare --help exits 0 and documents --json, --out and the exit codes" \
  '[ $rc -eq 0 ] && grep -q -- "--json" "$dir/help" && grep -q -- "--out DIR" "$dir/help" && grep -q "exit codes: 0" "$dir/help"'
"$stormlab" help compare >"$dir/help2" 2>&1
check "stormlab help compare shows the same help" 'cmp -s "$dir/help" "$dir/help2"'
"$stormlab" --help >"$dir/top" 2>&1
check "stormlab --help lists compare" 'grep -q "compare A B" "$dir/top"'
"$stormlab" compare >"$dir/o" 2>&1; rc=$?
check "no directories: exit 2 naming what is missing" '[ $rc -eq 2 ] && grep -q "expected two run directories, got 0" "$dir/o"'
"$stormlab" compare "$dir" >"$dir/o" 2>&1; rc=$?
check "one directory: exit 2" '[ $rc -eq 2 ] && grep -q "got 1" "$dir/o"'
"$stormlab" compare --frobnicate a b >"$dir/o" 2>&1; rc=$?
check "an unknown option: exit 2 naming it" '[ $rc -eq 2 ] && grep -q "unknown option .--frobnicate." "$dir/o"'

# ---- two real runs
"$stormlab" sim "$src/scenarios/member-cut-long.yaml" --out "$dir/a" --no-plots -q || echo "sim a failed"
"$stormlab" sim "$src/scenarios/member-cut-long.yaml" --out "$dir/b" --no-plots -q --seed 5 \
  --set groups.billing.session_timeout=10s || echo "sim b failed"
mkdir -p "$dir/notarun"
"$stormlab" compare "$dir/a" "$dir/notarun" >"$dir/o" 2>&1; rc=$?
check "a directory that is not a run: exit 2 naming the missing file" \
  '[ $rc -eq 2 ] && grep -q "notarun/.*: " "$dir/o"'

(cd "$dir" && "$stormlab" compare "$dir/a" "$dir/b") >"$dir/table" 2>"$dir/err"; rc=$?
check "compare exits 0 although the runs differ" '[ $rc -eq 0 ] || cat "$dir/err"'
check "the header names both runs, their seeds and backend" \
  'grep -q "A: $dir/a  (sim, scenario member-cut-long, seed 1, 300 s)" "$dir/table" &&
   grep -q "B: $dir/b  (sim, scenario member-cut-long, seed 5, 300 s)" "$dir/table"'
check "one section for group billing and one for the cluster" \
  'grep -qE "^group billing +A +B +B - A$" "$dir/table" && grep -qE "^cluster +A +B +B - A$" "$dir/table"'
check "every group metric has a row" \
  'for m in rebalances generation "first stable (s)" "stable from (s)" "time to stable (s)" "rebalancing (s)" \
      "unowned partition-s" "max lag (records)" "duplicates (records)"; do grep -q "^  $m " "$dir/table" || exit 1; done'
check "plots, compare.json and compare.html go to runs/compare-a-vs-b by default, nothing into either run" \
  'grep -q "^plots: runs/compare-a-vs-b/" "$dir/table" && [ -s "$dir/runs/compare-a-vs-b/compare.json" ] &&
   [ -s "$dir/runs/compare-a-vs-b/compare.html" ] && [ ! -e "$dir/b/compare" ] && [ ! -e "$dir/a/compare" ]'

# The table and compare.json against the two summary.json files, read
# independently; the plots are real PNGs and SVGs of a slide's size.
python3 - "$dir" "$dir/table" >"$dir/py" 2>&1 <<'EOF'; rc=$?
import json, re, struct, sys, xml.etree.ElementTree as ET
d, table = sys.argv[1], open(sys.argv[2]).read()
sa = json.load(open(d + "/a/summary.json"))
sb = json.load(open(d + "/b/summary.json"))
cj = json.load(open(d + "/runs/compare-a-vs-b/compare.json"))
ga, gb = sa["groups"]["billing"], sb["groups"]["billing"]
# the runs really differ in what the settings change
assert ga["duplicates"] != gb["duplicates"], (ga, gb)
cg = cj["groups"]["billing"]
assert cj["a"]["seed"] == 1 and cj["b"]["seed"] == 5 and cj["a"]["kind"] == "sim", cj["a"]
assert cj["a"]["first_fault_s"] == 60.0, cj["a"]
keys = ["rebalances", "generation", "first_stable_s", "stable_from_s", "rebalance_s",
        "unowned_partition_s", "max_lag", "duplicates"]
labels = {"rebalances": "rebalances", "generation": "generation", "first_stable_s": "first stable (s)",
          "stable_from_s": "stable from (s)", "rebalance_s": "rebalancing (s)",
          "unowned_partition_s": "unowned partition-s", "max_lag": "max lag (records)",
          "duplicates": "duplicates (records)"}
diffs = 0
for k in keys:
    c = cg[k]
    assert abs(c["a"] - ga[k]) < 1e-3 and abs(c["b"] - gb[k]) < 1e-3, (k, c, ga[k], gb[k])
    assert abs(c["diff"] - (gb[k] - ga[k])) < 1e-3, (k, c)
    assert c["same"] == (abs(ga[k] - gb[k]) < 5e-4), (k, c)
    diffs += not c["same"]
    # the table row shows A, B and B - A (or '=')
    row = re.search(r"^  " + re.escape(labels[k]) + r" +(\S+) +(\S+) +(.+)$", table, re.M)
    assert row, k
    fa, fb = float(row.group(1)), float(row.group(2))
    assert abs(fa - ga[k]) <= 0.05 + 1e-9 and abs(fb - gb[k]) <= 0.05 + 1e-9, (k, row.group(0))
    if c["same"]:
        assert row.group(3) == "=", row.group(0)
    else:
        assert re.match(r"[+-]\d", row.group(3)), row.group(0)
        if isinstance(ga[k], int) and isinstance(gb[k], int):
            assert row.group(3).split()[0] == "%+d" % (gb[k] - ga[k]), row.group(0)
# time to stable: from the first injected fault (60 s) to the final stable period
tts = cg["time_to_stable_s"]
assert abs(tts["a"] - (ga["stable_from_s"] - 60)) < 1e-3 and abs(tts["b"] - (gb["stable_from_s"] - 60)) < 1e-3, tts
diffs += not tts["same"]
for k, c in cj["cluster"].items():
    assert c["a"] == sa["cluster"][k] and c["b"] == sb["cluster"][k], (k, c)
    diffs += not c["same"]
assert cj["differences"] == diffs and cj["compared"] == 13, (cj["differences"], diffs)
assert ("differences: %d of 13 values differ" % diffs) in table
# the overlay plots
assert cj["plots"] == "runs/compare-a-vs-b", cj["plots"]
for name in ("members", "lag"):
    png = open(d + "/runs/compare-a-vs-b/billing-%s.png" % name, "rb").read()
    assert png[:8] == b"\x89PNG\r\n\x1a\n", name
    w, h = struct.unpack(">II", png[16:24])
    assert (w, h) == (1280, 720), (name, w, h)
    svg = ET.parse(d + "/runs/compare-a-vs-b/billing-%s.svg" % name).getroot()
    text = "".join(svg.itertext())
    assert "A vs B" in text and "billing" in text, name
    assert "A (solid): member-cut-long, " in text and "a (sim)" in text, (name, "the subtitle names run A")
    assert "B (dashed): member-cut-long, " in text and "b (sim)" in text, (name, "the subtitle names run B")
    labels = ["".join(t.itertext()) for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert "A injected" in labels and "B injected" in labels, (name, "a fault strip per run")
    assert labels.count("partition billing/1 ↔ broker/1-3") == 2, (name, "each run's partition labelled in its strip")
print("ok")
EOF
check "table and compare.json match both summary.json files; PNG 1280x720 and SVG per plot" \
  '[ $rc -eq 0 ] || { cat "$dir/py"; false; }'
check "no scratch files are left next to the plots" \
  '[ -z "$(find "$dir/runs/compare-a-vs-b" -name ".*")" ]'

"$stormlab" compare "$dir/a" "$dir/b" --json --no-plots >"$dir/json" 2>"$dir/err"; rc=$?
python3 - "$dir/json" "$dir/runs/compare-a-vs-b/compare.json" >"$dir/py" 2>&1 <<'EOF'; rc2=$?
import json, sys
j, f = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert j["plots"] is None and f["plots"], (j["plots"], f["plots"])
j["plots"] = f["plots"]
assert j == f, "stdout JSON and compare.json differ"
print("ok")
EOF
check "--json prints compare.json's content to stdout" '[ $rc -eq 0 ] && [ $rc2 -eq 0 ] || cat "$dir/py"'

"$stormlab" compare "$dir/a" "$dir/a" --out "$dir/self" >"$dir/o" 2>&1; rc=$?
check "a run against itself: exit 0, no value differs, plots in --out" \
  '[ $rc -eq 0 ] && grep -q "differences: 0 of 13 values differ" "$dir/o" && [ -s "$dir/self/billing-members.png" ] &&
   [ "$(grep -c " =$" "$dir/o")" -eq 13 ]'
"$stormlab" compare "$dir/a" "$dir/b" --no-plots --out "$dir/none" >"$dir/o" 2>&1; rc=$?
check "--no-plots writes nothing" '[ $rc -eq 0 ] && [ ! -e "$dir/none" ]'

# ---- groups only one run has
cat >"$dir/other.yaml" <<'EOF'
name: other-groups
duration: 60s
topics:
  - {name: orders, partitions: 4, produce_rate: 10/s}
groups:
  - {id: billing, topics: [orders], members: 2}
  - {id: audit, topics: [orders], members: 1}
EOF
"$stormlab" sim "$dir/other.yaml" --out "$dir/c" --no-plots -q
"$stormlab" compare "$dir/a" "$dir/c" --out "$dir/ac" >"$dir/o" 2>&1; rc=$?
check "a group only B has is listed as such, with '-' for A; plots only for shared groups" \
  '[ $rc -eq 0 ] && grep -qE "^group audit .*\(only in B\)$" "$dir/o" &&
   grep -A1 "^group audit" "$dir/o" | grep -qE "^  rebalances +- +0 +\(A has none\)$" &&
   [ -s "$dir/ac/billing-lag.svg" ] && [ ! -e "$dir/ac/audit-lag.svg" ]'

# ---- without gnuplot: the table, a one-line hint, exit 0
mkdir -p "$dir/bin"
for t in bash python3; do ln -sf "$(command -v $t)" "$dir/bin/$t"; done
PATH="$dir/bin" "$stormlab" compare "$dir/a" "$dir/b" --out "$dir/nognuplot" >"$dir/o" 2>"$dir/e"; rc=$?
check "without gnuplot: exit 0, the table, one install hint line, no images (compare.json, compare.html)" \
  '[ $rc -eq 0 ] && grep -q "^  rebalances " "$dir/o" && [ "$(wc -l <"$dir/e")" -eq 1 ] &&
   grep -q "apt-get install gnuplot-nox" "$dir/e" && [ -z "$(ls "$dir/nognuplot" | grep -vx "compare.json\|compare.html")" ] &&
   grep -q "gnuplot is not installed" "$dir/nognuplot/compare.html"'

# ---- a failing gnuplot script: exit 3, gnuplot's message, nothing half drawn
mkdir -p "$dir/plots"
cp "$src"/plots/*.gp "$dir/plots/"
echo "this is not gnuplot" >>"$dir/plots/compare-lag.gp"
STORMLAB_PLOTS_DIR="$dir/plots" "$stormlab" compare "$dir/a" "$dir/b" --out "$dir/broken" >"$dir/o" 2>"$dir/e"; rc=$?
check "a broken script: exit 3 with gnuplot's message, no plot files, no compare.html" \
  '[ $rc -eq 3 ] && grep -q "gnuplot failed drawing .*compare-lag.gp" "$dir/e" &&
   [ -z "$(ls -A "$dir/broken" | grep -v compare.json)" ]'

# ---- impact side by side: given storm-rolling-broker-restart at session_timeout 45s (A, made with --impact)
# and 10s (B, without: compare computes it), when compared, then each event's delta in compare.json equals
# that run minus a CLI run of its resolved scenario with the event's block deleted, and the table shows both
"$stormlab" sim "$src/scenarios/storm-rolling-broker-restart.yaml" --out "$dir/ia" --no-plots -q --impact
"$stormlab" sim "$src/scenarios/storm-rolling-broker-restart.yaml" --out "$dir/ib" --no-plots -q \
  --set groups.billing.session_timeout=10s
"$stormlab" compare "$dir/ia" "$dir/ib" --no-plots >"$dir/o" 2>"$dir/e"; rc=$?
"$stormlab" compare "$dir/ia" "$dir/ib" --no-plots --json >"$dir/ij" 2>/dev/null
check "impact: exit 0, an impact section with an A and a B line per event" \
  '[ $rc -eq 0 ] && grep -q "^impact (each event" "$dir/o" &&
   [ "$(grep -c "^    A: event" "$dir/o")" -eq "$(grep -c "^    B: event" "$dir/o")" ] &&
   [ "$(grep -c "^    A: event" "$dir/o")" -ge 2 ]'
PYTHONPATH="$src/tests/cli" python3 - "$stormlab" "$dir" >"$dir/py" 2>&1 <<'PY'; rc=$?
import json, sys
from without_event import event_blocks, run_without
stormlab, d = sys.argv[1:]
cmp = json.load(open(f"{d}/ij"))
bad = 0
for side in ("a", "b"):
    run = f"{d}/i{side}"
    lines = open(f"{run}/scenario.resolved.yaml").read().split("\n")
    blocks = event_blocks(lines)
    base = json.load(open(f"{run}/summary.json"))["groups"]["billing"]["rebalances"]
    entries = [p[side] for p in cmp["impact"] if p[side]]
    if len(entries) != len(blocks):
        print(f"{side}: expected {len(blocks)} events, got {len(entries)}"); bad += 1
    for e in entries:
        i = e["event"]
        other = run_without(stormlab, lines, blocks, e["removed"], f"{run}-without-{i}.yaml", f"{run}-without-{i}")
        want = base - other["groups"]["billing"]["rebalances"]
        got = e["delta"]["groups"]["billing"]["rebalances"]
        if got != want:
            print(f"{side} event {i}: rebalances delta expected {want} (CLI without it), got {got}"); bad += 1
sys.exit(1 if bad else 0)
PY
check "impact: compare.json's deltas equal CLI runs without each event, for A and B" '[ $rc -eq 0 ]'
[ $rc -eq 0 ] || cat "$dir/py"
"$stormlab" explain "$dir/ib" >"$dir/x" 2>&1
check "impact: B's effect lines are the ones explain prints for B" \
  'diff <(sed -n "s/^    B: \(event [0-9]*: .*\)/\1/p" "$dir/o") <(grep -o "| event [0-9]*: .*" "$dir/x" | sed "s/^| //") >/dev/null'
"$stormlab" compare "$dir/ia" "$dir/ib" --no-plots --no-impact >"$dir/o" 2>&1
check "--no-impact leaves the section out" '! grep -q "^impact" "$dir/o"'

echo "compare: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
