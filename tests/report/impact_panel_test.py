#!/usr/bin/env python3
"""report.html's impact panel in headless Chromium, against summary.json.

Given the flagship simulated with --impact, the page as the browser lays it
out has, for every cost some event changed (summary.json's impact deltas,
summed over the groups here, by the test), one chart with one bar per
scenario event: a bar whose delta is a cost drawn above the zero line with
the hatched fill, a saving below it in solid blue, no change no bar; each
event's bar an action's (dashed, "action") exactly when summary.json says
kind: action; and each event summary.json calls worse is drawn worse in the
chart of the metric that decided it (explain and the page agree).  A run
without --impact says how to get the panel.  No console message either way.

usage: impact_panel_test.py STORMLAB SOURCE_DIR"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, chromium_binary, drive, finish  # noqa: E402

STORMLAB, SRC = sys.argv[1], sys.argv[2]
SECONDS = {"stable_from_s", "unowned_partition_s", "unavailable_partition_s", "rebalance_s"}

COLLECT = r"""
var zero = function (svg) { var l = svg.querySelector("line.zero"); return l.getBBox().y; };
var charts = [];
document.querySelectorAll("#impact figure.impact-chart").forEach(function (fig) {
  var svg = fig.querySelector("svg"), z = zero(svg), bars = [];
  svg.querySelectorAll("g.bar").forEach(function (g) {
    var r = g.querySelector("rect"), box = r ? r.getBBox() : null;
    bars.push({event: +g.getAttribute("data-event"), cls: g.getAttribute("class"),
               top: box ? box.y : null, bottom: box ? box.y + box.height : null, height: box ? box.height : 0,
               fill: r ? getComputedStyle(r).fill : null, dash: r ? getComputedStyle(r).strokeDasharray : null,
               labels: Array.from(g.querySelectorAll("text")).map(function (t) { return t.textContent; })});
  });
  charts.push({metric: fig.getAttribute("data-metric"), zero: z, bars: bars});
});
window.result = {charts: charts, note: (document.querySelector("#impact p.note") || {}).textContent || "",
                 rows: document.querySelectorAll("#impact table.impact-events tbody tr").length};
"""


def delta(entry, metric):
    d = entry["delta"]
    if metric in d["cluster"]:
        return d["cluster"][metric]
    return sum(g.get(metric, 0) for g in d["groups"].values())


binary = chromium_binary()
tmp = tempfile.mkdtemp()
flagship = os.path.join(SRC, "scenarios", "coordinator-restart-storm.yaml")
out = os.path.join(tmp, "impact")
r = subprocess.run([STORMLAB, "sim", flagship, "--impact", "--out", out, "--no-plots", "-q"], capture_output=True,
                   text=True)
check("the flagship simulates with --impact", r.returncode == 0, r.stderr)
impact = json.load(open(os.path.join(out, "summary.json")))["impact"]
got, console = drive(binary, os.path.join(out, "report.html"), COLLECT)
check("the page loads without a console message", not console, str(console))
check("the browser laid the panel out", got is not None)
if got:
    charts = {c["metric"]: c for c in got["charts"]}
    metrics = ["lost_records", "produce_errors", "crashed_members", "stable_from_s", "unowned_partition_s",
               "unavailable_partition_s", "rebalances", "rebalance_s", "duplicates", "max_lag"]
    least = lambda m: 0.05 if m in SECONDS else 0.5  # noqa: E731: what the page calls a change
    want = [m for m in metrics if any(abs(delta(e, m)) >= least(m) for e in impact)]
    check("a chart for each cost some event changed", sorted(charts) == sorted(want), f"{sorted(charts)} vs {want}")
    check("the events table has a row per event", got["rows"] == len(impact), got["rows"])
    for m, c in charts.items():
        check(f"{m}: one bar per event, in order", [b["event"] for b in c["bars"]] == [e["event"] for e in impact],
              [b["event"] for b in c["bars"]])
        for e, b in zip(impact, c["bars"]):
            d = delta(e, m)
            where = f"{m}, events[{e['event']}] ({d:+g})"
            if abs(d) < least(m):
                check(f"{where}: no change, no bar", b["height"] == 0 and "none" in b["cls"], b)
            elif d > 0:
                check(f"{where}: worse, above the zero line, hatched",
                      "worse" in b["cls"] and b["height"] > 0 and abs(b["bottom"] - c["zero"]) < 1.5
                      and "worse-hatch" in (b["fill"] or ""), b)
            else:
                check(f"{where}: better, below the zero line, solid blue",
                      "better" in b["cls"] and b["height"] > 0 and abs(b["top"] - c["zero"]) < 1.5
                      and b["fill"] == "rgb(0, 114, 178)", b)
            action = e["kind"] == "action"
            check(f"{where}: an action's bar says so exactly when summary.json's kind is action",
                  ("action" in b["labels"]) == action and ("action" in b["cls"].split()) == action, b)
            if action and abs(d) >= least(m):
                check(f"{where}: an action's bar is dashed", b["dash"] not in (None, "none"), b["dash"])
    # explain's verdict and the page agree: a worse event is worse in its deciding metric's chart
    for e in impact:
        if e["verdict"] == "worse":
            m = e["decided_by"].split(".")[-1]
            bar = [b for b in charts.get(m, {"bars": []})["bars"] if b["event"] == e["event"]]
            check(f"events[{e['event']}] worse by {m}: drawn worse there", bar and "worse" in bar[0]["cls"], bar)
    restarts = [e for e in impact if e["kind"] == "action" and "restart" in e["what"]]
    check("the flagship's operator restart is among the events drawn worse",
          any(e["verdict"] == "worse" for e in restarts), [(e["what"], e["verdict"]) for e in restarts])

# without --impact: the panel says how to get it
plain = os.path.join(tmp, "plain")
subprocess.run([STORMLAB, "sim", flagship, "--out", plain, "--no-plots", "-q"], check=True)
got, console = drive(binary, os.path.join(plain, "report.html"), COLLECT)
check("without --impact: no chart, and the note names stormlab sim --impact",
      got is not None and not got["charts"] and "--impact" in got["note"], got)
check("without --impact: no console message", not console, str(console))
finish()
