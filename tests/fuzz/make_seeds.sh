#!/usr/bin/env bash
# Regenerates the seed corpora in tests/fuzz/corpus/ from the project's own
# inputs: the scenario library, the bad-input tables of
# tests/cli/bad_inputs.sh and tests/unit/check_scenario.c, the lint test
# data, the cluster files of docs/real-runs.md, tests/kafka/cluster.sh and
# tests/run/run_test.sh, and the proxy API requests of docs/proxy.md.  Seeds are named
# seed-*; inputs that once crashed a target (crash-*) and corpus entries kept
# from long runs (cov-*) are left alone.  Needs gcc and the build's
# dependencies; run from anywhere:  tests/fuzz/make_seeds.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
c=$root/tests/fuzz/corpus
mkdir -p "$c"/{scenario,set,props,clusterfile,heal,proxy_http}
rm -f "$c"/*/seed-*
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- scenario: the library, the benchmark scenario, both bad-input tables
for f in "$root"/scenarios/*.yaml "$root"/tests/bench/bench-1000-members.yaml; do
  cp "$f" "$c/scenario/seed-$(basename "$f" .yaml).yaml"
done
# tests/cli/bad_inputs.sh writes its files with mk/printf/{...}: run that part
sed -n '/^mk()/,/^# file | expected/p' "$root/tests/cli/bad_inputs.sh" > "$tmp/mk.sh"
(cd "$tmp" && mkdir cli && cd cli && bash ../mk.sh)
for f in "$tmp"/cli/*.yaml; do
  [ "$(stat -c %s "$f")" -le 65536 ] && cp "$f" "$c/scenario/seed-cli-$(basename "$f")"
done
# check_scenario.c: its tables, through the file itself (main renamed)
cat > "$tmp/extract.c" <<'C'
#define main check_scenario_main
#include "check_scenario.c"
#undef main
static void put(const char *dir, const char *prefix, int i, const char *s, size_t n) {
    char path[4096];
    snprintf(path, sizeof path, "%s/seed-%s-%02d", dir, prefix, i);
    FILE *f = fopen(path, "wb");
    fwrite(s, 1, n, f);
    fclose(f);
}
int main(int argc, char **argv) {
    (void)argc;
    put(argv[1], "spec-example", 0, spec_example, strlen(spec_example));
    put(argv[1], "every-field", 0, every_field, strlen(every_field));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t len = bad[i].len ? bad[i].len : bad[i].yaml ? strlen(bad[i].yaml) : 0;
        char *gen = bad[i].gen ? bad[i].gen(&len) : NULL;
        if (len <= 65536) put(argv[1], "unit-bad", (int)i, gen ? gen : bad[i].yaml, len);
        free(gen);
    }
    for (size_t i = 0; i < sizeof bad_sets / sizeof bad_sets[0]; i++)
        put(argv[2], "unit-bad-set", (int)i, bad_sets[i].set, strlen(bad_sets[i].set));
    return 0;
}
C
gcc -std=gnu11 -w -DSL_SOURCE_DIR="\"$root\"" -DSL_BINARY_DIR="\"$tmp\"" -o "$tmp/extract" "$tmp/extract.c" "$root/tests/unit/testutil.c" \
  -I"$root/tests/unit" -I"$root/sim" -I"$root/include" \
  "$root"/sim/*.c $(pkg-config --cflags --libs check yaml-0.1 jansson) -lm
"$tmp/extract" "$c/scenario" "$c/set"

# --- set: the documented and tested overrides (one per file; NUL separates
# several in one input)
i=0
while IFS= read -r s; do
  [ -n "$s" ] || continue
  printf '%s' "$s" > "$c/set/seed-doc-$(printf %02d $i)"; i=$((i + 1))
done <<'SETS'
seed=3
duration=20m
cluster.brokers=5
topics.orders.partitions=48
groups.billing.session_timeout=10s
links.latency=5ms
events.0.at=30s
groups.billing.processing={median: 2ms, p99: 40ms}
groups.billing.topics=[orders, orders.v2]
groups.billing.max_poll_records=7
groups.billing.owner=ops
topics.orders.v2.partitions=3
groups.audit.protocol=classic
events.2.set={group: billing, session_timeout: 5s}
expect.0.rebalances={min: 1, max: 9}
links={latency: 2ms, jitter: 1ms, loss: 0.01}
events=[]
cluster.brokers=3 
SETS
printf 'cluster.brokers=7\0groups.billing.owner=ops\0cluster.brokers=9' > "$c/set/seed-multi-00"
printf 'groups.billing.session_timeout=10s\0groups.billing.heartbeat_interval=1s' > "$c/set/seed-multi-01"

# --- props: the lint test data and its corpus of real-world configs; a YAML
# file (application.yml) goes in behind the "---" document marker that makes
# fuzz_props read it as YAML
for f in "$root"/tests/data/lint/*.properties "$root"/tests/data/lint/corpus/*.properties \
         "$root"/tests/data/lint/corpus/*.conf; do
  cp "$f" "$c/props/seed-$(basename "$f")"
done
for f in "$root"/tests/data/lint/corpus/*.yml; do
  { printf -- '---\n'; cat "$f"; } > "$c/props/seed-$(basename "$f")"
done

# --- clusterfile: docs/real-runs.md's examples (the ```yaml blocks with
# commands:), the file tests/kafka/cluster.sh writes, tests/run/run_test.sh's
# good and bad files; then a few with hosts after a NUL (fuzz_clusterfile.c)
awk -v dir="$c/clusterfile" '
  /^ *```yaml$/ { inb = 1; ind = index($0, "`") - 1; body = ""; next }
  inb && /^ *```$/ { inb = 0; if (body ~ /commands:/) { f = sprintf("%s/seed-doc-%02d.yaml", dir, n++); printf "%s", body > f; close(f) } next }
  inb { body = body substr($0, ind + 1) "\n" }' "$root/docs/real-runs.md"
( # write_cluster_file() of tests/kafka/cluster.sh, with its settings (paths
  # made fixed below, so the seed does not change from run to run)
  state="$tmp/stormlab-kafka-0" port0=19092 version=4.4.0 cache="$tmp/cache" heap=256m
  self="$root/tests/kafka/cluster.sh" nodes=(1 2 3)
  mkdir -p "$state" && echo 'MkU3OEVBNTcwNTJENDM2Qg' > "$state/cluster.id"
  eval "$(sed -n -e '/^client_port()/p' -e '/^bootstrap()/,/^}/p' -e '/^write_cluster_file()/,/^}/p' "$self")"
  write_cluster_file
  sed -e "s|$tmp/cache|/root/.cache/stormlab-kafka|g" -e "s|$tmp|/tmp|g" -e "s|$root|/src/stormlab|g" \
    "$state/cluster.yaml" > "$c/clusterfile/seed-kafka-cluster.yaml" )
( # run_test.sh's cluster files: its heredocs and printf lines to $cf and $out/cfN.yaml
  out="$tmp/run" && mkdir -p "$out" && cf="$out/cluster.yaml"
  eval "$(sed -n -e '/cat >"$\(cf\|out\/cf[0-9]*\.yaml\)" <<'"'"'EOF'"'"'/,/^EOF$/p' \
                 -e '/^ *printf .* >"$out\/cf[0-9]*\.yaml"$/p' "$root/tests/run/run_test.sh")"
  for f in "$out"/*.yaml; do cp "$f" "$c/clusterfile/seed-run-test-$(basename "$f")"; done )
# hosts a cluster could advertise, after a NUL
cf=$c/clusterfile
{ cat "$cf/seed-kafka-cluster.yaml"; printf '\0%s' 'kafka-1;rm -rf /' '$(id)' '-oProxyCommand=x' kafka-2.internal
} > "$cf/seed-hosts-00"
{ cat <<'EOF'
commands:
  kill: ssh {host} "sudo pkill -KILL -f 'server-{id}.properties'"
  stop: sh -c 'kill {port}' x\ y "a\"b" '' {host}{host}{port}{id}
brokers:
  - {id: 2, port: 9093}
  - id: 3
    host: kafka-3.internal
    start: /opt/k/{host}:{port}/{id}
EOF
  printf '\0%s' '`id`' 'a b' 127.0.0.1; } > "$cf/seed-hosts-01"

# --- heal: journals as harness/run/journal.c writes them (its header
# comment), a healed one, a torn last record, and ones heal must refuse
hdr='{"stormlab_heal":1,"pid":4242,"started":"2026-12-04T21:00:00Z","scenario":"scenarios/coordinator-restart-storm.yaml","cluster":"kafka","out":"runs/storm","cwd":"/work/project","partials":[]}'
printf '%s\n' "$hdr" \
  '{"op":"inject","id":1,"what":"broker/2 kill (events[0])","undo":["tests/kafka/cluster.sh","start","2"],"timeout_us":60000000}' \
  '{"op":"inject","id":2,"what":"partition billing/1 (events[1])","undo":null}' > "$c/heal/seed-open-faults"
printf '%s\n' "$hdr" \
  '{"op":"inject","id":1,"what":"broker/1 pause (events[2])","undo":["kill","-CONT","1234"],"timeout_us":5000000}' \
  '{"op":"healed","id":1}' > "$c/heal/seed-healed"
printf '%s\n%s' "$hdr" '{"op":"inject","id":1,"what":"torn' > "$c/heal/seed-torn-last-record"
printf '%s\n' "$hdr" '{"op":"inject","id":1,"what":"quoting\r\u001b[2Khidden","undo":["sh","-c","echo '"'"'a b'"'"'; id",";","$(x)","\u001b[2K"]}' \
  > "$c/heal/seed-words-to-quote"
printf '%s\n' '{"stormlab_heal":2}' > "$c/heal/seed-not-ours"
printf '%s\n' "$hdr" '{"op":"inject","id":0}' '{"op":"erase","id":3}' > "$c/heal/seed-bad-records"
printf '%s\n' "$hdr" '{"op":"inject","id":1,"what":"x","undo":[]}' > "$c/heal/seed-empty-undo"
: > "$c/heal/seed-empty"

# --- proxy_http: docs/proxy.md's API, as request streams
req() { # METHOD PATH [BODY] [EXTRA HEADER]
  local body=${3:-}
  printf '%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%sContent-Length: %d\r\n\r\n%s' \
    "$1" "$2" "${4:+$4$'\r\n'}" "${#body}" "$body"
}
{ req GET /version; req GET /proxies; } > "$c/proxy_http/seed-index"
{ req POST /proxies '{"name":"a","listen":"127.0.0.1:0","upstream":"127.0.0.1:9092"}'
  req GET /proxies/a
  req POST /proxies/a/toxics '{"type":"latency","stream":"downstream","attributes":{"latency":100,"jitter":10}}'
  req POST /proxies/a/toxics '{"name":"cut1","type":"cut","stream":"upstream","client":"127.0.1.2"}'
  req POST /proxies/a/toxics '{"type":"slicer","attributes":{"average_size":64,"size_variation":32,"delay":10}}'
  req POST /proxies/a/toxics '{"type":"loss","toxicity":0.5,"attributes":{"probability":0.1,"rto":200}}'
  req GET /proxies/a/toxics
  req POST /proxies/a/toxics/latency_downstream '{"attributes":{"latency":5}}'
  req PATCH /proxies/a '{"enabled":false}'
  req POST /proxies/a '{"enabled":true}'
  req GET /proxies/a/connections
  req DELETE /proxies/a/toxics/cut1
  req POST /reset
  req DELETE /proxies/a; } > "$c/proxy_http/seed-lifecycle"
{ req POST /populate '[{"name":"p1","upstream":"127.0.0.1:1"},{"name":"p2","upstream":"[::1]:2","listen":":0","enabled":false}]'
  req POST /populate '[{"name":"p1","upstream":"127.0.0.1:3"}]'
  req GET /proxies; } > "$c/proxy_http/seed-populate"
{ req POST /proxies '{"name":"b","upstream":"127.0.0.1:1"}'
  for t in bandwidth slow_close timeout reset_peer limit_data refuse; do
    req POST /proxies/b/toxics "{\"type\":\"$t\",\"attributes\":{\"rate\":1,\"delay\":1,\"timeout\":1,\"bytes\":1}}"
  done
  req GET /proxies/b; } > "$c/proxy_http/seed-every-type"
{ req POST /proxies '{"name":"x"}'
  req POST /proxies '{"name":"x","upstream":"nohost"}'
  req POST /proxies 'not json'
  req POST /proxies '[1]'
  req POST /proxies/nope/toxics '{}'
  req POST /proxies '{"name":"y","upstream":"127.0.0.1:1"}'
  req POST /proxies/y/toxics '{"type":"nope"}'
  req POST /proxies/y/toxics '{"type":"latency","stream":"sideways"}'
  req POST /proxies/y/toxics '{"type":"latency","attributes":{"latency":-1}}'
  req POST /proxies/y/toxics '{"type":"latency","toxicity":2}'
  req POST /proxies/y/toxics '{"type":"slicer","attributes":{"average_size":1,"size_variation":5}}'
  req PUT /proxies/y/toxics '{}'
  req GET /proxies/y/toxics/none
  req GET /proxies/%79
  req GET /proxies/a%00b
  req GET /version '' 'User-Agent: Mozilla/5.0 (X11)'
  req DELETE /nothing/here/at/all/really; } > "$c/proxy_http/seed-errors"

echo "seeds: $(ls "$c/scenario" | grep -c '^seed-') scenario, $(ls "$c/set" | grep -c '^seed-') set," \
     "$(ls "$c/props" | grep -c '^seed-') props, $(ls "$c/clusterfile" | grep -c '^seed-') clusterfile," \
     "$(ls "$c/heal" | grep -c '^seed-') heal," \
     "$(ls "$c/proxy_http" | grep -c '^seed-') proxy_http"
