#!/usr/bin/env python3
"""report.html as a reader meets it: self-contained (inline script only, nothing
fetched), and in headless Chromium it loads without a console message and
shows every section: scenario, summaries, plots, rebalances with their cause
chains, faults.

usage: report_test.py STORMLAB SOURCE_DIR
Exits 77 (skipped) when Chromium is not installed, unless
STORMLAB_REQUIRE_CHROMIUM=1 (set by .ci/run, which installs it).
"""
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from html.parser import HTMLParser

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, chromium, chromium_binary, finish  # noqa: E402

STORMLAB, SRC = sys.argv[1], sys.argv[2]
SECTIONS = {"scenario": None, "summary": "Summary per group", "owners": "Summary per owner", "lesson": "The lesson, step by step", "timeline": "Timeline",
            "plots": "Plots",
            "rebalances": "Rebalances and their causes", "faults": "Injected faults and operator actions",
            "impact": "What each event cost"}




class Page(HTMLParser):
    """What a reader gets: sections by id, text per section, tags, links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.ids, self.tags, self.links = [], {}, [], []
        self.section, self.text = None, {}
        self.svgs_in = {}
        self.articles = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if tag in ("section", "header") and a.get("id"):
            self.section = a["id"]
            self.ids[a["id"]] = tag
        if tag == "svg" and self.section:
            self.svgs_in[self.section] = self.svgs_in.get(self.section, 0) + 1
        if tag == "article" and "rebalance" in a.get("class", ""):
            self.articles.append(a.get("id"))
        for k, v in attrs:
            if k in ("href", "src", "xlink:href", "action", "srcset", "data") and v is not None:
                self.links.append((tag, k, v))
            if k == "style" and v and "url(" in v:
                self.links.append((tag, k, v))

    def handle_data(self, data):
        if self.section:
            self.text[self.section] = self.text.get(self.section, "") + data


def parse(html):
    p = Page()
    p.feed(html)
    return p


binary = chromium_binary()

tmp = tempfile.mkdtemp()
try:
    # The detector works: a page that logs an error is caught.
    probe = os.path.join(tmp, "probe.html")
    open(probe, "w").write("<!DOCTYPE html><title>p</title><script>console.error('probe-error')</script>")
    rc, _, console = chromium(binary, "file://" + probe, "--dump-dom")
    check("the console detector sees a page's console.error", any("probe-error" in l for l in console), str(console))

    # Given the flagship run with plots, when report.html is opened in Chromium,
    # then it loads without console messages and shows every section.
    out = os.path.join(tmp, "flagship")
    r = subprocess.run([STORMLAB, "sim", os.path.join(SRC, "scenarios", "coordinator-restart-storm.yaml"),
                        "--out", out, "-q"], capture_output=True, text=True)
    check("sim exits 0", r.returncode == 0, r.stderr)
    html = open(os.path.join(out, "report.html"), encoding="utf-8").read()
    src = parse(html)
    for tag in ("link", "img", "iframe", "object", "embed"):
        check(f"report.html has no <{tag}> (self-contained, nothing to fetch)", tag not in src.tags)
    check("report.html's scripts are inline (the timeline's; nothing to fetch)",
          not re.search(r"<script[^>]*\bsrc=", html))
    external = [l for l in src.links if re.match(r"^\s*([a-z][a-z0-9+.-]*:|//)", l[2], re.I)]
    check("report.html links only to itself and to its run's files", not external, str(external[:3]))
    for tag, attr, v in src.links:
        if not v.startswith("#"):
            check(f"linked file {v} exists in the run directory", os.path.exists(os.path.join(out, v)))

    rc, dom, console = chromium(binary, "file://" + os.path.join(out, "report.html"), "--dump-dom")
    check("chromium loads report.html", rc == 0 and "</html>" in dom, f"rc {rc}")
    check("report.html logs nothing to the console", not console, "\n".join(console[:5]))
    page = parse(dom)
    summary = json.load(open(os.path.join(out, "summary.json")))
    for sid, heading in SECTIONS.items():
        check(f"section #{sid} is shown", sid in page.ids)
        if heading:
            check(f"section #{sid} has its heading", heading in page.text.get(sid, ""))
    check("the scenario's name is the title", "coordinator-restart-storm" in page.text.get("scenario", ""))
    check("the scenario's description is shown", "A 40 s network partition of billing/1 and billing/2" in
          page.text.get("scenario", ""))
    check("the group summary shows the group and its owner", "billing" in page.text.get("summary", "") and
          "billing-team" in page.text.get("summary", ""))
    check("the owner summary shows the owner", "billing-team" in page.text.get("owners", ""))
    check("the four plots are inline SVG", page.svgs_in.get("plots", 0) == 4, str(page.svgs_in))
    n = summary["groups"]["billing"]["rebalances"]
    check(f"every one of the {n} rebalances has its article", len(page.articles) == n, str(len(page.articles)))
    check("each rebalance names its root", page.text.get("rebalances", "").count("Root:") == n)
    check("each rebalance shows its first signal", page.text.get("rebalances", "").count("First signal") == n)
    check("rebalance 1's chain ends at the partition",
          "partition billing/1,2 ↔ broker/1-3" in page.text.get("rebalances", ""))
    lesson = page.text.get("lesson", "")
    check("the lesson names the partition as the root", "Root. partition billing/1,2 ↔ broker/1-3 at 00:01:00.000"
          in lesson, lesson[:200])
    check("the lesson gives the first signal", "First signal." in lesson and "after the root" in lesson)
    listed = [k for k in range(1, n + 1) if f"billing rebalance {k}," in lesson]
    check("the lesson walks through every rebalance", len(listed) == n, f"{len(listed)} of {n}")
    check("the lesson prices the hard broker restart (an operator action)", "restart (hard) broker/1: " in lesson,
          lesson[-600:])
    check("the faults table lists the broker restart", "restart (hard) broker/1" in page.text.get("faults", ""))

    # A screenshot is a real picture of the page.
    shot = os.path.join(tmp, "shot.png")
    rc, _, console = chromium(binary, "file://" + os.path.join(out, "report.html"), "--hide-scrollbars",
                              "--window-size=1280,3000", f"--screenshot={shot}")
    ok = os.path.exists(shot) and open(shot, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    check("chromium screenshots the report", ok and not console, "\n".join(console[:5]))
    if ok:
        w, h = struct.unpack(">II", open(shot, "rb").read()[16:24])
        check("the screenshot is 1280x3000", (w, h) == (1280, 3000), f"{w}x{h}")

    # Given a run without plots, the report says how to get them and still loads cleanly.
    bare = os.path.join(tmp, "bare")
    r = subprocess.run([STORMLAB, "sim", os.path.join(SRC, "scenarios", "member-cut-long.yaml"), "--out", bare,
                        "--no-plots", "-q"], capture_output=True, text=True)
    rc, dom, console = chromium(binary, "file://" + os.path.join(bare, "report.html"), "--dump-dom")
    page = parse(dom)
    check("a report without plots loads without console messages", rc == 0 and not console, str(console[:3]))
    check("a report without plots says how to render them", "stormlab plot" in page.text.get("plots", ""))
    check("a report without plots still shows both rebalances", len(page.articles) == 2, str(page.articles))
    check("both rebalances of member-cut-long name the partition as root",
          page.text.get("rebalances", "").count("Root: partition billing/1 ↔ broker/1-3") == 2)
finally:
    shutil.rmtree(tmp)

finish()
