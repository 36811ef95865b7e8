#!/usr/bin/env python3
"""One trace vocabulary: the kinds docs/outputs.md lists, the table in
sim/trace_kinds.c and every kind the simulator and the real-run engine write
are the same set.  Three independent readings of the source tree:

  given docs/outputs.md's kind table (backticked names in its rows),
  and sim/trace_kinds.c's rows ({"name", root, "meaning"}),
  and every kind literal the writers pass (any kind-shaped literal in an
  sl_trace / sl_rtrace / sl_rtrace_locked call, and the kinds[] arrays),
  then the three sets are equal (the writers' may be a subset of the table:
  a kind in the table no code writes is reported too).

Usage: trace_kinds.py SOURCE_DIR"""
import re
import sys
from pathlib import Path

src = Path(sys.argv[1])
failures = []

# docs/outputs.md: rows of the table under "| kind | emitted when |"
docs = src.joinpath("docs/outputs.md").read_text().splitlines()
start = docs.index("| kind | emitted when |")
doc_kinds = set()
for line in docs[start + 2:]:
    if not line.startswith("|"):
        break
    first_cell = line.split("|")[1]
    doc_kinds.update(re.findall(r"`([a-z_]+\.[a-z_.]+)`", first_cell))

# sim/trace_kinds.c: the table rows
table = src.joinpath("sim/trace_kinds.c").read_text()
rows = re.findall(r'\{"([a-z_]+\.[a-z_.]+)", ([01]), "', table)
table_kinds = {name for name, _ in rows}
if len(rows) != len(table_kinds):
    failures.append("sim/trace_kinds.c lists a kind twice")

# the writers: the first string argument of every trace call, kinds[] arrays, and the
# plan's root records (sim/plan.c: trace_kind = "...", which both engines write)
written = set()
call = re.compile(r'\bsl_r?trace(?:_locked)?\(([^;]*);', re.S)
kind_literal = re.compile(r'"([a-z_]+\.[a-z_.]+)"')
arrays = re.compile(r'kinds\[\]\s*=\s*\{([^}]*)\}')
planned = re.compile(r'trace_kind\s*=\s*"([a-z_]+\.[a-z_.]+)"')
files = sorted(src.glob("sim/*.c")) + sorted(src.glob("harness/run/*.c"))
for f in files:
    text = f.read_text()
    for args in call.findall(text):  # the kind may be a choice: lost ? "member.lost" : "member.revoked"
        written.update(kind_literal.findall(args))
    written.update(planned.findall(text))
    for body in arrays.findall(text):
        written.update(k for k in re.findall(r'"([^"]*)"', body) if "." in k)

def show(s):
    return ", ".join(sorted(s)) or "none"

if doc_kinds != table_kinds:
    failures.append(f"docs/outputs.md and sim/trace_kinds.c differ: only in the docs: {show(doc_kinds - table_kinds)}; "
                    f"only in the table: {show(table_kinds - doc_kinds)}")
if not written <= table_kinds:
    failures.append(f"kinds written by the code but not in the vocabulary: {show(written - table_kinds)}")
unused = table_kinds - written
if unused:
    failures.append(f"kinds in the vocabulary that no code writes: {show(unused)}")
if len(written) < 40:
    failures.append(f"found only {len(written)} kinds written: the source scan is broken")

for f in failures:
    print("FAIL:", f)
print(f"trace vocabulary: {len(table_kinds)} kinds in the table, {len(doc_kinds)} in docs/outputs.md, "
      f"{len(written)} written by sim/ and harness/run/")
sys.exit(1 if failures else 0)
