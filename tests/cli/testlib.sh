# Shared by the command-line tests: source it first.
# check DESCRIPTION EXPR: counts EXPR (evaluated in this shell, so it can
# read what earlier steps set) as passed or failed, printing the failures.
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else echo "FAIL: $1"; fail=$((fail + 1)); fi; }
