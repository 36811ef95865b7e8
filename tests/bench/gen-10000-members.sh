#!/usr/bin/env bash
# Writes bench-10000-members.yaml: 200 groups x 50 members on 30 brokers,
# mixed protocols and clients, one hour with faults.  Rerun after editing:
#   tests/bench/gen-10000-members.sh > tests/bench/bench-10000-members.yaml
set -eu
cat <<'HEAD'
name: bench-10000-members
description: >
  Benchmark load: 200 groups of 50 members (10,000 consumers) on 30
  brokers for one hour; a quarter each classic/Java/range,
  classic/Java/cooperative-sticky, classic/librdkafka/range and KIP-848,
  every eighth group static; 100 topics of 60 partitions at 200 records/s
  each; member cuts, two broker kills and rolling restarts of four groups.
seed: 1
duration: 1h
cluster:
  brokers: 30
topics:
HEAD
for t in $(seq 1 100); do
  printf '  - {name: topic-%d, partitions: 60, replication: 3, produce_rate: 200/s}\n' "$t"
done
echo "groups:"
for g in $(seq 1 200); do
  t=$(( (g - 1) % 100 + 1 ))
  case $(( g % 4 )) in
    0) extra="" ;;
    1) extra=", assignor: cooperative-sticky" ;;
    2) extra=", client: librdkafka" ;;
    3) extra=", protocol: consumer" ;;
  esac
  if [ $(( g % 8 )) -eq 4 ]; then extra="$extra, static: true"; fi
  printf '  - {id: g%d, topics: [topic-%d], members: 50%s}\n' "$g" "$t" "$extra"
done
cat <<'EVENTS'
events:
  - {at: 5m, partition: {from: [g1/1, g2/1, g3/1, g4/1], to: [broker/*]}, for: 90s}
  - {at: 10m, restart: broker/7, mode: hard, for: 1m}
  - {at: 20m, restart: [g5/*, g6/*, g7/*, g8/*], mode: controlled, rolling: 2s, for: 5s}
  - {at: 30m, restart: broker/12, mode: hard, for: 1m}
  - {at: 40m, partition: {from: [g10/1, g11/1, g12/1], to: [broker/*]}, for: 30s}
EVENTS
