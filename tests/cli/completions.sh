#!/usr/bin/env bash
# The shell completions the build writes (cmake/completions.sh), used as a
# shell uses them.  bash: sourced, `complete -p stormlab` registered, and
# scripted completions (COMP_WORDS/COMP_CWORD, then the function) checked
# against what --help and the scenario say.  fish: `complete -C`.  zsh: the
# file parses and defines _stormlab.  A shell that is not installed skips
# its part; .ci/run installs all three.
#   completions.sh STORMLAB COMPLETIONS_DIR SRC
set -u
stormlab=$1 dir=$2 src=$3
ran=0
. "$(dirname "${BASH_SOURCE[0]}")/testlib.sh"
bindir=$(cd "$(dirname "$stormlab")" && pwd)
export PATH="$bindir:$PATH" # the completions call `stormlab help --set-paths`
cd "$src" || exit 2
flagship=scenarios/coordinator-restart-storm.yaml
group=$(sed -n 's/^ *- *id: *\([A-Za-z0-9_-]*\).*/\1/p' "$flagship" | head -1)

if command -v bash >/dev/null; then
  ran=1
  out=$(bash --norc -c '
    source "$1/stormlab.bash" || exit 1
    complete -p stormlab
    t() { COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMPREPLY=(); _stormlab; echo "${COMPREPLY[*]}"; }
    t stormlab s
    t stormlab sim --
    t stormlab sim "$2" --set "groups.$3.sess"
    t stormlab check --cluster ""
    t stormlab sim scenarios/coordinator-r
    t stormlab help ex
    t stormlab sweep "$2" --vary cluster.bro
  ' _ "$dir" "$flagship" "$group" 2>&1)
  mapfile -t l <<<"$out"
  check "bash: complete -p stormlab names the function (got '${l[0]}')" '[ "${l[0]}" = "complete -F _stormlab stormlab" ]'
  # the commands --help lists that start with s
  want=$("$stormlab" --help | awk '/^commands:/ {on = 1; next} on && /^ *$/ {exit} on && $1 ~ /^s/ {printf "%s ", $1}')
  check "bash: stormlab s<TAB> -> the s commands of --help ('$want' vs '${l[1]}')" '[ "${l[1]}" = "${want% }" ]'
  # every long option of sim --help, and nothing else
  want=$("$stormlab" sim --help | grep -oE -- '^  (-[a-z], )?--[a-z-]+' | grep -oE -- '--[a-z-]+' | sort | tr '\n' ' ')
  got=$(tr ' ' '\n' <<<"${l[2]}" | sort | tr '\n' ' ')
  check "bash: stormlab sim --<TAB> -> the long options of sim --help ('$want' vs '$got')" '[ "$got" = "$want" ]'
  check "bash: --set groups.$group.sess<TAB> -> groups.$group.session_timeout= (got '${l[3]}')" \
    '[ "${l[3]}" = "groups.$group.session_timeout=" ]'
  check "bash: check --cluster <TAB> -> mock kafka (got '${l[4]}')" '[ "${l[4]}" = "mock kafka" ]'
  check "bash: a scenario operand completes to the file (got '${l[5]}')" '[ "${l[5]}" = "$flagship" ]'
  check "bash: help ex<TAB> -> explain export (got '${l[6]}')" '[ "${l[6]}" = "explain export" ]'
  check "bash: --vary cluster.bro<TAB> -> the cluster's broker keys (got '${l[7]}')" \
    '[[ " ${l[7]} " == *" cluster.brokers= "* ]] && [[ "${l[7]}" != *groups.* ]]'
fi

if command -v fish >/dev/null; then
  ran=1
  out=$(fish --no-config -c "source $dir/stormlab.fish; complete -C 'stormlab sim --'" 2>&1 | cut -f1 | sort | tr '\n' ' ')
  want=$("$stormlab" sim --help | grep -oE -- '^  (-[a-z], )?--[a-z-]+' | grep -oE -- '--[a-z-]+' | sort | tr '\n' ' ')
  check "fish: stormlab sim --<TAB> -> the long options of sim --help ('$want' vs '$out')" '[ "$out" = "$want" ]'
  out=$(fish --no-config -c "source $dir/stormlab.fish; complete -C 'stormlab sim $flagship --set groups.$group.sess'" 2>&1 | cut -f1)
  check "fish: --set groups.$group.sess<TAB> -> groups.$group.session_timeout= (got '$out')" \
    '[ "$out" = "groups.$group.session_timeout=" ]'
fi

if command -v zsh >/dev/null; then
  ran=1
  check "zsh: _stormlab parses" 'zsh -n "$dir/_stormlab"'
  out=$(zsh -f -c "fpath=($dir \$fpath); autoload -Uz compinit && compinit -u -d /dev/null && autoload -Uz _stormlab && \
        print \${_comps[stormlab]}" 2>&1)
  check "zsh: compinit binds stormlab to _stormlab (got '$out')" '[ "$out" = "_stormlab" ]'
fi

[ $ran -eq 1 ] || { echo "SKIP: no bash, fish or zsh"; exit 77; }
echo "completions: $pass passed, $fail failed"
[ $fail -eq 0 ]
