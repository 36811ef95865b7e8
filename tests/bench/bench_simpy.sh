#!/usr/bin/env bash
# stormlab against SimPy on the same heartbeat-only workload, in one run:
# 10,000 consumers heartbeating every 3 s.  stormlab simulates them as
# Kafka members (200 classic groups of 50, the whole protocol, outputs
# written as `stormlab sim --no-plots` writes them, report.html included)
# for one hour; SimPy runs bare heartbeat processes, nothing else, for
# SIMPY_SECONDS (default 600: the rate is per member-second either way).
# It also prints stormlab's simulation alone, with no outputs
# (tests/bench/sim_no_outputs), the engine-to-engine comparison: SimPy
# writes nothing either.
# Figures are member-seconds simulated per CPU second (user + system), the
# fair measure on a shared machine, each the best of ROUNDS (default 3)
# interleaved rounds (one run of each per round: a noisy neighbour costs
# both alike); the load average is printed beside them.
#
#   tests/bench/bench_simpy.sh BUILD_DIR [SIMPY_SECONDS] [ROUNDS]
# Exits 77 (skipped) when no Python has SimPy (Debian: python3-simpy).
set -eu
build=${1:?usage: bench_simpy.sh BUILD_DIR [SIMPY_SECONDS]}
simpy_s=${2:-600}
rounds=${3:-3}
here=$(cd "$(dirname "$0")" && pwd)
members=10000 hour=3600
py=""
for p in python3 /usr/bin/python3; do
  if "$p" -c 'import simpy' 2>/dev/null || "$p" -c 'import SimPy.Simulation' 2>/dev/null; then py=$p; break; fi
done
if [ -z "$py" ]; then
  echo "bench_simpy: SKIPPED: SimPy is not installed (apt-get install python3-simpy)"
  exit 77
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
bash "$here/gen-members.sh" heartbeats >"$dir/heartbeats.yaml"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
# user, system and wall seconds and peak KiB of the stormlab run, from its rusage
stormlab_run() {
  "$py" -c '
import resource, subprocess, sys, time
t0 = time.monotonic()
subprocess.run(sys.argv[1:], check=True)
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(ru.ru_utime, ru.ru_stime, time.monotonic() - t0, ru.ru_maxrss)
' "$build/stormlab" sim "$dir/heartbeats.yaml" --out "$dir/run" --no-plots -q
}
best_s="" best_p="" best_n=""
for r in $(seq "$rounds"); do
  rm -rf "$dir/run"
  read -r su ss sw smem < <(stormlab_run)
  read -r ver pm ps pev pcpu < <("$py" "$here/simpy_heartbeats.py" "$members" "$simpy_s")
  ncpu=$("$build/tests/bench/sim_no_outputs" "$dir/heartbeats.yaml")
  if [ -z "$best_n" ] || awk -v a="$ncpu" -v c="$best_n" 'BEGIN { exit !(a < c) }'; then best_n=$ncpu; fi
  echo "round $r: stormlab $(awk -v a="$su" -v b="$ss" 'BEGIN { printf "%.2f", a + b }') CPU s, SimPy $pcpu CPU s"
  if [ -z "$best_s" ] || awk -v a="$su" -v b="$ss" -v c="$best_s" 'BEGIN { exit !(a + b < c) }'; then
    best_s=$(awk -v a="$su" -v b="$ss" 'BEGIN { print a + b }') best_line="$su $ss $sw $smem"
  fi
  if [ -z "$best_p" ] || awk -v a="$pcpu" -v c="$best_p" 'BEGIN { exit !(a < c) }'; then
    best_p=$pcpu best_pline="$ver $pm $ps $pev $pcpu"
  fi
done
read -r su ss sw smem <<<"$best_line"
read -r ver pm ps pev pcpu <<<"$best_pline"
echo "load average at end:   $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v su="$su" -v ss="$ss" -v sw="$sw" -v smem="$smem" -v ver="$ver" -v pm="$pm" -v ps="$ps" -v pev="$pev" \
    -v pcpu="$pcpu" -v members="$members" -v hour="$hour" -v ncpu="$best_n" 'BEGIN {
  scpu = su + ss; srate = members * hour / scpu; prate = pm * ps / pcpu
  printf "%-44s %10s %10s %16s\n", "engine (heartbeat-only workload), best round", "sim s", "CPU s", "member-s per CPU s"
  printf "%-44s %10d %10.2f %16.0f\n", "stormlab sim (10,000 members, whole protocol)", hour, scpu, srate
  printf "%-44s %10d %10.2f %16.0f\n", "stormlab, the simulation alone (no outputs)", hour, ncpu, members * hour / ncpu
  printf "%-44s %10d %10.2f %16.0f\n", ver " (10,000 heartbeat processes)", ps, pcpu, prate
  printf "stormlab / SimPy: %.1fx (stormlab wall %.2f s, peak %.0f MiB; SimPy fired %d heartbeats)\n",
         srate / prate, sw, smem / 1024, pev
  printf "the simulation alone / SimPy: %.1fx (both write nothing)\n", members * hour / ncpu / prate
}'
echo "rerun: tests/bench/bench_simpy.sh $build $simpy_s $rounds"
