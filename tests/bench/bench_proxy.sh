#!/usr/bin/env bash
# The fault proxy benchmark (issue 5): direct loopback vs the stormlab proxy
# (no toxics) vs haproxy in TCP mode, measured side by side in one run:
#   - throughput: iperf3, one TCP stream, BENCH_SECONDS each way
#   - added round trip: 64-byte ping-pongs, p50/p99 minus direct's
#   - 1,000 concurrent connections held through the proxy
# Not a test: it prints figures.  Loopback only.  Needs haproxy, iperf3,
# curl, jq (apt-get install -y haproxy iperf3 curl jq).
#
#   tests/bench/bench_proxy.sh [BUILD_DIR]        (default: build)
#   BENCH_SECONDS=3 BENCH_RTT_N=20000 BENCH_ROUNDS=3 BENCH_CONNS=1000 BENCH_PORT_BASE=23400
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
SECS=${BENCH_SECONDS:-3}
RTT_N=${BENCH_RTT_N:-20000}
ROUNDS=${BENCH_ROUNDS:-3}
CONNS=${BENCH_CONNS:-1000}
BASE=${BENCH_PORT_BASE:-23400}
ECHO=$BASE CTL=$((BASE + 1)) PX_ECHO=$((BASE + 2)) PX_IPERF=$((BASE + 3))
HA1_ECHO=$((BASE + 4)) HA1_IPERF=$((BASE + 5)) HAN_ECHO=$((BASE + 6)) HAN_IPERF=$((BASE + 7))
IPERF=$((BASE + 8)) TX_ECHO=$((BASE + 9)) TX_IPERF=$((BASE + 10)) FL_ECHO=$((BASE + 11)) FL_IPERF=$((BASE + 12))

for t in haproxy iperf3 curl jq cc; do
  command -v $t >/dev/null || { echo "bench_proxy: $t is missing (apt-get install -y haproxy iperf3 curl jq)"; exit 2; }
done
cmake --build "$BUILD" --target stormlab-proxy >/dev/null
PROXY=$BUILD/harness/proxy/stormlab-proxy   # not a find: build/deb-build holds a packaged copy
WORK=$(mktemp -d)
BENCH=$WORK/bench_proxy
cc -O2 -Wall -o "$BENCH" "$ROOT/tests/bench/bench_proxy.c"
ulimit -n 65536 2>/dev/null || ulimit -n 16384

PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

"$BENCH" echo $ECHO & PIDS+=($!)
# the floor: the least a proxy can be (bench_proxy.c's relay: one epoll loop, no inspection)
"$BENCH" relay $FL_ECHO $ECHO & PIDS+=($!)
"$BENCH" relay $FL_IPERF $IPERF & PIDS+=($!)
iperf3 -s -p $IPERF >/dev/null 2>&1 & PIDS+=($!)
"$PROXY" --control 127.0.0.1:$CTL --seed 1 >"$WORK/proxy.log" 2>&1 & PROXY_PID=$!; PIDS+=($PROXY_PID)

haproxy_cfg() {   # $1 = nbthread line, $2 echo port, $3 iperf port
  cat <<CFG
global
  maxconn 5000
  $1
defaults
  mode tcp
  timeout connect 5s
  timeout client 1m
  timeout server 1m
frontend fe_echo
  bind 127.0.0.1:$2
  default_backend be_echo
backend be_echo
  server s1 127.0.0.1:$ECHO
frontend fe_iperf
  bind 127.0.0.1:$3
  default_backend be_iperf
backend be_iperf
  server s1 127.0.0.1:$IPERF
CFG
}
haproxy_cfg "nbthread 1" $HA1_ECHO $HA1_IPERF >"$WORK/ha1.cfg"
haproxy_cfg "" $HAN_ECHO $HAN_IPERF >"$WORK/han.cfg"
haproxy -f "$WORK/ha1.cfg" -db >/dev/null 2>&1 & PIDS+=($!)
haproxy -f "$WORK/han.cfg" -db >/dev/null 2>&1 & PIDS+=($!)
sleep 1

# The proxies go in through Toxiproxy's API, as any client would do it.
curl -sf -XPOST 127.0.0.1:$CTL/proxies \
  -d "{\"name\":\"echo\",\"listen\":\"127.0.0.1:$PX_ECHO\",\"upstream\":\"127.0.0.1:$ECHO\"}" >/dev/null
curl -sf -XPOST 127.0.0.1:$CTL/proxies \
  -d "{\"name\":\"iperf\",\"listen\":\"127.0.0.1:$PX_IPERF\",\"upstream\":\"127.0.0.1:$IPERF\"}" >/dev/null
# The cost of one active toxic: a 0 ms latency on both streams puts every byte through a stage
# (chunks, a timer each) instead of the direct path.
for p in echo:$TX_ECHO:$ECHO iperf:$TX_IPERF:$IPERF; do
  IFS=: read -r n l u <<<"$p"
  curl -sf -XPOST 127.0.0.1:$CTL/proxies \
    -d "{\"name\":\"$n-toxic\",\"listen\":\"127.0.0.1:$l\",\"upstream\":\"127.0.0.1:$u\"}" >/dev/null
  for s in upstream downstream; do
    curl -sf -XPOST 127.0.0.1:$CTL/proxies/$n-toxic/toxics \
      -d "{\"name\":\"l-$s\",\"type\":\"latency\",\"stream\":\"$s\",\"attributes\":{\"latency\":0}}" >/dev/null
  done
done

gbps() {   # $1 port, $2 extra iperf3 flags
  iperf3 -c 127.0.0.1 -p "$1" -t "$SECS" $2 -J | jq '.end.sum_received.bits_per_second / 1e9'
}
rtt() { "$BENCH" rtt "$1" "$RTT_N" 64; }
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }

echo "== stormlab proxy benchmark: $(nproc) cores, $(uname -r), haproxy $(haproxy -v | head -1 | awk '{print $3}'), $(iperf3 --version | head -1 | awk '{print $1, $2}')"
echo
echo "throughput, one TCP stream, ${SECS}s (iperf3), Gbit/s (median of $ROUNDS interleaved rounds):"
TPATHS=("direct:$IPERF" "stormlab proxy:$PX_IPERF" "haproxy nbthread 1:$HA1_IPERF" "haproxy default threads:$HAN_IPERF"
        "stormlab proxy, 1 toxic each way:$TX_IPERF" "floor, a bare epoll relay:$FL_IPERF")
for ((round = 0; round < ROUNDS; round++)); do
  for i in "${!TPATHS[@]}"; do
    port=${TPATHS[$i]##*:}
    echo "$i $(gbps "$port" "") $(gbps "$port" "-R")" >>"$WORK/tput"
  done
done
tmedian() {
  awk -v i="$1" -v c="$2" '$1 == i {print $c}' "$WORK/tput" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'
}
printf "  %-34s %10s %10s\n" path "->server" "<-server"
for i in "${!TPATHS[@]}"; do
  printf "  %-34s %10.2f %10.2f\n" "${TPATHS[$i]%%:*}" "$(tmedian $i 2)" "$(tmedian $i 3)"
done
echo
echo "round trip, 64-byte ping-pong x $RTT_N, microseconds (median of $ROUNDS interleaved rounds):"
# Paths take turns so that a noisy moment of the machine hits all of them.
PATHS=("direct:$ECHO" "stormlab proxy:$PX_ECHO" "haproxy nbthread 1:$HA1_ECHO" "haproxy default threads:$HAN_ECHO"
       "stormlab proxy, 1 toxic each way:$TX_ECHO" "floor, a bare epoll relay:$FL_ECHO")
for ((round = 0; round < ROUNDS; round++)); do
  for i in "${!PATHS[@]}"; do
    R=$(rtt "${PATHS[$i]##*:}")
    echo "$i $(echo "$R" | field p50_us) $(echo "$R" | field p99_us)" >>"$WORK/rtt"
  done
done
median() {   # $1 path index, $2 column (2 = p50, 3 = p99)
  awk -v i="$1" -v c="$2" '$1 == i {print $c}' "$WORK/rtt" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'
}
D50=$(median 0 2) D99=$(median 0 3)
printf "  %-34s %8s %8s %12s %12s\n" path p50 p99 "added p50" "added p99"
printf "  %-34s %8.1f %8.1f %12s %12s\n" direct "$D50" "$D99" - -
for i in 1 2 3 4 5; do
  R50=$(median $i 2) R99=$(median $i 3)
  printf "  %-34s %8.1f %8.1f %12.1f %12.1f\n" "${PATHS[$i]%%:*}" "$R50" "$R99" \
    "$(awk "BEGIN{print $R50 - $D50}")" "$(awk "BEGIN{print $R99 - $D99}")"
done
echo
echo "$CONNS concurrent connections through the stormlab proxy, held 5 s:"
"$BENCH" hold $PX_ECHO "$CONNS" 5 >"$WORK/hold.out" & HOLD=$!
sleep 3
ACTIVE=$(curl -sf 127.0.0.1:$CTL/proxies/echo/connections | jq .active)
RSS=$(awk '/VmRSS/ {print $2, $3}' /proc/$PROXY_PID/status)
wait $HOLD || true
echo "  $(cat "$WORK/hold.out")"
echo "  proxy says active=$ACTIVE while held; proxy RSS $RSS"
echo
echo "rerun: tests/bench/bench_proxy.sh ${1:-build}"
