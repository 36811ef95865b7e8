#!/usr/bin/env python3
"""A run of more groups than stormlab draws (docs/plots.md, "Many groups").

Given 14 groups of which two are cut off for longer than their session, the
plots drawn are those of the 12 stormiest groups as summary.json ranks them
(most rebalances, then most unowned partition-seconds, then file order;
ranked here by the test), report.html shows exactly those and says how many
of the 14 it shows and how to draw the rest; `stormlab plot DIR --all-groups`
then draws all 14.  Skips (77) without gnuplot.

usage: many_groups_test.py STORMLAB SOURCE_DIR"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, finish  # noqa: E402

STORMLAB = sys.argv[1]
if not shutil.which("gnuplot"):
    print("SKIP: gnuplot is not installed")
    sys.exit(77)

tmp = tempfile.mkdtemp()
groups = [f"g{i:02d}" for i in range(1, 15)]
yaml = ["name: many-groups", "seed: 3", "duration: 4m", "topics:"]
yaml += [f"  - {{name: t{g}, partitions: 4, replication: 3, produce_rate: 20/s}}" for g in groups]
yaml += ["groups:"] + [f"  - {{id: {g}, topics: [t{g}], members: 2}}" for g in groups]
# two groups lose a member for longer than the 45 s session: rebalances there only
yaml += ["events:", "  - {at: 30s, partition: {from: [g03/1], to: [broker/*]}, for: 60s}",
         "  - {at: 40s, partition: {from: [g11/2], to: [broker/*]}, for: 60s}"]
scenario = os.path.join(tmp, "many-groups.yaml")
open(scenario, "w").write("\n".join(yaml) + "\n")
out = os.path.join(tmp, "run")
r = subprocess.run([STORMLAB, "sim", scenario, "--out", out, "-q"], capture_output=True, text=True)
check("the 14-group scenario simulates and draws", r.returncode == 0, r.stderr)

summary = json.load(open(os.path.join(out, "summary.json")))["groups"]
ranked = sorted(range(len(groups)), key=lambda i: (-summary[groups[i]]["rebalances"],
                                                   -summary[groups[i]]["unowned_partition_s"], i))
want = sorted(groups[i] for i in ranked[:12])
drawn = lambda: sorted(os.path.basename(p)[:-len("-members.svg")]  # noqa: E731
                       for p in glob.glob(os.path.join(out, "plots", "*-members.svg")))
check("the two groups that were cut off are among the stormiest",
      summary["g03"]["rebalances"] > 0 and summary["g11"]["rebalances"] > 0, summary)
check("plots for the 12 stormiest groups as summary.json ranks them", drawn() == want, f"{drawn()} vs {want}")
page = open(os.path.join(out, "report.html")).read()
shown = sorted(set(re.findall(r'<figure id="plot-(g\d\d)-members"', page)))
check("report.html shows the plots of exactly those groups", shown == want, shown)
check("report.html says it shows 12 of the 14 and how to draw the rest",
      "Plots for 12 of the 14 groups" in page and "--all-groups" in page)
r = subprocess.run([STORMLAB, "plot", out, "--all-groups"], capture_output=True, text=True)
check("stormlab plot --all-groups succeeds", r.returncode == 0, r.stderr)
check("--all-groups draws all 14", drawn() == groups, drawn())
page = open(os.path.join(out, "report.html")).read()
check("and the page then shows all 14 without the note",
      len(set(re.findall(r'<figure id="plot-(g\d\d)-members"', page))) == 14 and "Plots for 12" not in page)
shutil.rmtree(tmp, ignore_errors=True)
finish()
