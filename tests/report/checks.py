"""The check-and-count helper the report tests share: each check prints a
FAIL line with expected vs actual detail, and finish() exits 1 on any."""
import os
import re
import shutil
import subprocess
import sys
import struct
import tempfile
import zlib

counts = {"passed": 0, "failed": 0}


def check(what, ok, detail=""):
    if ok:
        counts["passed"] += 1
    else:
        counts["failed"] += 1
        print(f"FAIL: {what}" + (f": {detail}" if detail else ""))
    return ok


def finish():
    print(f"{counts['passed']} passed, {counts['failed']} failed")
    sys.exit(1 if counts["failed"] else 0)


def chromium_binary():
    """Chromium's path; without one, exits 77 (skipped), or 1 when STORMLAB_REQUIRE_CHROMIUM=1 (.ci/run)."""
    for name in ("chromium", "chromium-browser"):
        if shutil.which(name):
            return shutil.which(name)
    if os.environ.get("STORMLAB_REQUIRE_CHROMIUM") == "1":
        print("FAIL: chromium is not installed (cmake/install-deps.sh installs it)")
        sys.exit(1)
    print("SKIP: chromium is not installed; run cmake/install-deps.sh")
    sys.exit(77)


def chromium(binary, url, *extra):
    """Runs headless Chromium on url in a fresh profile; returns (exit code, stdout, console lines from stderr)."""
    profile = tempfile.mkdtemp()
    try:
        r = subprocess.run([binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                            "--disable-component-update", "--disable-sync", "--no-first-run",
                            f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *extra, url],
                           capture_output=True, text=True, timeout=180)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    console = [l for l in r.stderr.splitlines() if re.search(r"CONSOLE[:(]", l)]
    return r.returncode, r.stdout, console


def drive(binary, page, script, *extra):
    """Loads a copy of page with script appended to its body in headless Chromium; the script sets
    window.result to a JSON-able value.  Returns (result or None, console lines)."""
    html = open(page, encoding="utf-8").read()
    driver = ("<script>(function () {\n" + script + "\n})();\n"
              "var pre = document.createElement('pre'); pre.id = 'driver-result';"
              "pre.textContent = JSON.stringify(window.result); document.body.appendChild(pre);</script>")
    copy = os.path.join(os.path.dirname(page), ".driven-" + os.path.basename(page))
    with open(copy, "w", encoding="utf-8") as f:
        f.write(html.replace("</body>", driver + "</body>"))
    try:
        _, dom, console = chromium(binary, "file://" + copy, "--virtual-time-budget=5000", "--dump-dom", *extra)
    finally:
        os.unlink(copy)
    m = re.search(r'<pre id="driver-result">(.*?)</pre>', dom, re.S)
    if not m:
        return None, console
    import html as html_mod
    import json
    return json.loads(html_mod.unescape(m.group(1))), console


# Words of table cells that a browser broke across lines (action.restar|t), and how many words were looked at.
CELL_WORDS_JS = r"""
var broken = [], words = 0;
document.querySelectorAll("td, th").forEach(function (cell) {
  var walk = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT), node;
  while ((node = walk.nextNode())) {
    var re = /\S+/g, m;
    while ((m = re.exec(node.data))) {
      var r = document.createRange(), tops = {};
      r.setStart(node, m.index); r.setEnd(node, m.index + m[0].length);
      var rects = r.getClientRects();
      for (var i = 0; i < rects.length; i++) if (rects[i].width > 0) tops[Math.round(rects[i].top)] = 1;
      words++;
      if (Object.keys(tops).length > 1) broken.push(m[0]);
    }
  }
});
window.result = {broken: broken, words: words};
"""


def png_pixels(path):
    """(width, height, rows) of an 8-bit RGB/RGBA PNG, rows as bytes without filter bytes undone (None if other)."""
    data = open(path, "rb").read()
    w, h, depth, ctype = struct.unpack(">IIBB", data[16:26])
    idat, pos = b"", 8
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        if data[pos + 4:pos + 8] == b"IDAT":
            idat += data[pos + 8:pos + 8 + n]
        pos += 12 + n
    bpp = {2: 3, 6: 4}.get(ctype)
    raw, rows, prev = zlib.decompress(idat), [], bytearray(w * bpp)
    stride = w * bpp
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def colour_count(path, rgb):
    w, h, bpp, rows = png_pixels(path)
    want = bytes(rgb)
    return sum(1 for row in rows for x in range(0, w * bpp, bpp) if row[x:x + 3] == want)
