#!/usr/bin/env bash
# Installs everything stormlab needs to build, test and plot, from Debian's
# archive.  Used by the README's first command and by .ci/run, so the two
# cannot drift apart.  Runs apt-get through sudo when not root.
set -euo pipefail
packages=(
  cmake gcc make pkg-config          # build
  libyaml-dev                        # scenario files (sim/)
  check                              # unit tests
  libevent-dev libjansson-dev        # fault proxy, its HTTP API (harness/)
  librdkafka-dev                     # real-cluster runs (harness/)
  gnuplot-nox                        # plots
  python3 chromium                   # report tests: parse plots, load report.html headless;
                                     # check/sweep/lint tests read JUnit XML and JSON back
  python3-jsonschema                 # lint --format sarif validated against SARIF 2.1.0's schema
  fonts-dejavu-core                  # the plots' font; layout_test.py reads its metrics
  curl                               # proxy API tests talk HTTP like a user
  valgrind                           # .ci/run: leak and invalid-access runs of stormlab sim
  python3-simpy                      # tests/bench/bench_simpy.sh: SimPy on the same workload
  clang libclang-rt-14-dev           # fuzzers (-DSL_FUZZ=ON): libFuzzer, ASan, UBSan runtimes
  openjdk-17-jdk-headless maven      # Apache Kafka test cluster (tests/kafka): broker jars from Maven
                                     # Central, Prepare.java run by the JDK's source launcher;
                                     # also toxiproxy-java 2.1.11 (tests/proxy/clients) and the Java
                                     # member of client: java real runs (harness/java/member.sh)
  nodejs npm                         # the real toxiproxy-node-client 4.1.0 (tests/proxy/clients)
)
if [ "${1:-}" = "--print" ]; then printf '%s\n' "${packages[@]}"; exit 0; fi
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" && continue
  # A command of the package's name already on the PATH counts: npm comes
  # with NodeSource's nodejs, and Debian's npm package conflicts with it.
  command -v "$p" >/dev/null 2>&1 && continue
  missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
