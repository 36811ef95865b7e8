#!/bin/sh
# Writes the man pages, stormlab(1) and stormlab-COMMAND(1) for every command
# `stormlab --help` lists, from the binary's own --help texts (help2roff.awk),
# so a page cannot say what --help does not.  Run by the build
# (cmake/manpages.cmake):  manpages.sh STORMLAB OUTDIR VERSION CMAKE_DIR
set -eu
bin=$1 out=$2 version=$3 dir=$4
mkdir -p "$out"
rm -f "$out"/*.1 "$out"/*.1.gz
# "  sim SCENARIO      run a scenario ..." -> "sim<TAB>run a scenario ..."
commands=$("$bin" --help | awk '/^commands:/ {on = 1; next} on && /^ *$/ {exit}
  on && /^  [a-z]/ { l = substr($0, 3); c = l; sub(/[ ,].*/, "", c)
                     if (c == "help" || c == "version") next
                     sub(/^[^ ]*( [^ ]+)*   */, "", l); printf "%s\t%s\n", c, l }')
names=$(printf '%s\n' "$commands" | cut -f1 | sed 's/^/stormlab-/' | tr '\n' ' ')
"$bin" --help | awk -v name=stormlab -v whatis="a chaos lab for Kafka consumer-group rebalance storms" \
  -v version="$version" -v extra="$dir/stormlab-env.roff" -v see_also="${names% }" \
  -f "$dir/help2roff.awk" > "$out/stormlab.1.tmp"
mv "$out/stormlab.1.tmp" "$out/stormlab.1"
printf '%s\n' "$commands" | while IFS="$(printf '\t')" read -r cmd whatis; do
  "$bin" "$cmd" --help | awk -v name="stormlab-$cmd" -v whatis="$whatis" -v version="$version" \
    -v see_also=stormlab -f "$dir/help2roff.awk" > "$out/stormlab-$cmd.1.tmp"
  mv "$out/stormlab-$cmd.1.tmp" "$out/stormlab-$cmd.1"
done
# compressed for installing (gzip -n: the same bytes for the same page)
for f in "$out"/*.1; do gzip -9n < "$f" > "$f.gz"; done
