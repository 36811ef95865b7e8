#!/usr/bin/env python3
"""Plots as a reader meets them: `stormlab sim` and `stormlab plot` draw real
PNG and SVG images of the expected size, with every injected fault labelled,
the expected series, and only colour-blind-safe colours; a missing gnuplot
costs the plots and nothing else.

usage: plots_test.py STORMLAB SOURCE_DIR
"""
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, finish  # noqa: E402

STORMLAB, SRC = sys.argv[1], sys.argv[2]
FLAGSHIP = os.path.join(SRC, "scenarios", "coordinator-restart-storm.yaml")
PLOTS = ["members", "swimlane", "partitions", "lag"]
WIDTH, HEIGHT = 1280, 720
SVG = "{http://www.w3.org/2000/svg}"

# The flagship's injected events, as its scenario file describes them.
FLAGSHIP_LABELS = [
    "partition billing/1,2 ↔ broker/1-3",
    "restart (hard) broker/1",
    "config change billing (rolling restart)",
    "degrade billing/1-6 → broker/1 +300ms",
    "pause billing/3",
    "stall billing/4",
    "scale billing 6→8",
]
# Okabe & Ito's eight colours; greys (r == g == b) are allowed too.
PALETTE = {(0, 0, 0), (230, 159, 0), (86, 180, 233), (0, 158, 115),
           (240, 228, 66), (0, 114, 178), (213, 94, 0), (204, 121, 167)}




def run(*args, env=None):
    return subprocess.run([STORMLAB, *args], capture_output=True, text=True, env=env)


def png_size_and_pixels(path):
    """(width, height, number of distinct raw scanline bytes) from the PNG itself."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    idat, pos = b"", 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    return width, height, len(set(zlib.decompress(idat)))


def svg_texts(root):
    return ["".join(t.itertext()).strip() for t in root.iter(SVG + "text")]


def svg_colours(text):
    cols = set()
    for m in re.finditer(r"rgb\(\s*(\d+),\s*(\d+),\s*(\d+)\)", text):
        cols.add(tuple(int(x) for x in m.groups()))
    for m in re.finditer(r"#([0-9a-fA-F]{6})\b", text):
        h = m.group(1)
        cols.add((int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)))
    return cols


tmp = tempfile.mkdtemp()
try:
    # Given the flagship scenario, when it is simulated with gnuplot on PATH,
    # then every plot exists as PNG and SVG, 1280x720, and says what it shows.
    out = os.path.join(tmp, "flagship")
    r = run("sim", FLAGSHIP, "--out", out)
    check("sim exits 0", r.returncode == 0, r.stderr)
    check("sim lists plots/ and report.html among its outputs", "plots/ report.html" in r.stdout, r.stdout)
    roots = [json.loads(l) for l in open(os.path.join(out, "trace.jsonl"))]
    roots = [e for e in roots if e["cause"] is None and
             (e["kind"] in ("link.cut", "link.degrade", "group.scale") or e["kind"].startswith("action."))]
    check("the flagship trace has one root per label the test expects", len(roots) == len(FLAGSHIP_LABELS),
          f"{len(roots)} roots")
    for name in PLOTS:
        png = os.path.join(out, "plots", f"billing-{name}.png")
        info = png_size_and_pixels(png) if os.path.exists(png) else None
        check(f"{name}.png is a PNG", info is not None)
        if info:
            check(f"{name}.png is {WIDTH}x{HEIGHT}", info[:2] == (WIDTH, HEIGHT), str(info[:2]))
            check(f"{name}.png is not blank", info[2] > 50, f"{info[2]} distinct bytes")
        path = os.path.join(out, "plots", f"billing-{name}.svg")
        try:
            text = open(path, encoding="utf-8").read()
            root = ET.fromstring(text)
        except (OSError, ET.ParseError) as e:
            check(f"{name}.svg parses as XML", False, str(e))
            continue
        check(f"{name}.svg viewBox is 0 0 {WIDTH} {HEIGHT}", root.get("viewBox") == f"0 0 {WIDTH} {HEIGHT}",
              root.get("viewBox"))
        texts = svg_texts(root)
        for label in FLAGSHIP_LABELS:
            check(f"{name}.svg labels the injected event '{label}'", label in texts)
        check(f"{name}.svg title names scenario and group",
              any("coordinator-restart-storm" in t and "billing" in t for t in texts))
        check(f"{name}.svg has a time axis with its unit", "time since the run started (min)" in texts)
        bad = {c for c in svg_colours(text) if c not in PALETTE and not (c[0] == c[1] == c[2])}
        check(f"{name}.svg uses only the colour-blind-safe palette and greys", not bad, str(bad))
        expect = {
            "members": ["members", "generation", "not settled (rebalancing)", "members in the group (count)",
                        "coordinator moving (no member count)", "a rebalance (summary.json counts it)"],
            "swimlane": [f"billing/{i}" for i in range(1, 9)] + ["rejoining", "consuming", "stalled (poll blocked)",
                                                                 "paused (frozen)", "cut off from coordinator, unaware",
                                                                 "expelled, unaware", "fetch blocked (no broker reachable)",
                                                                 "syncing", "revoking", "crashed", "stopped"],
            "partitions": ["owned by a member", "unowned (nobody consumes)", "partitions (count)"],
            "lag": ["lag (records)", "consumed (records/s)"],
        }[name]
        for t in expect:
            check(f"{name}.svg shows '{t}'", t in texts)
        # a series is drawn, not just announced: the longest path has hundreds of points
        longest = max([len(re.findall(r"[ML]", p.get("d", ""))) for p in root.iter(SVG + "path")] +
                      [len(p.get("points", "").split()) for p in root.iter(SVG + "polygon")])
        if name != "swimlane":
            check(f"{name}.svg draws its series (a path of 100+ points)", longest >= 100, str(longest))

    # The shaded rebalancing periods in the extract match summary.json's rebalance_s.
    summary = json.load(open(os.path.join(out, "summary.json")))
    rows = [l.split("\t") for l in open(os.path.join(out, "plots", "data", "billing.unsettled.tsv"))
            if not l.startswith("#")]
    after_first = sum(float(b) - float(a) for a, b, forming in rows if forming.strip() == "0")
    want = summary["groups"]["billing"]["rebalance_s"]
    want_rb = summary["groups"]["billing"]["rebalances"]
    check("the shaded periods after the group first settled add up to summary rebalance_s",
          abs(after_first - want) < 0.01, f"{after_first} vs {want}")

    # Every rebalance summary.json counts has its mark, and the flagship's two coordinator moves are drawn as moves
    # (from the trace's coordinator.unload to coordinator.load.done), not as zero members.
    marks = [l for l in open(os.path.join(out, "plots", "data", "billing.rebalances.tsv")) if not l.startswith("#")]
    check("one rebalance mark per rebalance summary.json counts", len(marks) == want_rb, f"{len(marks)} vs {want_rb}")
    trace = [json.loads(l) for l in open(os.path.join(out, "trace.jsonl"))]
    unloads = [e["t_us"] / 1e6 for e in trace if e["kind"] == "coordinator.unload" and e["group"] == "billing"]
    moves = [l.split("\t") for l in open(os.path.join(out, "plots", "data", "billing.coordinator.tsv"))
             if not l.startswith("#")]
    check("each coordinator unload starts a coordinator move", [float(m[0]) for m in moves] == unloads,
          f"{moves} vs {unloads}")
    series = [l.rstrip("\n").split("\t") for l in open(os.path.join(out, "plots", "data", "billing.series.tsv"))
              if not l.startswith("#")]
    zero_drawn = [r[0] for r in series if r[1] == "0" and r[7] == "1" and float(r[0]) > 10]
    check("after forming, the members line is never drawn at 0 (it breaks while the coordinator moves)",
          not zero_drawn, str(zero_drawn[:5]))

    # Given a rendered run, when `stormlab plot` draws it again, then the files are byte-identical.
    before = {f: open(os.path.join(out, "plots", f), "rb").read() for f in os.listdir(os.path.join(out, "plots"))
              if f.endswith(".svg")}
    r = run("plot", out)
    check("stormlab plot exits 0", r.returncode == 0, r.stderr)
    after = {f: open(os.path.join(out, "plots", f), "rb").read() for f in before}
    check("stormlab plot redraws byte-identical SVGs", before == after)
    check("no partial plots directory is left", not os.path.exists(os.path.join(out, ".plots.partial")))

    # Given no gnuplot on PATH, when sim runs, then it writes every data file and
    # report.html, no plots, says in one line how to install gnuplot, and exits 0.
    nognu = dict(os.environ, PATH="/nonexistent")
    bare = os.path.join(tmp, "bare")
    r = run("sim", os.path.join(SRC, "scenarios", "member-cut-long.yaml"), "--out", bare, env=nognu)
    check("sim without gnuplot exits 0", r.returncode == 0, r.stderr)
    lines = r.stderr.strip().splitlines()
    check("sim without gnuplot prints one line saying how to install it",
          len(lines) == 1 and "apt-get install gnuplot" in lines[0], r.stderr)
    for f in ["trace.jsonl", "series.tsv", "summary.json", "log.txt", "scenario.resolved.yaml", "report.html"]:
        check(f"sim without gnuplot still writes {f}", os.path.getsize(os.path.join(bare, f)) > 0)
    check("sim without gnuplot writes no plots/", not os.path.exists(os.path.join(bare, "plots")))

    # ... and `stormlab plot` exits 3 with the same advice, touching nothing.
    r = run("plot", bare, env=nognu)
    check("plot without gnuplot exits 3", r.returncode == 3, str(r.returncode))
    check("plot without gnuplot says how to install it", "apt-get install gnuplot" in r.stderr, r.stderr)
    check("plot without gnuplot leaves no plots/", not os.path.exists(os.path.join(bare, "plots")))

    # Given plots from an earlier run in the directory, when sim runs again with
    # --no-plots, then the stale plots are gone.
    r = run("plot", bare)
    check("plot renders a run made without gnuplot", r.returncode == 0 and
          os.path.exists(os.path.join(bare, "plots", "billing-members.svg")), r.stderr)
    r = run("sim", os.path.join(SRC, "scenarios", "steady-state.yaml"), "--out", bare, "--no-plots", "-q")
    check("--no-plots removes an earlier run's plots", r.returncode == 0 and
          not os.path.exists(os.path.join(bare, "plots")), r.stderr)

    # Bad usage: exit 2 with a message.
    r = run("plot", os.path.join(tmp, "missing"))
    check("plot on a missing directory exits 2 naming it", r.returncode == 2 and "missing" in r.stderr, r.stderr)
    r = run("plot")
    check("plot without DIR exits 2", r.returncode == 2 and "missing DIR" in r.stderr, r.stderr)
    r = run("plot", "--bogus", out)
    check("plot with an unknown option exits 2", r.returncode == 2, r.stderr)
    r = run("plot", "--help")
    check("plot --help exits 0 and shows usage", r.returncode == 0 and "usage: stormlab plot DIR" in r.stdout)
finally:
    shutil.rmtree(tmp)

finish()
