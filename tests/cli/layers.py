#!/usr/bin/env python3
"""The folders are the dependency graph (docs/architecture.md):

  given every C file under harness/ and include/,
  then none includes a sim/ private header (sim/*-internal.h: tests aside),
  and no part below the commands (report, gate, lint, advise, common, run,
  cluster, proxy, export) includes a header of harness/cli/.

Usage: layers.py SOURCE_DIR"""
import re
import sys
from pathlib import Path

src = Path(sys.argv[1])
sim_private = {p.name for p in src.glob("sim/*-internal.h")}
below_cli = ["report", "gate", "lint", "advise", "common", "run", "cluster", "proxy", "export"]
include = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
failures = []
checked = 0
for f in sorted(list(src.glob("harness/**/*.[ch]")) + list(src.glob("include/**/*.h"))):
    rel = f.relative_to(src)
    own_dir = f.parent
    for inc in include.findall(f.read_text(errors="replace")):
        checked += 1
        name = Path(inc).name
        # a private header of sim/, unless the including folder has its own file of that name
        if name in sim_private and not (own_dir / inc).exists():
            failures.append(f"{rel}: includes sim's private header {inc}")
        if rel.parts[0] == "harness" and rel.parts[1] in below_cli and inc.startswith("cli/"):
            failures.append(f"{rel}: harness/{rel.parts[1]}/ includes {inc}, a header of the commands above it")
for msg in failures:
    print("FAIL:", msg)
print(f"layers: {checked} includes checked, {len(failures)} crossing a boundary")
if checked < 150:
    print("FAIL: too few includes found: the scan is broken")
    sys.exit(1)
sys.exit(1 if failures else 0)
