#!/usr/bin/env bash
# Installs from Debian's archive what stormlab needs: by default what it takes
# to build and run it (the README's first command); with --test also the test
# stack (the README's test command and .ci/run), so the two cannot drift apart.
# --print [--test] lists the packages instead.  Runs apt-get through sudo when
# not root.
set -euo pipefail
run_packages=(
  cmake gcc make pkg-config          # build
  libyaml-dev                        # scenario files (sim/)
  libevent-dev libjansson-dev        # fault proxy, its HTTP API (harness/)
  librdkafka-dev                     # real-cluster runs (harness/)
  gnuplot-nox                        # plots
)
test_packages=(
  check                              # unit tests (without it CMake builds no tests)
  python3 chromium                   # report tests: parse plots, load report.html headless;
                                     # check/sweep/lint tests read JUnit XML and JSON back
  python3-jsonschema                 # lint --format sarif validated against SARIF 2.1.0's schema
  fonts-dejavu-core                  # the plots' font; layout_test.py reads its metrics
  curl                               # proxy API tests talk HTTP like a user
  python3-yaml                       # export test: reads Chaos Mesh's CRD schemas (tests/data/chaos-mesh;
                                     # validated with python3-jsonschema above)
  valgrind                           # .ci/run: leak and invalid-access runs of stormlab sim
  python3-simpy                      # tests/bench/bench_simpy.sh: SimPy on the same workload
  clang libclang-rt-14-dev           # fuzzers (-DSL_FUZZ=ON): libFuzzer, ASan, UBSan runtimes;
                                     # .ci/run's clang builds
  openjdk-17-jdk-headless maven      # Apache Kafka test cluster (tests/kafka): broker jars from Maven
                                     # Central, Prepare.java run by the JDK's source launcher;
                                     # also toxiproxy-java 2.1.11 (tests/proxy/clients) and the Java
                                     # member of client: java real runs (harness/java/member.sh)
  nodejs npm                         # the real toxiproxy-node-client 4.1.0 (tests/proxy/clients)
  man-db groff-base bsdextrautils    # man pages rendered and read back (tests/cli/manpages.sh)
  zsh fish                           # shell completions used by each shell (tests/cli/completions.sh)
  dpkg-dev fakeroot lintian          # the .deb: built by CPack, checked by lintian (tests/install)
)
usage() { echo "usage: cmake/install-deps.sh [--test] [--print]" >&2; exit 2; }
with_tests=0 print=0
for a in "$@"; do
  case $a in
    --test) with_tests=1 ;;
    --print) print=1 ;;
    -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) usage ;;
  esac
done
packages=("${run_packages[@]}")
[ $with_tests -eq 0 ] || packages+=("${test_packages[@]}")
if [ $print -eq 1 ]; then printf '%s\n' "${packages[@]}"; exit 0; fi
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
