#!/usr/bin/env python3
"""`stormlab compare`'s page in a real browser.  Given two runs with
different incidents (A: member-cut-long, one partition; B: the flagship,
seven faults and actions), when compare runs with its default output
directory, then the outputs land in runs/compare-A-vs-B (not in either run),
each overlay plot names both runs and marks both runs' events in a strip of
its own with no text overlapping or clipped, and compare.html loads in
headless Chromium without a console message, shows both runs, one table per
group and the cluster with the rows that differ shaded, and both plots
inline; a screenshot shows the two runs' lines and the shaded rows.

usage: compare_page_test.py STORMLAB SOURCE_DIR [KEEP_DIR]
Exits 77 (skipped) when Chromium is absent, unless STORMLAB_REQUIRE_CHROMIUM=1.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import CELL_WORDS_JS, check, chromium, chromium_binary, colour_count, drive, finish  # noqa: E402
import svg_layout  # noqa: E402

STORMLAB, SRC = os.path.abspath(sys.argv[1]), sys.argv[2]
KEEP = sys.argv[3] if len(sys.argv) > 3 else None

DOM_JS = r"""
var q = function (s) { return document.querySelectorAll(s); };
window.result = {
  h1: document.querySelector("h1").textContent,
  runs: q("#runs li").length,
  tables: q("#table table").length,
  differs: q("#table tr.differs").length,
  svgs: q("#plots figure svg").length,
  figures: Array.prototype.map.call(q("#plots figure"), function (f) { return f.id; }),
  svg_width: q("#plots figure svg").length ? q("#plots figure svg")[0].getBoundingClientRect().width : 0
};
"""

binary = chromium_binary()
tmp = KEEP or tempfile.mkdtemp()
os.makedirs(tmp, exist_ok=True)
try:
    runs = {"cut": "member-cut-long", "storm": "coordinator-restart-storm"}
    for d, name in runs.items():
        r = subprocess.run([STORMLAB, "sim", os.path.join(SRC, "scenarios", name + ".yaml"), "--out",
                            os.path.join(tmp, d), "--no-plots", "-q"], capture_output=True, text=True)
        check(f"sim {name} exits 0", r.returncode == 0, r.stderr)
    shutil.rmtree(os.path.join(tmp, "runs"), ignore_errors=True)
    # when compare runs in tmp with the default output directory
    r = subprocess.run([STORMLAB, "compare", "cut", "storm"], cwd=tmp, capture_output=True, text=True)
    check("compare exits 0", r.returncode == 0, r.stderr)
    out = os.path.join(tmp, "runs", "compare-cut-vs-storm")
    check("the outputs go to runs/compare-cut-vs-storm", os.path.isdir(out), r.stdout[-300:])
    check("nothing is written into either run", not os.path.exists(os.path.join(tmp, "storm", "compare")) and
          not os.path.exists(os.path.join(tmp, "cut", "compare")))
    cj = json.load(open(os.path.join(out, "compare.json")))

    # then each plot names both runs and marks both runs' events, its texts apart and on the canvas
    font = svg_layout.Font()
    for plot in ("members", "lag"):
        svg = os.path.join(out, f"billing-{plot}.svg")
        texts = [t for t, _ in svg_layout.text_boxes(svg, font)[0]]
        check(f"{plot}: the subtitle names run A", "A (solid): member-cut-long, cut (sim)" in texts, str(texts[:4]))
        check(f"{plot}: the subtitle names run B", "B (dashed): coordinator-restart-storm, storm (sim)" in texts,
              str(texts[:4]))
        check(f"{plot}: a strip per run", "A injected" in texts and "B injected" in texts)
        check(f"{plot}: A's partition is labelled", "partition billing/1 ↔ broker/1-3" in texts)
        for label in ("partition billing/1,2 ↔ broker/1-3", "restart (hard) broker/1",
                      "config change billing (rolling restart)", "pause billing/3", "stall billing/4",
                      "scale billing 6→8"):
            check(f"{plot}: B's '{label}' is labelled", label in texts)
        faults = svg_layout.layout_faults(svg, font)
        check(f"{plot}: no text overlaps another or leaves the canvas", not faults, "\n  ".join(faults[:5]))

    # and compare.html loads cleanly and shows what it should
    page = os.path.join(out, "compare.html")
    rc, dom, console = chromium(binary, "file://" + page, "--dump-dom")
    check("compare.html loads without a console message or JS error", rc == 0 and not console and "</html>" in dom,
          "\n".join(console[:5]))
    res, console = drive(binary, page, DOM_JS, "--window-size=1280,900")
    if check("the DOM driver ran", res is not None, "\n".join(console[:5])):
        check("the title names both scenarios", res["h1"] == "member-cut-long (A) vs coordinator-restart-storm (B)",
              res["h1"])
        check("both runs are listed", res["runs"] == 2, str(res["runs"]))
        check("one table for billing and one for the cluster", res["tables"] == 2, str(res["tables"]))
        check("the rows that differ are shaded, as many as compare.json counts",
              res["differs"] == cj["differences"], f"{res['differs']} vs {cj['differences']}")
        check("both overlay plots are inline", res["figures"] == ["plot-billing-members", "plot-billing-lag"],
              str(res["figures"]))
        check("the plots take the page's width", res["svg_width"] > 900, str(res["svg_width"]))
    res, _ = drive(binary, page, CELL_WORDS_JS, "--window-size=1280,900")
    if check("the table's cells were measured", res is not None and res["words"] > 40, str(res)[:100]):
        check("no table cell breaks a word across lines", not res["broken"], str(res["broken"][:5]))
    shot = os.path.join(tmp, "compare.png")
    chromium(binary, "file://" + page, "--hide-scrollbars", "--window-size=1280,2600", f"--screenshot={shot}")
    if check("chromium saved a screenshot of compare.html", os.path.exists(shot)):
        blue, sky = colour_count(shot, (0x00, 0x72, 0xB2)), colour_count(shot, (0x56, 0xB4, 0xE9))
        shaded = colour_count(shot, (0xFF, 0xF4, 0xE0))
        check("the screenshot shows run A's members line (blue)", blue > 500, str(blue))
        check("the screenshot shows run B's members line (sky)", sky > 300, str(sky))
        check("the screenshot shows the shaded rows", shaded > 2000, str(shaded))
finally:
    if not KEEP:
        shutil.rmtree(tmp)

finish()
