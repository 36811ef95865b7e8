"""Text boxes of a gnuplot SVG, measured from the font file itself, and the
layout faults a reader would see: two texts drawn over each other, or a text
running off the canvas.

Metrics: the SVGs name DejaVu Sans (plots/_style.gp); a text's width is the
sum of its glyphs' advance widths from the font's hmtx table (no kerning,
which only narrows), times font-size / unitsPerEm; its height runs from the
baseline up by the font's typographic ascender (OS/2 sTypoAscender, 0.76 em
for DejaVu Sans) and down by its descender (sTypoDescender, 0.24 em).  The
anchor (start, middle, end) and the g element's translate() and rotate()
place the box; a rotated box is replaced by its axis-aligned bounds.
"""
import math
import re
import struct
import xml.etree.ElementTree as ET

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
SVG = "{http://www.w3.org/2000/svg}"
# two boxes closer than this overlap only by rounding (gnuplot writes 2 decimals)
SLACK_PX = 0.5


class Font:
    """Advance widths and vertical metrics of a TrueType font, read with struct."""

    def __init__(self, path=FONT):
        data = open(path, "rb").read()
        n = struct.unpack(">H", data[4:6])[0]
        tables = {}
        for i in range(n):
            tag, _, off, length = struct.unpack(">4sIII", data[12 + 16 * i:28 + 16 * i])
            tables[tag.decode()] = (off, length)
        head = tables["head"][0]
        self.units = struct.unpack(">H", data[head + 18:head + 20])[0]
        hhea = tables["hhea"][0]
        n_metrics = struct.unpack(">H", data[hhea + 34:hhea + 36])[0]
        hmtx = tables["hmtx"][0]
        self.advance = [struct.unpack(">H", data[hmtx + 4 * i:hmtx + 4 * i + 2])[0] for i in range(n_metrics)]
        os2 = tables["OS/2"][0]
        asc, desc = struct.unpack(">hh", data[os2 + 68:os2 + 72])
        self.ascent, self.descent = asc / self.units, -desc / self.units
        self.cmap = self._cmap(data, tables["cmap"][0])

    @staticmethod
    def _cmap(data, cmap):
        """code point -> glyph id from the format 12 (all of Unicode) or format 4 (BMP) Unicode subtable."""
        n = struct.unpack(">H", data[cmap + 2:cmap + 4])[0]
        subs = {}
        for i in range(n):
            pid, eid, off = struct.unpack(">HHI", data[cmap + 4 + 8 * i:cmap + 12 + 8 * i])
            fmt = struct.unpack(">H", data[cmap + off:cmap + off + 2])[0]
            if pid in (0, 3):
                subs[fmt] = cmap + off
        out = {}
        if 12 in subs:
            t = subs[12]
            groups = struct.unpack(">I", data[t + 12:t + 16])[0]
            for g in range(groups):
                start, end, gid = struct.unpack(">III", data[t + 16 + 12 * g:t + 28 + 12 * g])
                for c in range(start, end + 1):
                    out[c] = gid + c - start
            return out
        t = subs[4]
        segs = struct.unpack(">H", data[t + 6:t + 8])[0] // 2
        ends = struct.unpack(f">{segs}H", data[t + 14:t + 14 + 2 * segs])
        p = t + 16 + 2 * segs
        starts = struct.unpack(f">{segs}H", data[p:p + 2 * segs])
        deltas = struct.unpack(f">{segs}h", data[p + 2 * segs:p + 4 * segs])
        ro_at = p + 6 * segs
        offsets = struct.unpack(f">{segs}H", data[ro_at:ro_at + 2 * segs])
        for s in range(segs):
            for c in range(starts[s], ends[s] + 1):
                if c == 0xFFFF:
                    continue
                if offsets[s] == 0:
                    gid = (c + deltas[s]) & 0xFFFF
                else:
                    a = ro_at + 2 * s + offsets[s] + 2 * (c - starts[s])
                    gid = struct.unpack(">H", data[a:a + 2])[0]
                    gid = (gid + deltas[s]) & 0xFFFF if gid else 0
                out[c] = gid
        return out

    def width_em(self, text):
        """The advance width of text in em (glyphs the font lacks count as its .notdef)."""
        total = 0
        for ch in text:
            gid = self.cmap.get(ord(ch), 0)
            total += self.advance[min(gid, len(self.advance) - 1)]
        return total / self.units


def _transform(spec):
    """(tx, ty, degrees) of a 'translate(x,y) rotate(a)' attribute."""
    tx = ty = rot = 0.0
    for name, args in re.findall(r"(\w+)\(([^)]*)\)", spec or ""):
        v = [float(x) for x in re.split(r"[ ,]+", args.strip()) if x]
        if name == "translate":
            tx, ty = tx + v[0], ty + (v[1] if len(v) > 1 else 0)
        elif name == "rotate":
            rot += v[0]
        else:
            raise ValueError(f"transform {name} not handled")
    return tx, ty, rot


def text_boxes(path, font):
    """[(text, (x0, y0, x1, y1))] of every non-blank text in a gnuplot SVG, and the canvas (w, h)."""
    root = ET.parse(path).getroot()
    vb = [float(x) for x in root.get("viewBox").split()]
    parent = {c: p for p in root.iter() for c in p}
    boxes = []
    for t in root.iter(SVG + "text"):
        text = "".join(t.itertext())
        if not text.strip():
            continue
        size, anchor, tx, ty, rot = None, None, 0.0, 0.0, 0.0
        x, y = float(t.get("x", 0)), float(t.get("y", 0))
        node = t
        while node is not None:  # inner attributes win; transforms compose outward (translate and rotate only)
            if size is None and node.get("font-size"):
                size = float(node.get("font-size").replace("px", ""))
            if anchor is None and node.get("text-anchor"):
                anchor = node.get("text-anchor")
            if node.get("transform"):
                dx, dy, dr = _transform(node.get("transform"))
                if rot:
                    raise ValueError(f"{path}: nested rotation not handled")
                tx, ty, rot = tx + dx, ty + dy, dr
            node = parent.get(node)
        size, anchor = size or 12.0, anchor or "start"
        w = font.width_em(text) * size
        x0 = x - {"start": 0, "middle": w / 2, "end": w}[anchor]
        corners = [(x0, y - font.ascent * size), (x0 + w, y - font.ascent * size),
                   (x0, y + font.descent * size), (x0 + w, y + font.descent * size)]
        a = math.radians(rot)
        pts = [(tx + cx * math.cos(a) - cy * math.sin(a), ty + cx * math.sin(a) + cy * math.cos(a))
               for cx, cy in corners]
        boxes.append((text, (min(p[0] for p in pts), min(p[1] for p in pts),
                             max(p[0] for p in pts), max(p[1] for p in pts))))
    return boxes, (vb[2], vb[3])


def layout_faults(path, font):
    """What a reader would see wrong in one SVG: 'overlap: A / B' and 'clipped: A' lines, with the boxes."""
    boxes, (w, h) = text_boxes(path, font)
    faults = []
    for text, (x0, y0, x1, y1) in boxes:
        if x0 < -SLACK_PX or y0 < -SLACK_PX or x1 > w + SLACK_PX or y1 > h + SLACK_PX:
            faults.append(f"clipped: '{text}' at ({x0:.1f},{y0:.1f})-({x1:.1f},{y1:.1f}) on a {w:g}x{h:g} canvas")
    for i, (ta, a) in enumerate(boxes):
        for tb, b in boxes[i + 1:]:
            if ta == tb and all(abs(p - q) < 0.01 for p, q in zip(a, b)):
                continue  # one text drawn twice in one place (gnuplot's boxed labels): one visible text
            if min(a[2], b[2]) - max(a[0], b[0]) > SLACK_PX and min(a[3], b[3]) - max(a[1], b[1]) > SLACK_PX:
                faults.append(f"overlap: '{ta}' ({a[0]:.1f},{a[1]:.1f})-({a[2]:.1f},{a[3]:.1f}) and "
                              f"'{tb}' ({b[0]:.1f},{b[1]:.1f})-({b[2]:.1f},{b[3]:.1f})")
    return faults
