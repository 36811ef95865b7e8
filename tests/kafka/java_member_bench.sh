#!/usr/bin/env bash
# What one Java member costs (docs/real-runs.md, "Java members"): N members of
# one group started at once on the test cluster, each a JVM with the flags
# `stormlab run` uses (harness/java/member.sh flags) or the JVM's defaults
# (--defaults).  Prints, per member and as a median: ms from exec to the
# consumer created ("started"), to its first assignment, and its RSS (MiB)
# once all hold an assignment, and CPU seconds used by then (what
# the load of a shared machine does not change much).  Needs a running test cluster (tests/kafka/cluster.sh).
#
#   tests/kafka/java_member_bench.sh [--defaults] [N]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
defaults=0
[ "${1:-}" = "--defaults" ] && { defaults=1; shift; }
n=${1:-4}
eval "$(bash "$here/cluster.sh" env)"
mapfile -t cmd < <(bash "$root/harness/java/member.sh" prepare)
if [ "$defaults" = 1 ]; then
  cp=$(printf '%s\n' "${cmd[@]}" | grep -A1 -x -- -cp | tail -1)
  cmd=(java -Djava.net.preferIPv4Stack=true -cp "$cp" dev.stormlab.member.Member)
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
topic=bench-java-$$ group=bench-java-$$
java -cp "$STORMLAB_KAFKA_LIBS/*" org.apache.kafka.tools.TopicCommand --bootstrap-server "$STORMLAB_KAFKA_BOOTSTRAP" \
  --create --topic "$topic" --partitions 8 --replication-factor 1 >/dev/null 2>&1
t0=$(date +%s%N)
pids=()
for i in $(seq 1 "$n"); do
  mkfifo "$work/in$i"
  ( "${cmd[@]}" <"$work/in$i" 2>/dev/null |
      while read -r ev rest; do echo "$(( ($(date +%s%N) - t0) / 1000000 )) $ev $rest"; done >"$work/m$i.out" ) &
  pids+=($!)
  exec {fd}>"$work/in$i"
  fds[$i]=$fd
  printf 'config bootstrap.servers=%s\nconfig group.id=%s\nconfig client.id=m%d\nprocessing 0 0 1\ncommit auto\nsubscribe %s\n' \
    "$STORMLAB_KAFKA_BOOTSTRAP" "$group" "$i" "$topic" >&"$fd"
done
# Until every member holds an assignment (at most 90 s), then 2 s more.
for _ in $(seq 1 90); do
  done_n=0
  for i in $(seq 1 "$n"); do grep -q ' assigned ' "$work/m$i.out" 2>/dev/null && done_n=$((done_n + 1)); done
  [ "$done_n" -ge "$n" ] && break
  sleep 1
done
sleep 2
rss=() cpu=()
hz=$(getconf CLK_TCK)
for i in $(seq 1 "$n"); do
  pid=$(awk '$2 == "started" { print $3; exit }' "$work/m$i.out")
  if [ -n "$pid" ] && [ -r "/proc/$pid/stat" ]; then
    rss+=("$(awk '/^VmRSS/ { printf "%d", $2 / 1024 }' "/proc/$pid/status")")
    cpu+=("$(sed 's/.*) //' "/proc/$pid/stat" | awk -v hz="$hz" '{ printf "%.2f", ($12 + $13) / hz }')")
  else
    rss+=(-) cpu+=(-)
  fi
  echo close >&"${fds[$i]}"
done
wait "${pids[@]}"
echo "java members: $n at once, $([ "$defaults" = 1 ] && echo "JVM defaults" || echo "stormlab's flags (member.sh prepare)"), load average $(cut -d' ' -f1 /proc/loadavg)"
printf '%-8s %12s %14s %9s %9s\n' member started_ms assigned_ms rss_mib cpu_s
for i in $(seq 1 "$n"); do
  s=$(awk '$2 == "started" { print $1; exit }' "$work/m$i.out")
  a=$(awk '$2 == "assigned" { print $1; exit }' "$work/m$i.out")
  printf '%-8s %12s %14s %9s %9s\n' "m$i" "${s:--}" "${a:--}" "${rss[$((i - 1))]}" "${cpu[$((i - 1))]}"
done | tee "$work/table"
med() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
printf '%-8s %12s %14s %9s %9s\n' median "$(awk '{print $2}' "$work/table" | med)" "$(awk '{print $3}' "$work/table" | med)" \
  "$(awk '{print $4}' "$work/table" | med)" "$(awk '{print $5}' "$work/table" | med)"
echo "rerun: tests/kafka/java_member_bench.sh $([ "$defaults" = 1 ] && echo "--defaults ")$n"
java -cp "$STORMLAB_KAFKA_LIBS/*" org.apache.kafka.tools.TopicCommand --bootstrap-server "$STORMLAB_KAFKA_BOOTSTRAP" \
  --delete --topic "$topic" >/dev/null 2>&1 || true
