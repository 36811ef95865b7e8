#!/usr/bin/env python3
"""report.html's timeline in a real browser: for the flagship and a
200-group run, headless Chromium loads the page with no console message,
then a driver script (added to a copy of the page) works the timeline
through the DOM as a user would: zoom in, zoom out, pan by keyboard, hover
a rebalance mark (its cause chain and first signal appear), click a fault
(the rebalances it caused are highlighted), click the lanes (log lines).
Screenshots are saved and inspected for the timeline's pixels.  The load
(script start to first draw) is printed, with the command to rerun it.

usage: timeline_test.py STORMLAB SOURCE_DIR [KEEP_DIR]
Exits 77 (skipped) when Chromium is absent, unless STORMLAB_REQUIRE_CHROMIUM=1.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, chromium, chromium_binary, colour_count, finish  # noqa: E402

STORMLAB, SRC = sys.argv[1], sys.argv[2]
KEEP = sys.argv[3] if len(sys.argv) > 3 else None

DRIVER = r"""
<script>
(function () {
  var out = {}, tl = document.getElementById("tl");
  function q(s) { return document.querySelector(s); }
  function range() { return q("#tl-range").textContent; }
  out.ready = tl && tl.dataset.ready === "1";
  out.render_ms = tl ? +tl.dataset.renderMs : -1;
  out.marks = document.querySelectorAll(".tl-rb").length;
  out.faults = document.querySelectorAll(".tl-fault").length;
  out.range0 = range();
  q("#tl-in").click(); q("#tl-in").click();
  out.range_zoomed = range();
  tl.focus();
  tl.dispatchEvent(new KeyboardEvent("keydown", {key: "ArrowRight", bubbles: true}));
  out.range_panned = range();
  tl.dispatchEvent(new KeyboardEvent("keydown", {key: "0", bubbles: true}));
  out.range_all = range();
  var rb = q(".tl-rb");
  if (rb) {
    rb.dispatchEvent(new MouseEvent("mouseenter", {bubbles: false}));
    out.hover = q("#tl-detail").textContent;
    var r = rb.getBoundingClientRect();
    out.mark_width = r.width;
  }
  var marks = document.querySelectorAll(".tl-rb"), narrow = 0;
  for (var i = 0; i < marks.length; i++) if (marks[i].style.display !== "none" &&
      marks[i].getBoundingClientRect().width < 4) narrow++;
  out.narrow_marks = narrow;
  var fb = document.querySelectorAll(".tl-fault"), boxes = [];
  for (var k = 0; k < fb.length; k++) {
    var b = fb[k].getBoundingClientRect();
    boxes.push([b.left, b.top, b.left + fb[k].scrollWidth, b.bottom, fb[k].textContent]);
  }
  out.fault_boxes = boxes;
  var f = q(".tl-fault");
  if (f) { f.click(); out.fault_click = q("#tl-detail").textContent; out.hits = document.querySelectorAll(".tl-rb.hit").length; }
  out.log = q("#tl-log").textContent.slice(0, 400);
  var pre = document.createElement("pre");
  pre.id = "tl-test";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
"""
# For the screenshot: the timeline alone at the top of the window, after the driver's clicks.
ONLY_TIMELINE = r"""
<script>
document.querySelectorAll("body > header, body > section:not(#timeline)").forEach(function (e) {
  e.style.display = "none";
});
window.dispatchEvent(new Event("resize"));
</script>
"""


binary = chromium_binary()

tmp = KEEP or tempfile.mkdtemp()
os.makedirs(tmp, exist_ok=True)
try:
    g200 = os.path.join(tmp, "g200.yaml")
    with open(g200, "w") as f:
        f.write("name: two-hundred-groups\ndescription: 200 groups of 3 members; a cut, a broker restart, a rolling "
                "restart.\nseed: 3\nduration: 10m\ncluster:\n  brokers: 5\ntopics:\n")
        for t in range(1, 41):
            f.write(f"  - {{name: t{t}, partitions: 6, replication: 3, produce_rate: 20/s}}\n")
        f.write("groups:\n")
        for g in range(1, 201):
            f.write(f"  - {{id: g{g:03d}, topics: [t{(g - 1) % 40 + 1}], members: 3}}\n")
        f.write("events:\n  - at: 60s\n    partition: {from: [g001/1, g002/1], to: [broker/*]}\n    for: 40s\n"
                "  - at: 3m\n    restart: broker/2\n    mode: hard\n    for: 30s\n"
                "  - at: 5m\n    restart: g010/*\n    rolling: 10s\n")
    # A log line (a real run's log.txt holds whatever Kafka and the clients
    # print) that would end the data's <script> element early ("</script>")
    # or, with "<!--<script>", make the HTML parser swallow the rest of the page.
    HOSTILE = "<!--<script> </script><img src=x onerror=alert(1)> \u2028 \"quoted\" \\ end"
    runs = [("flagship", os.path.join(SRC, "scenarios", "coordinator-restart-storm.yaml"), []),
            ("200-groups", g200, ["--no-plots"]),
            ("hostile-log", os.path.join(SRC, "scenarios", "member-cut-short.yaml"), ["--no-plots"])]
    for name, scenario, extra in runs:
        out = os.path.join(tmp, name)
        # given a run's report.html
        r = subprocess.run([STORMLAB, "sim", scenario, "--out", out, "-q", *extra], capture_output=True, text=True)
        if not check(f"{name}: sim exits 0", r.returncode == 0, r.stderr):
            continue
        if name == "hostile-log":  # the line added to log.txt, the page drawn again from the run's files
            with open(os.path.join(out, "log.txt"), "a", encoding="utf-8") as f:
                f.write(f"[00:00:30.000] WARN billing/1 {HOSTILE}\n")
            r = subprocess.run([STORMLAB, "plot", out], capture_output=True, text=True)
            if not check(f"{name}: stormlab plot exits 0", r.returncode == 0, r.stderr):
                continue
            html = open(os.path.join(out, "report.html"), encoding="utf-8").read()
            m = re.search(r'<script type="application/json" id="tl-data">(.*?)</script>', html, re.S)
            data = json.loads(m.group(1)) if m else {"log": []}
            check(f"{name}: the timeline's data holds the line as logged",
                  any(line.endswith(HOSTILE) for _, line in data["log"]))
        page = os.path.join(out, "report.html")
        html = open(page, encoding="utf-8").read()
        check(f"{name}: every script is inline (nothing fetched)", not re.search(r"<script[^>]*\bsrc=", html))
        summary = json.load(open(os.path.join(out, "summary.json")))
        n_rb = sum(g["rebalances"] for g in summary["groups"].values())
        n_faults = sum(1 for l in open(os.path.join(out, "trace.jsonl"))
                       if re.search(r'"kind":"(link\.cut|link\.degrade|group\.scale|action\.[a-z]+)"', l) and
                       '"cause":null' in l)
        # when it is opened as is, then nothing is logged to the console
        rc, dom, console = chromium(binary, "file://" + page, "--virtual-time-budget=5000", "--dump-dom")
        check(f"{name}: the page loads without a console message or JS error", rc == 0 and not console,
              "\n".join(console[:5]))
        # when the driver works the timeline through the DOM
        driven = os.path.join(out, "report-driven.html")
        open(driven, "w", encoding="utf-8").write(html.replace("</body>", DRIVER + "</body>"))
        rc, dom, console = chromium(binary, "file://" + driven, "--virtual-time-budget=5000", "--dump-dom")
        check(f"{name}: driving the timeline logs no console message", not console, "\n".join(console[:5]))
        m = re.search(r'<pre id="tl-test">(.*?)</pre>', dom, re.S)
        if not check(f"{name}: the driver ran", m is not None):
            continue
        res = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<")
                         .replace("&gt;", ">"))
        print(f"{name}: timeline drawn {res['render_ms']} ms after its script started "
              f"(rerun: python3 tests/report/timeline_test.py build/stormlab . /tmp/tl)")
        check(f"{name}: the timeline is drawn", res["ready"])
        check(f"{name}: one mark per rebalance summary.json counts", res["marks"] == n_rb, f"{res['marks']} vs {n_rb}")
        check(f"{name}: one band per injected fault or action", res["faults"] == n_faults,
              f"{res['faults']} vs {n_faults}")
        check(f"{name}: the whole run shows first", res["range0"].startswith("00:00:00.000 to "), res["range0"])
        check(f"{name}: zoom in narrows the range", res["range_zoomed"] != res["range0"], res["range_zoomed"])
        check(f"{name}: the right arrow pans", res["range_panned"] != res["range_zoomed"], res["range_panned"])
        check(f"{name}: 0 shows the whole run again", res["range_all"] == res["range0"], res["range_all"])
        check(f"{name}: no rebalance mark is narrower than 4 px", res["narrow_marks"] == 0, str(res["narrow_marks"]))
        if n_rb:
            check(f"{name}: hovering a rebalance shows its root and first signal",
                  "Root:" in res.get("hover", "") and "First signal" in res.get("hover", ""), res.get("hover", "")[:200])
        boxes = res["fault_boxes"]
        overlaps = [(a[4], b[4]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
                    if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3] and a[4] and b[4]]
        check(f"{name}: no two fault labels overlap", not overlaps, str(overlaps[:3]))
        if n_faults:
            check(f"{name}: clicking a fault says what it caused", "caused" in res.get("fault_click", ""),
                  res.get("fault_click", "")[:200])
            check(f"{name}: clicking a fault shows the log lines around it", res["log"].startswith("log.txt within"),
                  res["log"][:100])
        # and a screenshot shows the timeline: its lanes' green, the marks' black
        shot = os.path.join(out, "timeline.png")
        alone = os.path.join(out, "report-timeline.html")
        open(alone, "w", encoding="utf-8").write(html.replace("</body>", DRIVER + ONLY_TIMELINE + "</body>"))
        chromium(binary, "file://" + alone, "--virtual-time-budget=5000", "--hide-scrollbars", "--window-size=1280,1600", f"--screenshot={shot}")
        if check(f"{name}: chromium saved a screenshot", os.path.exists(shot)):
            green = colour_count(shot, (0x00, 0x9E, 0x73))
            check(f"{name}: the screenshot shows consuming lanes (green pixels)", green > 2000, str(green))
            if n_rb:
                orange = colour_count(shot, (0xD5, 0x5E, 0x00))
                check(f"{name}: the screenshot shows highlighted rebalances or cut-off lanes", orange > 20, str(orange))
finally:
    if not KEEP:
        shutil.rmtree(tmp)

finish()
