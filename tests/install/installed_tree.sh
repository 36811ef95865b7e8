#!/bin/sh
# installed_tree.sh BUILD_DIR SOURCE_DIR (docs/install.md)
# Given a build, when it is installed with DESTDIR and the tree is moved
# elsewhere, then the tree holds stormlab(1), a page for every command the
# moved `stormlab --help` lists and the three shells' completions, the moved
# stormlab simulates the flagship with its plots drawn from the moved gnuplot
# scripts, a C program built with `pkg-config --cflags --libs stormlab`
# against the moved tree (shared and static) writes the same summary.json as the CLI, and the shared library
# exports only functions its installed headers declare.
set -eu
build=$(cd "$1" && pwd); src=$(cd "$2" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

DESTDIR="$tmp/dest" cmake --install "$build" --prefix /opt/stormlab >/dev/null
mv "$tmp/dest/opt/stormlab" "$tmp/moved"
root="$tmp/moved"
libdir=$(dirname "$(find "$root" -name stormlab.pc)")/..
flagship="$root/share/stormlab/scenarios/coordinator-restart-storm.yaml"
[ -f "$flagship" ] || fail "expected the scenario library under share/stormlab, not found"

# when the moved binary runs the flagship from elsewhere, with no STORMLAB_* variable
cd "$tmp"
env -u STORMLAB_PLOTS_DIR -u STORMLAB_SCENARIOS_DIR "$root/bin/stormlab" sim "$flagship" --out "$tmp/cli" >"$tmp/cli.txt" 2>&1 ||
    fail "expected the moved stormlab to run the flagship, got: $(cat "$tmp/cli.txt")"
if command -v gnuplot >/dev/null; then
    [ -f "$tmp/cli/plots/billing-members.svg" ] || fail "expected plots drawn from the moved scripts, got none"
fi

# then man pages for stormlab and every command its --help lists, and the completions
cmds=$("$root/bin/stormlab" --help | awk '/^commands:/ {on = 1; next} on && /^ *$/ {exit} on {print $1}' |
       tr -d , | grep -v -x -e help -e version)
[ -n "$cmds" ] || fail "expected the moved stormlab --help to list commands"
pages=0
for page in stormlab $(printf 'stormlab-%s ' $cmds); do
    [ -s "$root/share/man/man1/$page.1.gz" ] || fail "expected share/man/man1/$page.1.gz installed, not found"
    pages=$((pages + 1))
done
for f in share/bash-completion/completions/stormlab share/zsh/vendor-completions/_stormlab \
         share/fish/vendor_completions.d/stormlab.fish; do
    [ -s "$root/$f" ] || fail "expected the completion $f installed, not found"
done

# when a program is built with pkg-config against the moved tree
export PKG_CONFIG_PATH="$libdir/pkgconfig"
# (an ASan+UBSan build's library needs its program built the same way: SL_TEST_CFLAGS)
cc ${SL_TEST_CFLAGS:-} "$src/tests/install/run_scenario.c" $(pkg-config --cflags --libs stormlab) -Wl,-rpath,"$libdir" -o "$tmp/shared"
"$tmp/shared" "$flagship" "$tmp/lib" || fail "expected the shared-library program to run the flagship"
cmp -s "$tmp/cli/summary.json" "$tmp/lib/summary.json" || fail "expected the library's summary.json to equal the CLI's"
static="not checked: the sanitizers do not link statically"
if [ -z "${SL_TEST_CFLAGS:-}" ]; then
    cc -static "$src/tests/install/run_scenario.c" $(pkg-config --static --cflags --libs stormlab) -o "$tmp/static" \
        2>"$tmp/static.txt" || fail "expected a static link with pkg-config --static, got: $(tail -5 "$tmp/static.txt")"
    "$tmp/static" "$flagship" "$tmp/static-run" && cmp -s "$tmp/cli/summary.json" "$tmp/static-run/summary.json" ||
        fail "expected the static program's summary.json to equal the CLI's"
    static="agrees"
fi

# then every exported symbol is declared in an installed header
so=$(ls "$libdir"/libstormlab.so.*.*.*)
objdump -p "$so" | grep -q "SONAME *libstormlab.so.[0-9]" || fail "expected a versioned SONAME"
nm -D --defined-only "$so" | awk '{print $3}' | sort -u >"$tmp/exported"
cat "$root"/include/stormlab/*.h | grep -o '\bsl_[a-z0-9_]*[ ]*(' | tr -d ' (' | sort -u >"$tmp/declared"
extra=$(comm -23 "$tmp/exported" "$tmp/declared")
[ -z "$extra" ] || fail "expected only functions the headers declare, the library also exports: $extra"
[ -s "$tmp/exported" ] || fail "expected exported functions, got none"
echo "ok: moved tree runs the flagship, has $pages man pages and 3 completions; pkg-config program: shared agrees, static $static; $(wc -l <"$tmp/exported") exported symbols, all declared"
