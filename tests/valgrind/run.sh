#!/usr/bin/env bash
# stormlab under valgrind's memcheck: no invalid read or write, no use of
# uninitialised memory, no definite leak (docs/reliability.md).  Runs the
# flagship scenario (with plots: gnuplot runs as a child, outside valgrind),
# explain, plot, check, lint, the standalone proxy driven over its HTTP
# API, then stopped with SIGTERM, and `stormlab run` on the embedded mock
# cluster (tests/valgrind/run-short.yaml: real librdkafka clients through
# the fault proxy, a link cut and a broker restart, 24 s of real time; 34
# to 44 s under valgrind).  Each command must also give its own usual exit
# code; all but the proxy are bounded to 5 minutes (exit 124 past that).
# Only definite leaks count: what is "still reachable" at exit (Cyrus SASL's
# global state, set up by librdkafka, and glibc's dlopen) is not an error.
# No suppressions are needed.
#
#   tests/valgrind/run.sh [BUILD_DIR]     default build (with the proxy and
#                                         librdkafka); needs valgrind, curl
set -uo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
sl=$build/stormlab
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail=0
vg=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
    --track-origins=yes)

# NAME EXPECTED_EXIT COMMAND...
case_() {
  local name=$1 want=$2; shift 2
  local start=$SECONDS
  timeout -k 30 300 "${vg[@]}" "$@" >"$out/$name.out" 2>"$out/$name.err"
  local rc=$?
  if [ "$rc" -eq "$want" ]; then
    echo "ok   $name ($((SECONDS - start)) s)"
  else
    echo "FAIL $name: exit $rc, expected $want (99: valgrind found an error; 124: timed out)"
    head -40 "$out/$name.err"
    fail=1
  fi
}

case_ sim-flagship 0 "$sl" sim scenarios/coordinator-restart-storm.yaml --out "$out/flagship"
case_ explain 0 "$sl" explain "$out/flagship"
# `stormlab sim` re-executes itself for huge pages (harness/common/hugepages.c),
# but never under valgrind: the re-executed image would run unchecked and
# every case here pass.  The whole run must show in valgrind's own count.
valgrind --log-file="$out/whole.log" "$sl" sim scenarios/member-cut-short.yaml --out "$out/whole" --no-plots -q
allocs=$(sed -n 's/.*total heap usage: \([0-9,]*\) allocs.*/\1/p' "$out/whole.log" | tr -d ,)
if [ "${allocs:-0}" -gt 1000 ]; then
  echo "ok   sim-stays-under-valgrind ($allocs allocations seen)"
else
  echo "FAIL sim-stays-under-valgrind: valgrind saw ${allocs:-no} allocations: the run left it"
  fail=1
fi
case_ plot 0 "$sl" plot "$out/flagship"
case_ check 1 "$sl" check scenarios/coordinator-restart-storm.yaml scenarios/member-cut-short.yaml \
  --junit "$out/junit.xml"
case_ lint 1 "$sl" lint tests/data/lint/storm-java.properties tests/data/lint/storm-librdkafka.properties \
  --broker tests/data/lint/server.properties
case_ sim-bad-input 2 "$sl" sim tests/fuzz/corpus/scenario/seed-cli-alias-bomb.yaml --out "$out/bad"
# an output directory that cannot be made: exit 3, and the exit path touches
# no uninitialised path (valgrind flags unlink() of one)
touch "$out/a-file"
case_ run-bad-out 3 "$sl" run tests/data/run/cut-short.yaml --out "$out/a-file/run" --state-dir "$out/state-bad"

# stormlab run on the mock cluster: librdkafka's threads, the fault proxy's
# event loop, a link cut and a broker restart healed, the outputs written.
# Its own heal state directory, left empty by a run that ends well.
case_ run-mock 0 "$sl" run tests/valgrind/run-short.yaml --out "$out/run" --state-dir "$out/state"
[ -z "$(ls -A "$out/state" 2>/dev/null)" ] || { echo "FAIL run-mock: a heal state file was left"; fail=1; }
for k in summary.json trace.jsonl log.txt; do
  [ -s "$out/run/$k" ] || { echo "FAIL run-mock: no $k in the run directory"; fail=1; }
done
grep -q '"kind":"link.heal"' "$out/run/trace.jsonl" 2>/dev/null &&
  grep -q '"kind":"broker.serving"' "$out/run/trace.jsonl" 2>/dev/null ||
  { echo "FAIL run-mock: the trace lacks the link heal or the broker's return"; fail=1; }

# the proxy: a control API on a free port, a proxy and a toxic, then SIGTERM
"${vg[@]}" "$sl" proxy --control 127.0.0.1:0 --listen 127.0.0.1:0 --upstream 127.0.0.1:9 \
  >"$out/proxy.out" 2>"$out/proxy.err" &
pid=$!
addr=
for _ in $(seq 100); do
  addr=$(sed -n 's/^stormlab proxy: control API http:\/\///p' "$out/proxy.out")
  [ -n "$addr" ] && break
  sleep 0.1
done
if [ -z "$addr" ]; then
  echo "FAIL proxy: no control address"; cat "$out/proxy.err"; fail=1; kill "$pid"
else
  curl -sf -XPOST "$addr/proxies/default/toxics" \
    -d '{"type":"latency","attributes":{"latency":10,"jitter":5}}' >/dev/null &&
  curl -sf "$addr/proxies" >/dev/null &&
  curl -s -XPOST "$addr/proxies" -d '{"name":' >/dev/null &&
  curl -sf -XDELETE "$addr/proxies/default/toxics/latency_downstream" >/dev/null ||
    { echo "FAIL proxy: API requests failed"; fail=1; }
  kill -TERM "$pid"
fi
wait "$pid"
rc=$?
if [ "$rc" -eq 0 ]; then echo "ok   proxy (SIGTERM, exit 0)"
else echo "FAIL proxy: exit $rc, expected 0 (99: valgrind found an error)"; head -40 "$out/proxy.err"; fail=1; fi

[ $fail -eq 0 ] && echo "valgrind: clean" || echo "valgrind: ERRORS"
exit $fail
