#!/usr/bin/env bash
# Huge pages for the commands that simulate (harness/common/hugepages.c,
# docs/model.md "Speed"): where the kernel gives them only to advised
# memory, `stormlab plot` (like sim, check, explain...) re-executes itself
# once with GLIBC_TUNABLES=glibc.malloc.hugetlb=1; what it starts (gnuplot
# here; Java members and brokers elsewhere) must get the user's environment
# back, not that setting.  A fake gnuplot first in PATH records its own
# environment and its parent's as the parent was executed
# (/proc/PPID/environ), the independent witness of the re-execution.
# A third argument "sanitized" says the build's malloc is a sanitizer's:
# then there must be no re-execution (glibc's tunable would not apply).
set -u
stormlab=$1 src=$2 build=${3:-plain}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/testlib.sh"

mkdir "$dir/bin"
cat >"$dir/bin/gnuplot" <<FAKE
#!/bin/sh
env >"$dir/child.env"
tr '\0' '\n' </proc/\$PPID/environ >"$dir/parent.env"
exit 0
FAKE
chmod +x "$dir/bin/gnuplot"
"$stormlab" sim "$src/scenarios/member-cut-short.yaml" --out "$dir/run" --no-plots -q
madvise=0
grep -q '\[madvise\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null && madvise=1
if [ "$build" = sanitized ]; then madvise=0; fi

# NAME then the GLIBC_TUNABLES the user has ("-" for none)
plot_with() {
  rm -f "$dir/child.env" "$dir/parent.env"
  if [ "$1" = - ]; then
    (unset GLIBC_TUNABLES; PATH="$dir/bin:$PATH" "$stormlab" plot "$dir/run" >/dev/null 2>"$dir/err")
  else
    (export GLIBC_TUNABLES=$1; PATH="$dir/bin:$PATH" "$stormlab" plot "$dir/run" >/dev/null 2>"$dir/err")
  fi
}

# Given no GLIBC_TUNABLES, then gnuplot sees none (nor the marker), and
# stormlab itself ran with huge pages asked for where the kernel wants that
plot_with -; rc=$?
check "plot exits 0 with the fake gnuplot (rc $rc)" '[ $rc -eq 0 ] && [ -s "$dir/child.env" ]'
check "gnuplot's environment has no GLIBC_TUNABLES and no marker" \
  '! grep -q "^GLIBC_TUNABLES=" "$dir/child.env" && ! grep -q "^STORMLAB_GLIBC_TUNABLES_WAS=" "$dir/child.env"'
if [ "$build" = sanitized ]; then
  check "a sanitizer build does not re-execute" '! grep -q "hugetlb" "$dir/parent.env"'
fi
if [ $madvise -eq 1 ]; then
  check "THP [madvise]: stormlab ran with glibc.malloc.hugetlb=1" \
    'grep -qx "GLIBC_TUNABLES=glibc.malloc.hugetlb=1" "$dir/parent.env"'
fi
# Given the user's own tunables, then gnuplot gets exactly them
plot_with glibc.malloc.perturb=0
check "gnuplot gets the user's GLIBC_TUNABLES unchanged" 'grep -qx "GLIBC_TUNABLES=glibc.malloc.perturb=0" "$dir/child.env"'
if [ $madvise -eq 1 ]; then
  # (glibc cuts the variable at each ':' in place as it parses it, so the
  # two settings show as two strings)
  check "THP [madvise]: the user's tunables were kept beside hugetlb=1" \
    'grep -qx "GLIBC_TUNABLES=glibc.malloc.perturb=0" "$dir/parent.env" && grep -q "glibc.malloc.hugetlb=1" "$dir/parent.env"'
fi
# Given hugetlb=0 (the documented way to turn it off), then no re-execution
plot_with glibc.malloc.hugetlb=0
check "hugetlb=0: no re-execution, the user's setting throughout" \
  'grep -qx "GLIBC_TUNABLES=glibc.malloc.hugetlb=0" "$dir/parent.env" && grep -qx "GLIBC_TUNABLES=glibc.malloc.hugetlb=0" "$dir/child.env" && ! grep -q STORMLAB_GLIBC "$dir/parent.env"'
# Given stormlab started through the dynamic loader (/proc/self/exe is then
# ld.so itself, which a re-execution would hand "plot" as the program), then
# it runs without re-executing
ldso=$(ls /lib64/ld-linux-*.so.* /lib/ld-linux-*.so.* 2>/dev/null | head -1)
if [ -n "$ldso" ]; then
  rm -f "$dir/child.env"
  (unset GLIBC_TUNABLES; PATH="$dir/bin:$PATH" "$ldso" "$stormlab" plot "$dir/run" >/dev/null 2>"$dir/err"); rc=$?
  check "started as '$ldso stormlab plot': exits 0 and draws (rc $rc)" '[ $rc -eq 0 ] && [ -s "$dir/child.env" ]'
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
