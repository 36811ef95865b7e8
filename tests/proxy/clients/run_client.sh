#!/usr/bin/env bash
# Runs a real Toxiproxy client against `stormlab proxy` (tests/proxy/clients,
# docs/proxy.md "Real Toxiproxy clients").
#   run_client.sh node|java STORMLAB_PROXY_BIN WORK_DIR
# node: npm ci from the pinned package-lock.json (toxiproxy-node-client
# 4.1.0), then node check.js.  java: Maven fetches toxiproxy-java 2.1.11 from
# pom.xml, then the JDK's source launcher runs ToxiproxyJavaCheck.java with
# the jars on the classpath.  Exit 77 (skipped) when node/npm or java/mvn
# are absent, unless STORMLAB_REQUIRE_TOXIPROXY_CLIENTS=1 (.ci/run sets it).
set -euo pipefail
kind=$1 bin=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
need() {
  for tool in "$@"; do
    if ! command -v "$tool" >/dev/null; then
      if [ "${STORMLAB_REQUIRE_TOXIPROXY_CLIENTS:-0}" = 1 ]; then
        echo "FAIL: $tool not found and STORMLAB_REQUIRE_TOXIPROXY_CLIENTS=1" >&2
        exit 1
      fi
      echo "SKIP: $tool not found (cmake/install-deps.sh installs it)" >&2
      exit 77
    fi
  done
}
mkdir -p "$work"
case $kind in
  node)
    need node npm
    cp "$here/node/package.json" "$here/node/package-lock.json" "$here/node/check.js" "$work/"
    (cd "$work" && npm ci --no-audit --no-fund --loglevel=error >npm.log 2>&1) ||
      { cat "$work/npm.log" >&2; exit 1; }
    run=(node "$work/check.js")
    ;;
  java)
    need java mvn
    mvn -q -B -f "$here/java/pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$work/lib" >"$work/mvn.log" 2>&1 ||
      { cat "$work/mvn.log" >&2; exit 1; }
    run=(java -cp "$work/lib/*" "$here/java/ToxiproxyJavaCheck.java")
    ;;
  *) echo "usage: $0 node|java STORMLAB_PROXY_BIN WORK_DIR" >&2; exit 2 ;;
esac

log="$work/proxy.log"
"$bin" --control 127.0.0.1:0 --seed 1 >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
api=
for _ in $(seq 100); do
  api=$(sed -n 's|.*control API \(http://[0-9.:]*\).*|\1|p' "$log" | head -1)
  [ -n "$api" ] && break
  sleep 0.05
done
[ -n "$api" ] || { echo "FAIL: stormlab proxy did not start:" >&2; cat "$log" >&2; exit 1; }
"${run[@]}" "$api"
