#!/usr/bin/env bash
# Runs each fuzz target for SECONDS (default 60) and fails on any finding:
# a crash, a broken property (abort), a leak, 2 GiB of memory or one input
# taking 60 s (wall time: generous, for shared machines).  Builds the
# targets first (clang, -DSL_FUZZ=ON) in $SL_FUZZ_BUILD (default build-fuzz).
# The targets: scenario files, --set overrides, lint's .properties files,
# the cluster file of `run --cluster kafka` with its command templates
# expanded and quoted (clusterfile), the heal journal (heal), the proxy's HTTP API.
#
#   tests/fuzz/run.sh [SECONDS] [TARGET...]     targets: scenario set props
#                                               clusterfile heal proxy_http
#   SL_FUZZ_JOBS=2 tests/fuzz/run.sh 60         two targets at a time
#   nice -n 10 tests/fuzz/run.sh 1800           the long run (docs/reliability.md)
#
# Each target starts from its seeds (tests/fuzz/corpus/<target>, read only)
# plus what earlier runs found ($SL_FUZZ_BUILD/fuzz-corpus/<target>, where new
# inputs go).  A finding is written to $SL_FUZZ_BUILD/fuzz-artifacts/<target>/;
# copy it into tests/fuzz/corpus/<target>/crash-<what> once fixed, and
# ctest's fuzz_replay_<target> replays it from then on.
set -uo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(scenario set props clusterfile heal proxy_http)
build=${SL_FUZZ_BUILD:-build-fuzz}
jobs=${SL_FUZZ_JOBS:-1}

declare -A max_len=([scenario]=16384 [set]=1024 [props]=8192 [clusterfile]=8192
                   [heal]=8192 [proxy_http]=16384)

if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=${SL_FUZZ_CC:-clang} cmake -B "$build" -DSL_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 2
fi
cmake --build "$build" -j"$(nproc 2>/dev/null || echo 2)" \
  $(printf -- '--target fuzz_%s ' "${targets[@]}") >"$build/fuzz-build.log" 2>&1 ||
  { tail -30 "$build/fuzz-build.log"; echo "run.sh: build failed"; exit 2; }

# leaks are findings; UB is fatal (-fno-sanitize-recover=all)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run_one() {
  local t=$1 work=$build/fuzz-corpus/$1 art=$build/fuzz-artifacts/$1 log=$build/fuzz-logs/$1.log
  mkdir -p "$work" "$art" "$(dirname "$log")"
  local start=$SECONDS stamp=$build/fuzz-logs/$1.started
  touch "$stamp" # findings are the artifacts this run writes, not older ones
  # A unit is slow at the timeout, not libFuzzer's default 10 s: on a loaded
  # machine a 0.2 s input can take 15 s of wall time.
  "$build/tests/fuzz/fuzz_$t" -max_total_time="$secs" -timeout=60 -report_slow_units=60 -rss_limit_mb=2048 \
    -max_len="${max_len[$t]}" -dict="tests/fuzz/$t.dict" -artifact_prefix="$art/" \
    -print_final_stats=1 "$work" "tests/fuzz/corpus/$t" >"$log" 2>&1
  local rc=$?
  local done_line execs rate findings
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  findings=$(find "$art" -type f -newer "$stamp" | wc -l)
  printf '%-11s %5ss  execs %-10s exec/s %-6s %s  corpus files %s  findings %s  rc %s\n' \
    "$t" "$((SECONDS - start))" "${execs:-?}" "${rate:-?}" \
    "$(echo "$done_line" | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9a-zA-Z]+')" \
    "$(find "$work" -type f | wc -l)" "$findings" "$rc"
  if [ "$rc" -ne 0 ] || [ "$findings" -ne 0 ]; then
    echo "FAIL $t: see $log"; grep -E 'ERROR|property broken|SUMMARY|Test unit written' "$log" | head -10
    return 1
  fi
}

fail=0
pids=()
for t in "${targets[@]}"; do
  [ -n "${max_len[$t]:-}" ] || { echo "run.sh: unknown target $t"; exit 2; }
  if [ "$jobs" -gt 1 ]; then
    run_one "$t" & pids+=($!)
    if [ ${#pids[@]} -ge "$jobs" ]; then wait "${pids[0]}" || fail=1; pids=("${pids[@]:1}"); fi
  else
    run_one "$t" || fail=1
  fi
done
for p in "${pids[@]}"; do wait "$p" || fail=1; done
[ $fail -eq 0 ] && echo "fuzz: no finding in ${#targets[@]} targets x ${secs}s" || echo "fuzz: FINDINGS (see above)"
exit $fail
