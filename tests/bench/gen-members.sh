#!/usr/bin/env bash
# Writes a benchmark scenario of many consumer groups, one shape at a time:
#   tests/bench/gen-members.sh SHAPE > FILE.yaml
# SHAPE is one of
#   idle-heavy       200 groups x 50 members, 24-partition topics (26 of every
#                    50 members own nothing), session 10s, 100 records/s each,
#                    every client and protocol, static members, four faults
#   low-throughput   200 x 50 on 60-partition topics at 1 record/s each
#   high-throughput  200 x 50 on 60-partition topics at 20,000 records/s each
#   storm-heavy      200 x 50, 60 partitions, a fault every minute somewhere
#   mixed            200 x 50, every client/protocol/assignor/static mix, two
#                    topics per group of different sizes
#   100k             2,000 groups x 50 members on 100 brokers (100,000 members),
#                    two groups on each of 1,000 topics
#   heartbeats       200 x 50 classic Java members heartbeating every 3 s, one
#                    partition each at 1 record/s, no faults (bench_simpy.sh)
# Every shape runs one simulated hour; bench_sim runs them (its cases).
set -eu
shape=${1:?usage: gen-members.sh idle-heavy|low-throughput|high-throughput|storm-heavy|mixed|100k|heartbeats}
groups=200 brokers=30 parts=60 rate=200 session="" topics_per_group=1
case $shape in
  idle-heavy) parts=24 rate=100 session=10s ;;
  low-throughput) rate=1 ;;
  high-throughput) rate=20000 ;;
  storm-heavy) ;;
  mixed) topics_per_group=2 ;;
  100k) groups=2000 brokers=100 ;;
  heartbeats) parts=50 rate=1 ;;
  *) echo "gen-members.sh: unknown shape '$shape'" >&2; exit 2 ;;
esac
cat <<HEAD
name: bench-$shape
description: >
  Benchmark load ($shape): $groups groups of 50 members on $brokers brokers for
  one hour; written by tests/bench/gen-members.sh $shape.
seed: 1
duration: 1h
cluster:
  brokers: $brokers
topics:
HEAD
# at most 1,000 topics: with more groups, two read each topic
ntopics=$(( groups > 1000 ? 1000 : groups ))
for g in $(seq 1 "$ntopics"); do
  printf '  - {name: t%d, partitions: %d, replication: 3, produce_rate: %d/s}\n' "$g" "$parts" "$rate"
  if [ "$topics_per_group" -eq 2 ]; then
    printf '  - {name: u%d, partitions: %d, replication: 3, produce_rate: %d/s}\n' "$g" $(( g % 3 * 20 + 8 )) 50
  fi
done
echo "groups:"
for g in $(seq 1 "$groups"); do
  t=$(( (g - 1) % ntopics + 1 ))
  topics="[t$t]"
  [ "$topics_per_group" -eq 2 ] && topics="[t$t, u$t]"
  mix=$(( g % 5 ))
  [ "$shape" = heartbeats ] && mix=0
  case $mix in
    0) extra="" ;;
    1) extra=", assignor: cooperative-sticky" ;;
    2) extra=", client: librdkafka" ;;
    3) extra=", client: librdkafka, assignor: cooperative-sticky" ;;
    4) extra=", protocol: consumer" ;;
  esac
  if [ -n "$session" ] && [ $(( g % 5 )) -ne 4 ]; then
    extra="$extra, session_timeout: $session, heartbeat_interval: 3s"
  fi
  # roundrobin only where the mix above set no assignor (0: Java, 2: librdkafka)
  if [ "$shape" = mixed ] && [ $(( g % 7 )) -eq 3 ] && { [ "$mix" -eq 0 ] || [ "$mix" -eq 2 ]; }; then
    extra="$extra, assignor: roundrobin"
  fi
  if [ $(( g % 8 )) -eq 4 ] && [ "$mix" -ne 4 ] && [ "$shape" != heartbeats ]; then extra="$extra, static: true"; fi
  printf '  - {id: g%d, topics: %s, members: 50%s}\n' "$g" "$topics" "$extra"
done
if [ "$shape" = heartbeats ]; then
  exit 0
fi
echo "events:"
if [ "$shape" = storm-heavy ]; then
  for m in $(seq 2 58); do
    case $(( m % 4 )) in
      0) printf '  - {at: %dm, partition: {from: [g%d/1, g%d/2], to: [broker/*]}, for: 20s}\n' "$m" $(( m * 3 % groups + 1 )) $(( m * 3 % groups + 1 )) ;;
      1) printf '  - {at: %dm, restart: broker/%d, mode: hard, for: 40s}\n' "$m" $(( m % brokers + 1 )) ;;
      2) printf '  - {at: %dm, restart: [g%d/*], mode: controlled, rolling: 2s, for: 5s}\n' "$m" $(( m * 7 % groups + 1 )) ;;
      3) printf '  - {at: %dm, restart: broker/%d, mode: pause, for: 15s}\n' "$m" $(( m * 11 % brokers + 1 )) ;;
    esac
  done
else
  cat <<'EVENTS'
  - {at: 5m, partition: {from: [g1/1, g2/1, g3/1, g4/1], to: [broker/*]}, for: 90s}
  - {at: 10m, restart: broker/7, mode: hard, for: 1m}
  - {at: 20m, restart: [g5/*, g6/*, g7/*, g8/*], mode: controlled, rolling: 2s, for: 5s}
  - {at: 40m, partition: {from: [g10/1, g11/1, g12/1], to: [broker/*]}, for: 30s}
EVENTS
fi
