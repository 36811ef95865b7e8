#!/usr/bin/env bash
# The Java member program's build, once per machine and source version
# (docs/real-runs.md, "Java members").
#
#   member.sh prepare   build it if needed; print the command a member runs
#                       (java, its flags, class path, main class), one word a line
#
# The build (Maven: kafka-clients and slf4j-simple from Maven Central, javac)
# goes to ${STORMLAB_JAVA_CACHE:-~/.cache/stormlab-java}/<version>-<source hash>,
# never into the source tree; concurrent prepares wait for one another (flock).
# Exit 0 with the command, else 1 with what is missing on stderr.
#
# Environment: STORMLAB_KAFKA_VERSION (kafka-clients version, default 4.4.0),
# STORMLAB_JAVA_CACHE, JAVA (the java launcher, default java on the PATH).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
version=${STORMLAB_KAFKA_VERSION:-4.4.0}
cache=${STORMLAB_JAVA_CACHE:-${HOME:?HOME is not set}/.cache/stormlab-java}
die() { echo "member.sh: $*" >&2; exit 1; }

case "${1:-}" in
  prepare) ;;
  *) echo "usage: member.sh prepare" >&2; exit 2 ;;
esac

java=${JAVA:-java}
command -v "$java" >/dev/null || die "java not found: client: java groups need a JDK 17+ (apt-get install openjdk-17-jdk-headless, or cmake/install-deps.sh)"
jv=$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
[ "${jv%%.*}" -ge 17 ] 2>/dev/null || die "java $jv found: client: java groups need a JDK 17+"
hash=$(cat "$here/pom.xml" $(find "$here/src" -name '*.java' | LC_ALL=C sort) | sha256sum | cut -c1-16)
out="$cache/$version-$hash"
# Start-up over peak speed: a member does little work, and several share two
# cores (docs/real-runs.md measures these).  The class-data archive holds the
# classes a member loads up to its first poll, so each JVM maps them instead
# of parsing them again.
command_of() {
  local cds=()
  [ -f "$out/member.jsa" ] && cds=(-XX:SharedArchiveFile="$out/member.jsa")
  printf '%s\n' "$(command -v "$java")" -Xms16m -Xmx96m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto \
    "${cds[@]}" -XX:-UsePerfData -Xss512k -XX:CICompilerCount=1 -Djava.net.preferIPv4Stack=true \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=info -Dorg.slf4j.simpleLogger.showThreadName=false \
    -Dorg.slf4j.simpleLogger.showShortLogName=true \
    -Dorg.slf4j.simpleLogger.log.org.apache.kafka.common.config.AbstractConfig=warn \
    -cp "$out/stormlab-java-member.jar:$out/libs/*" dev.stormlab.member.Member
}
if [ -f "$out/.complete" ]; then command_of; exit 0; fi

command -v mvn >/dev/null || die "mvn not found: client: java groups need Maven to fetch kafka-clients $version once (apt-get install maven, or cmake/install-deps.sh)"
command -v javac >/dev/null || die "javac not found: client: java groups need a JDK, not only a JRE (apt-get install openjdk-17-jdk-headless)"
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if [ ! -f "$out/.complete" ]; then
  echo "member.sh: building the Java member (kafka-clients $version) into $out, once" >&2
  tmp=$(mktemp -d "$cache/.build.XXXXXX")
  if ! mvn -B -q -Dstyle.color=never -f "$here/pom.xml" -Dkafka.version="$version" -Dstormlab.out="$tmp" \
      package dependency:copy-dependencies >"$tmp.log" 2>&1; then
    cat "$tmp.log" >&2
    rm -rf "$tmp" "$tmp.log"
    die "mvn could not build the Java member (see above; Maven Central must be reachable once)"
  fi
  rm -f "$tmp.log"
  [ -f "$tmp/stormlab-java-member.jar" ] && ls "$tmp"/libs/kafka-clients-"$version".jar >/dev/null 2>&1 ||
    { rm -rf "$tmp"; die "the build left no stormlab-java-member.jar or kafka-clients-$version.jar"; }
  rm -rf "$tmp/classes" "$tmp/generated-sources" "$tmp/maven-archiver" "$tmp/maven-status"
  rm -rf "$out"
  mv "$tmp" "$out"
  # The class-data archive: one member built and closed without a cluster
  # (nothing listens on port 1).  Without it members start all the same.
  mapfile -t cmd < <(command_of)
  printf 'config bootstrap.servers=127.0.0.1:1\nconfig group.id=stormlab-cds\nsubscribe stormlab-cds\nclose\n' |
    timeout 60 "${cmd[@]:0:1}" -XX:ArchiveClassesAtExit="$out/member.jsa" "${cmd[@]:1}" >/dev/null 2>&1 ||
    rm -f "$out/member.jsa"
  touch "$out/.complete"
fi
command_of
