#!/bin/sh
# deb.sh BUILD_DIR SOURCE_DIR (docs/install.md, "Debian packages")
# Given the Debian packages CPack builds (cmake/package.cmake), when they are
# unpacked into a scratch root (not /), then the stormlab there prints the
# project's version, runs the flagship from its own scenario library and
# writes summary.json and report.html, `man stormlab` shows its page from
# the scratch root, the declared Depends name the Debian package of every
# library the binaries name (DT_NEEDED, found with ldd and dpkg -S, not from
# the control file), and lintian reports no error and no warning.
# A build configured for another prefix is packaged from a sibling build
# configured with CMAKE_INSTALL_PREFIX=/usr (Debian's library directory).
# Exit 77 (skipped) without dpkg-deb, dpkg-shlibdeps, fakeroot or lintian.
set -eu
build=$(cd "$1" && pwd); src=$(cd "$2" && pwd)
for t in dpkg-deb dpkg-shlibdeps lintian man; do
  command -v "$t" >/dev/null || { echo "SKIP: $t not installed (cmake/install-deps.sh --test)"; exit 77; }
done
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
want=$(sed -n 's/^project(stormlab VERSION \([0-9][0-9.]*\).*/\1/p' "$src/CMakeLists.txt")

if grep -q '^SL_SANITIZE:BOOL=ON' "$build/CMakeCache.txt"; then
  echo "SKIP: a sanitizer build is not packaged (the normal build's test packages it)"; exit 77
fi
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
if [ "$prefix" != /usr ]; then
  pb="$build/deb-build"
  cmake -S "$src" -B "$pb" -DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_BUILD_TYPE=Release >"$tmp/configure.txt" 2>&1 ||
    fail "configuring $pb: $(tail -5 "$tmp/configure.txt")"
  cmake --build "$pb" -j"$(nproc 2>/dev/null || echo 2)" --target stormlab manpages >"$tmp/build.txt" 2>&1 ||
    cmake --build "$pb" -j2 >"$tmp/build.txt" 2>&1 || fail "building $pb: $(tail -20 "$tmp/build.txt")"
  cmake --build "$pb" -j2 >"$tmp/build.txt" 2>&1 || fail "building $pb: $(tail -20 "$tmp/build.txt")"
  build=$pb
fi
(cd "$build" && cpack -G DEB -B "$tmp/pkg" >"$tmp/cpack.txt" 2>&1) || fail "cpack: $(tail -20 "$tmp/cpack.txt")"
debs=$(ls "$tmp"/pkg/*.deb)
for p in stormlab libstormlab0 libstormlab-dev; do
  [ -f "$tmp/pkg/${p}_${want}_$(dpkg --print-architecture).deb" ] || fail "expected the package $p $want, got: $debs"
done

# when every package is unpacked into a scratch root
root="$tmp/root"
for d in $debs; do dpkg-deb -x "$d" "$root"; done
[ -x "$root/usr/bin/stormlab" ] || fail "expected usr/bin/stormlab in the stormlab package"

# then it runs from there, on its own files (no STORMLAB_* variable, elsewhere)
cd "$tmp"
out=$(env -u STORMLAB_PLOTS_DIR -u STORMLAB_SCENARIOS_DIR "$root/usr/bin/stormlab" --version)
[ "$out" = "stormlab $want" ] || fail "expected 'stormlab $want', got '$out'"
flagship="$root/usr/share/stormlab/scenarios/coordinator-restart-storm.yaml"
env -u STORMLAB_PLOTS_DIR -u STORMLAB_SCENARIOS_DIR "$root/usr/bin/stormlab" sim "$flagship" --out "$tmp/run" \
  >"$tmp/sim.txt" 2>&1 || fail "expected the packaged stormlab to run the flagship: $(cat "$tmp/sim.txt")"
[ -s "$tmp/run/summary.json" ] && [ -s "$tmp/run/report.html" ] || fail "expected summary.json and report.html"
if command -v gnuplot >/dev/null; then
  [ -s "$tmp/run/plots/billing-members.svg" ] || fail "expected plots drawn with the packaged gnuplot scripts"
fi

# and man finds its page in the scratch root
page=$(MANPATH="$root/usr/share/man" man -w stormlab 2>&1)
case $page in "$root"/usr/share/man/man1/stormlab.1.gz) ;; *) fail "expected man -w stormlab in the root, got $page" ;; esac
MANPATH="$root/usr/share/man" MANWIDTH=80 man stormlab-sim 2>/dev/null | grep -q "run a scenario on the deterministic simulator" ||
  fail "expected man stormlab-sim to show its NAME line"
[ -f "$root/usr/share/bash-completion/completions/stormlab" ] || fail "expected the bash completion installed"

checked=0
# and the Depends of each package name the package of each library its ELF files load
for pkg in stormlab libstormlab0; do
  deps=$(dpkg-deb -f "$tmp/pkg/${pkg}_${want}_$(dpkg --print-architecture).deb" Depends)
  for f in $(dpkg-deb -c "$tmp/pkg/${pkg}_${want}_"*.deb | awk '{print $6}' | grep -E '(bin/|\.so\.[0-9.]+$)'); do
    [ -f "$root/$f" ] && [ ! -L "$root/$f" ] || continue
    # the libraries it names itself (DT_NEEDED), where the loader finds them
    needed=$(objdump -p "$root/$f" | awk '$1 == "NEEDED" {print $2}')
    for lib in $(ldd "$root/$f" 2>/dev/null | awk -v n=" $(echo $needed) " '$3 ~ /^\// && index(n, " " $1 " ") {print $3}'); do
      owner=$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null | head -1 | cut -d: -f1) || owner=""
      [ -n "$owner" ] || owner=$(dpkg -S "$lib" 2>/dev/null | head -1 | cut -d: -f1) || owner=""
      [ -n "$owner" ] || continue # a library of the build itself (libstormlab from the scratch root)
      case ", $deps," in *", $owner "*|*", $owner,"*) ;; *) fail "$pkg: $f loads $lib of $owner, not in Depends: $deps" ;; esac
      checked=$((checked + 1))
    done
  done
done

[ $checked -ge 5 ] || fail "expected the libraries of stormlab and libstormlab.so checked, checked $checked"

# and lintian finds nothing (its overrides each say why: cmake/deb/)
lintian --fail-on error,warning $debs >"$tmp/lintian.txt" 2>&1 || fail "lintian: $(cat "$tmp/lintian.txt")"
echo "deb: $(for d in $debs; do printf '%s %s KiB; ' "$(basename "$d")" $(( $(stat -c %s "$d") / 1024 )); done)lintian clean"
