#!/usr/bin/env bash
# `stormlab --version` names the version CMake's project() declares: read here
# from CMakeLists.txt itself, not from anything the build generated.
set -u
stormlab=$1 src=$2
. "$(dirname "${BASH_SOURCE[0]}")/testlib.sh"

# given the version in the top-level project() call
want=$(sed -n 's/^project(stormlab VERSION \([0-9][0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
check "CMakeLists.txt declares a version" '[ -n "$want" ]'
# when asked with --version, with the version command, and after help
for form in --version version; do
  out=$("$stormlab" $form 2>&1); rc=$?
  # then one line, exit 0
  check "stormlab $form prints 'stormlab $want' (got '$out', exit $rc)" '[ $rc -eq 0 ] && [ "$out" = "stormlab $want" ]'
done
help=$("$stormlab" --help 2>&1 </dev/null); rc=$?
check "stormlab --help lists --version" '[ $rc -eq 0 ] && grep -q -- "--version" <<<"$help"'

echo "version: $pass passed, $fail failed"
[ $fail -eq 0 ]
