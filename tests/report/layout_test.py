#!/usr/bin/env python3
"""Layout that survives real names: for every library scenario and for the
stress scenario (tests/data/report/stress-long-names.yaml: 64-character
names, 200 groups, twelve events one second apart), no text of any plot the
run writes (plots/*.svg), nor of a sweep's heatmap, overlaps another or runs
off the canvas, measured
with DejaVu Sans's own metrics (svg_layout.py states how); every injected
event keeps its label in the fault strip (stacked in rows); report.html's
table cells never break a word across lines (Chromium lays the page out);
and explain's by-root table keeps its columns apart.

Drawing 200 groups is 1,600 gnuplot runs, so the stress scenario's plots are
drawn for the groups its events touch (same names, same events, the other
groups left out); the 200-group run itself is checked without plots.

usage: layout_test.py STORMLAB SOURCE_DIR [KEEP_DIR]
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import CELL_WORDS_JS, check, chromium_binary, drive, finish  # noqa: E402
import svg_layout  # noqa: E402

STORMLAB, SRC = sys.argv[1], sys.argv[2]
KEEP = sys.argv[3] if len(sys.argv) > 3 else None
STRESS = os.path.join(SRC, "tests", "data", "report", "stress-long-names.yaml")


def sim(scenario, out, *extra):
    return subprocess.run([STORMLAB, "sim", scenario, "--out", out, "-q", *extra], capture_output=True, text=True)


def check_svgs(name, out, font):
    svgs = sorted(glob.glob(os.path.join(out, "plots", "*.svg")))
    check(f"{name}: plots were drawn", len(svgs) >= 4, str(len(svgs)))
    texts = 0
    for path in svgs:
        faults = svg_layout.layout_faults(path, font)
        texts += len(svg_layout.text_boxes(path, font)[0])
        check(f"{name}: {os.path.basename(path)}: no text overlaps another or leaves the canvas", not faults,
              "\n  " + "\n  ".join(faults[:6]))
    return texts


def trimmed(path, dst):
    """The stress scenario with only the groups its events name (and their topics kept whole)."""
    text = open(path).read()
    head, rest = text.split("\ngroups:\n", 1)
    groups, events = rest.split("\nevents:\n", 1)
    entries = re.split(r"\n(?=  - \{id: )", groups)
    named = set(re.findall(r"([a-z0-9-]{64})/", events)) | set(re.findall(r"group: ([a-z0-9-]{64})", events))
    keep = [e for e in entries if re.search(r"id: ([a-z0-9-]+)", e).group(1) in named]
    open(dst, "w").write(head + "\ngroups:\n" + "\n".join(keep) + "\nevents:\n" + events)
    return len(keep)


font = svg_layout.Font()
tmp = KEEP or tempfile.mkdtemp()
os.makedirs(tmp, exist_ok=True)
try:
    # The detector itself: given hand-made SVGs, it finds an overlap and a clipped text, and passes a clean one.
    probe = os.path.join(tmp, "probe.svg")
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 100">'
           '<g transform="translate(10,30)" font-size="12" text-anchor="start"><text>restart (hard) broker/1</text></g>'
           '<g transform="translate(60,34)" font-size="12" text-anchor="start"><text>pause billing/3</text></g>'
           '<g transform="translate(395,80)" font-size="12" text-anchor="start"><text>scale</text></g>'
           '<g transform="translate(12,60) rotate(270)" font-size="12" text-anchor="middle"><text>lag</text></g>'
           '</svg>')
    open(probe, "w").write(svg)
    found = svg_layout.layout_faults(probe, font)
    check("the detector finds two labels drawn over each other",
          any(f.startswith("overlap: 'restart (hard) broker/1'") for f in found), str(found))
    check("the detector finds a label running off the right edge", any(f.startswith("clipped: 'scale'") for f in found),
          str(found))
    check("the detector keeps a rotated label that fits", not any("'lag'" in f for f in found), str(found))
    # The widths agree with a browser's: Chromium lays out the same strings in DejaVu Sans (its kerning may only
    # make them narrower), an oracle independent of the font parsing here.
    samples = ["restart (hard) broker/1", "partition billing/1,2 ↔ broker/1-3", "time since the run started (min)",
               "order-fulfilment-service-eu-west-1-priority-lane-consumers-q0001", "scale billing 6→8", "WWW iii 0.5k"]
    page = os.path.join(tmp, "widths.html")
    with open(page, "w", encoding="utf-8") as f:
        f.write("<!DOCTYPE html><meta charset='utf-8'><svg xmlns='http://www.w3.org/2000/svg' width='2000' "
                "height='100'>" + "".join(f"<text x='0' y='50' font-family='DejaVu Sans' font-size='12'>{t}</text>"
                                          for t in samples) + "</svg></body>")
    res, _ = drive(chromium_binary(), page, "window.result = Array.prototype.map.call("
                   "document.querySelectorAll('text'), function (t) { return t.getComputedTextLength(); });")
    for text, browser in zip(samples, res or []):
        ours = svg_layout.Font().width_em(text) * 12
        check(f"'{text}' at 12 px: our width {ours:.1f} px is Chromium's {browser:.1f} px (within 2 %, never narrower)",
              ours >= browser - 0.5 and ours <= browser * 1.02 + 0.5, f"{ours:.1f} vs {browser:.1f}")
    check("Chromium measured every sample", res is not None and len(res) == len(samples), str(res))

    # Given every library scenario, when it is simulated with plots, then no text of any plot overlaps or is clipped.
    texts = 0
    for path in sorted(glob.glob(os.path.join(SRC, "scenarios", "*.yaml"))):
        name = os.path.basename(path)[:-5]
        out = os.path.join(tmp, name)
        r = sim(path, out)
        if check(f"{name}: sim exits 0", r.returncode == 0, r.stderr[-500:]):
            texts += check_svgs(name, out, font)

    # Given a two-key sweep, when its heatmap is drawn, then its texts are apart and on the canvas too.
    sweep = os.path.join(tmp, "sweep")
    r = subprocess.run([STORMLAB, "sweep", os.path.join(SRC, "scenarios", "member-cut-short.yaml"), "--vary",
                        "groups.billing.session_timeout=6s,20s,45s", "--vary", "groups.billing.heartbeat_interval=1s,3s",
                        "--out", sweep], capture_output=True, text=True)
    heatmaps = sorted(glob.glob(os.path.join(sweep, "plots", "*.svg")))
    check("sweep: exits 0 and draws its heatmap", r.returncode == 0 and heatmaps, r.stderr[-300:])
    for path in heatmaps:
        faults = svg_layout.layout_faults(path, font)
        texts += len(svg_layout.text_boxes(path, font)[0])
        check(f"sweep: {os.path.basename(path)}: no text overlaps another or leaves the canvas", not faults,
              "\n  " + "\n  ".join(faults[:6]))

    # Given the stress scenario's groups that its events touch, with 64-character names and twelve events one
    # second apart, when it is drawn, then nothing overlaps, nothing is clipped, and every event keeps its label.
    small = os.path.join(tmp, "stress-drawn.yaml")
    kept = trimmed(STRESS, small)
    check("the drawn stress scenario keeps the three groups its events name", kept == 3, str(kept))
    out = os.path.join(tmp, "stress-drawn")
    r = sim(small, out)
    if check("stress (drawn): sim exits 0", r.returncode == 0, r.stderr[-500:]):
        texts += check_svgs("stress", out, font)
        rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(out, "plots", "data", "faults.tsv"))
                if not l.startswith("#")]
        check("stress: twelve injected events in the fault strip", len(rows) == 12, str(len(rows)))
        unlabelled = [r[3] for r in rows if not r[4]]
        check("stress: every injected event keeps its label (rows stacked, none dropped)", not unlabelled,
              str(unlabelled))
        one = sorted(glob.glob(os.path.join(out, "plots", "*-members.svg")))[0]
        shown = [t for t, _ in svg_layout.text_boxes(one, font)[0]]
        missing = [r[4] for r in rows if r[4] not in shown]
        check("stress: every label is drawn in the members plot", not missing, str(missing))
    print(f"texts measured: {texts}")

    # Given the 200-group stress run (no plots), when report.html is laid out in Chromium at 1280 px,
    # then no table cell breaks a word across lines.
    full = os.path.join(tmp, "stress-200")
    r = sim(STRESS, full, "--no-plots")
    if check("stress (200 groups): sim exits 0", r.returncode == 0, r.stderr[-500:]):
        binary = chromium_binary()
        for name, page in (("stress (200 groups)", os.path.join(full, "report.html")),
                           ("flagship", os.path.join(tmp, "coordinator-restart-storm", "report.html"))):
            res, console = drive(binary, page, CELL_WORDS_JS, "--window-size=1280,900")
            if check(f"{name}: the report's cells were measured", res is not None and res["words"] > 50,
                     str(res)[:200] + "\n".join(console[:3])):
                check(f"{name}: no table cell breaks a word across lines", not res["broken"], str(res["broken"][:8]))
            check(f"{name}: report.html logs nothing to the console", not console, "\n".join(console[:3]))

        # ... and explain's by-root table starts each column at one place on every row, two spaces after the widest
        r = subprocess.run([STORMLAB, "explain", full], capture_output=True, text=True)
        check("stress: explain exits 0", r.returncode == 0, r.stderr[-500:])
        table = r.stdout.split("\nby root", 1)[-1].splitlines()[1:]
        rows = [l for l in table if re.match(r"  \d\d:\d\d:\d\d\.\d{3}  ", l)]
        check("stress: the by-root table lists all twelve events", len(rows) == 12, str(len(rows)))
        kinds = ["link.cut", "action.restart", "action.pause", "action.stall", "link.degrade", "action.set",
                 "group.scale"]
        starts = set()
        for l in rows:
            m = re.match(r"  (\S+)  (\S+)( +)(.*?)( {2,})(\S.*)$", l)
            ok = m and m.group(2) in kinds and len(m.group(5)) >= 2
            check(f"stress: by-root row keeps its columns apart: {l[:90]}", bool(ok), l)
            if m:
                starts.add(len(m.group(1)) + 4 + len(m.group(2)) + len(m.group(3)))
        check("stress: the label column starts at one place on every row", len(starts) == 1, str(starts))
finally:
    if not KEEP:
        shutil.rmtree(tmp)

finish()
