#!/usr/bin/env bash
# The man pages the build writes (cmake/manpages.cmake) against the binary:
# every command `stormlab --help` lists has a page, every option a command's
# --help names is in its page, and each page renders with man(1) and groff
# without a warning.  Oracle: the --help texts read here, not the generator.
#   manpages.sh STORMLAB MANDIR
set -u
stormlab=$1 mandir=$2
command -v man >/dev/null && command -v groff >/dev/null || { echo "SKIP: man or groff not installed"; exit 77; }
. "$(dirname "${BASH_SOURCE[0]}")/testlib.sh"

# given the commands --help lists (not help and version: no pages of their own)
cmds=$("$stormlab" --help | awk '/^commands:/ {on = 1; next} on && /^ *$/ {exit} on {print $1}' |
       tr -d , | grep -v -x -e help -e version)
check "stormlab --help lists commands" '[ $(wc -w <<<"$cmds") -ge 8 ]'
pages=(stormlab)
for c in $cmds; do pages+=("stormlab-$c"); done
for p in "${pages[@]}"; do
  f=$mandir/$p.1
  check "$p.1 exists" '[ -s "$f" ]' || continue
  # when it is rendered: no groff warning (-ww), and man -l shows its NAME line
  warn=$(groff -man -ww -z "$f" 2>&1)
  check "$p.1 renders without groff warnings: $warn" '[ -z "$warn" ]'
  text=$(MANWIDTH=200 MAN_KEEP_FORMATTING= man -l "$f" 2>/dev/null | col -b)
  check "man -l $p.1 shows its NAME line" 'grep -q "^ *$p - " <<<"$text"'
  check "$p.1 has SYNOPSIS, DESCRIPTION, EXIT STATUS" \
    'grep -q "^SYNOPSIS" <<<"$text" && grep -q "^DESCRIPTION" <<<"$text" && grep -q "^EXIT STATUS" <<<"$text"'
  # then every option of the command's --help is in its page
  if [ "$p" = stormlab ]; then help=$("$stormlab" --help); else help=$("$stormlab" "${p#stormlab-}" --help); fi
  missing=""
  for o in $(grep -oE -- '(^|[ ,[])--?[a-z][a-z-]*' <<<"$help" | sed 's/^[ ,[]//' | sort -u); do
    grep -q -- "$o" <<<"$text" || missing="$missing $o"
  done
  check "$p.1 names every option of its --help (missing:$missing)" '[ -z "$missing" ]'
  # and the exit codes as --help states them
  ex=$(grep -i -m1 -o 'exit codes: 0 [a-z]*' <<<"$help" | sed 's/^[Ee]xit codes: //')
  check "$p.1 states the exit codes of its --help ('$ex')" '[ -z "$ex" ] || grep -q -- "$ex" <<<"$text"'
done
# stormlab(1) sees every command page
for c in $cmds; do check "stormlab.1 refers to stormlab-$c(1)" 'grep -qF "\fBstormlab-$c\fR(1)" "$mandir/stormlab.1"'; done
echo "manpages: $pass passed, $fail failed"
[ $fail -eq 0 ]
