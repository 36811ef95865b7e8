#!/usr/bin/env bash
# `stormlab advise` against an independent oracle: on each of the library's
# storm scenarios (scenarios/*storm*.yaml), given advise's best changes, when
# each suggested --set line is run again through `stormlab check` and
# `stormlab sim` (separate processes loading the file with those overrides),
# then every gate value and verdict and every before/after number advise
# claimed is what those runs give; the scenario as written matches a plain
# sim run; the output is the same bytes for --jobs 1 and --jobs 2; on every
# library scenario with gates (the flagship's four among them, none of which
# a single change or a pair keeps) advise exits 0 and `stormlab check` with
# its suggested --set lines keeps every gate; bad usage exits 2.
#
#   advise.sh STORMLAB SRC [quick]
#
# quick (the sanitizer build, tests/cli/CMakeLists.txt): the storm checks on
# the flagship alone, without the --jobs 1 repeat.  Under ASan+UBSan the
# whole test takes 4 to 5 minutes of the CI's hour; the plain build runs all
# of it, the sanitizers need each code path once.
set -u
stormlab=$1 src=$2 quick=${3:-}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/testlib.sh"

flagship="$src/scenarios/coordinator-restart-storm.yaml"
storms=("$src"/scenarios/*storm*.yaml)
[ "$quick" = quick ] && storms=("$flagship")
for path in "${storms[@]}"; do
  name=$(basename "$path" .yaml)
  "$stormlab" advise "$path" --json --jobs 2 --top 3 >"$dir/$name.json" 2>"$dir/$name.err"; rc=$?
  check "$name: advise --json finds a change that keeps every gate (expected exit 0, got $rc: $(head -c 300 "$dir/$name.err"))" \
    '[ $rc -eq 0 ]'
  if [ "$quick" != quick ]; then
    "$stormlab" advise "$path" --json --jobs 1 --top 3 >"$dir/$name-1.json" 2>/dev/null
    check "$name: the same advice, byte for byte, with --jobs 1 and --jobs 2" 'cmp -s "$dir/$name.json" "$dir/$name-1.json"'
  fi
  python3 - "$stormlab" "$dir" "$name" "$path" "$rc" >"$dir/py" 2>&1 <<'PY'; prc=$?
import json, subprocess, sys
stormlab, d, name, path, rc = sys.argv[1:]
adv = json.load(open(f"{d}/{name}.json"))
fails = []
def same(what, want, got):
    if want is None or got is None:
        ok = want is got
    else:
        ok = abs(float(want) - float(got)) <= 0.0005  # summary.json writes seconds to the millisecond
    if not ok:
        fails.append(f"{what}: advise claimed {want}, the CLI run gives {got}")
def cli_numbers(sets, tag):
    args = [stormlab, "sim", path, "--seed", str(adv["seed"]), "--out", f"{d}/{name}-{tag}", "--no-plots", "--json"]
    for s in sets:
        args += ["--set", s]
    return json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
def compare(cand, tag):
    summary = cli_numbers(cand["sets"], tag)
    for g, claimed in cand["results"]["groups"].items():
        got = summary["groups"][g]
        for k, v in claimed.items():
            same(f"{tag} {g}.{k}", v, got.get(k, 0 if k == "crashed_members" else None))  # written when non-zero
    for k, v in cand["results"]["cluster"].items():
        same(f"{tag} cluster.{k}", v, summary["cluster"][k])
    # the gates, as stormlab check evaluates them with the same --set lines
    args = [stormlab, "check", path, "--seed", str(adv["seed"]), "--out", f"{d}/{name}-{tag}-check", "--json"]
    for s in cand["sets"]:
        args += ["--set", s]
    out = subprocess.run(args, capture_output=True, text=True)
    gates = json.loads(out.stdout)
    flat = [g for r in gates["results"] for g in r["gates"]]
    if len(flat) != len(cand["gates"]):
        fails.append(f"{tag}: advise lists {len(cand['gates'])} gates, stormlab check {len(flat)}")
    for a, b in zip(cand["gates"], flat):
        same(f"{tag} gate {a['gate']} value", a["value"], b["value"])
        if a["passed"] != b["passed"]:
            fails.append(f"{tag} gate {a['gate']}: advise claims passed={a['passed']}, check says {b['passed']}")
    want_rc = 0 if cand["all_gates_kept"] else 1
    if out.returncode != want_rc:
        fails.append(f"{tag}: stormlab check exited {out.returncode}, expected {want_rc} (all gates kept: {cand['all_gates_kept']})")
compare(adv["as_written"], "as-written")
if not adv["best"]:
    fails.append("no change ranked")
for c in adv["best"]:
    compare(c, f"rank{c['rank']}")
    if not c["sets"]:
        fails.append(f"rank {c['rank']}: a change without --set lines")
best = adv["best"][0] if adv["best"] else None
if best and int(rc) == 0 and not best["all_gates_kept"]:
    fails.append("exit 0 but the best change breaches a gate")
if best and int(rc) == 1 and best["all_gates_kept"]:
    fails.append("exit 1 but the best change keeps every gate")
if best and adv["as_written"]["gates_total"] == 0:
    # no gates: the best change must beat the scenario as written on the objective's next keys
    a, b = adv["as_written"]["results"]["groups"], best["results"]["groups"]
    ra, rb = sum(g["rebalances"] for g in a.values()), sum(g["rebalances"] for g in b.values())
    if rb > ra:
        fails.append(f"best change has more rebalances ({rb}) than the scenario as written ({ra})")
if adv["tried"] != adv["singles"] + adv["combinations"]:
    fails.append(f"tried {adv['tried']} != singles {adv['singles']} + combinations {adv['combinations']}")
for c in adv["best"]:
    if len(c["sets"]) > 8 or len(c["change"].split(" + ")) > adv["depth"]:
        fails.append(f"rank {c['rank']} combines more than --depth {adv['depth']} changes: {c['change']}")
print("\n".join(fails))
sys.exit(1 if fails else 0)
PY
  check "$name: every number and gate advise claims is what stormlab sim/check give: $(cat "$dir/py")" '[ $prc -eq 0 ]'
done

# Every library scenario with gates: advise's one-line answer, run as
# `stormlab check` (its own process, the scenario file with those --set
# lines), keeps every gate.
for path in "$src"/scenarios/*.yaml; do
  grep -q '^expect:' "$path" || continue
  [ "$quick" = quick ] && [ "$path" != "$flagship" ] && continue
  name=$(basename "$path" .yaml)
  line=$("$stormlab" advise "$path" -q --jobs 2 2>/dev/null); rc=$?
  check "$name: advise -q exits 0 (got $rc)" '[ $rc -eq 0 ] && [ -n "$line" ]'
  eval "argv=($line)" # advise quotes each word for the shell
  [ "${argv[1]:-}" = sim ] && argv[1]=check
  "${argv[@]}" -q -o "$dir/lib-$name" >/dev/null 2>&1; rc=$?
  check "$name: stormlab check with advise's --set lines keeps every gate (got $rc: $line)" '[ $rc -eq 0 ]'
done

# A scenario whose gates a change can reach: the flagship's rebalance gate alone.
cat >"$dir/reachable.yaml" <<YAML
$(sed '/^expect:/,$d' "$src/scenarios/coordinator-restart-storm.yaml")
expect:
  - group: billing
    rebalances: {max: 5}
  - lost_records: 0
YAML
"$stormlab" advise "$dir/reachable.yaml" --json >"$dir/r.json" 2>/dev/null; rc=$?
check "a reachable gate: advise exits 0 (got $rc)" '[ $rc -eq 0 ]'
check "a reachable gate: the best change keeps every gate" \
  'python3 -c "import json,sys; b=json.load(open(sys.argv[1]))[\"best\"][0]; sys.exit(0 if b[\"all_gates_kept\"] else 1)" "$dir/r.json"'
best=$(python3 -c 'import json,sys; print(" ".join("--set "+s for s in json.load(open(sys.argv[1]))["best"][0]["sets"]))' "$dir/r.json")
"$stormlab" check "$dir/reachable.yaml" $best -q -o "$dir/r-check" >/dev/null 2>&1; rc=$?
check "a reachable gate: stormlab check with the suggested --set lines exits 0 (got $rc)" '[ $rc -eq 0 ]'
"$stormlab" advise "$dir/reachable.yaml" -q >"$dir/q.txt" 2>/dev/null
check "--quiet prints only the reproduce command" '[ $(wc -l <"$dir/q.txt") -eq 1 ] && grep -q " sim .*--set " "$dir/q.txt"'

# An unreachable gate: exit 1, and the text says so.
cat >"$dir/unreachable.yaml" <<YAML
$(sed '/^expect:/,$d' "$src/scenarios/storm-left-alone.yaml")
expect:
  - group: billing
    generation: {min: 1000}
YAML
"$stormlab" advise "$dir/unreachable.yaml" >"$dir/u.txt" 2>/dev/null; rc=$?
check "an unreachable gate: advise exits 1 (got $rc)" '[ $rc -eq 1 ]'
check "an unreachable gate: the text says no change keeps every gate" 'grep -q "no change tried keeps every gate" "$dir/u.txt"'

# Bad usage and bad input: exit 2, a message, nothing run.
for args in "--jobs 0" "--objective nope" "--top 0" "--combine x" "--depth 0" "--depth 9" ""; do
  "$stormlab" advise $args ${args:+"$src/scenarios/storm-left-alone.yaml"} >/dev/null 2>"$dir/e"; rc=$?
  check "advise ${args:-without a scenario}: exit 2 (got $rc)" '[ $rc -eq 2 ] && [ -s "$dir/e" ]'
done
printf 'name: x\ntopics: [{name: orders}]\ngroups: [{id: g, topics: [orders], membrs: 2}]\n' >"$dir/bad.yaml"
"$stormlab" advise "$dir/bad.yaml" 2>"$dir/e" >/dev/null; rc=$?
check "a bad scenario: exit 2 naming file:line:col (got $rc: $(cat "$dir/e"))" '[ $rc -eq 2 ] && grep -q "bad.yaml:3:" "$dir/e"'
"$stormlab" advise --help | grep -q -- "--objective"
check "advise --help documents --objective" '[ $? -eq 0 ]'

echo "advise: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
