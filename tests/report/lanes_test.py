#!/usr/bin/env python3
"""The swimlane tells the truth: for every scenario in the library, each
member lane's state at every moment, derived here from trace.jsonl by the
rules docs/plots.md states ("Swimlane states"), equals what the swimlane's
data file (plots/data/<group>.lanes.tsv) says; and no lane is drawn as
consuming while its group consumed nothing.

usage: lanes_test.py STORMLAB SOURCE_DIR
"""
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

STORMLAB, SRC = sys.argv[1], sys.argv[2]
STATES = ["consuming", "idle", "fetch blocked", "cut off", "expelled", "rejoining", "syncing", "revoking", "paused",
          "stalled", "crashed", "stopped"]
MAX_LANES = 40



class Member:
    def __init__(self):
        self.proc = None            # None before its first start, else 'running', 'stopped', 'crashed'
        self.phase = "rejoining"     # rejoining, syncing, assigned, revoking
        self.held = 0
        self.frozen = self.blocked_poll = self.expelled = False
        self.coord = None            # broker id the member believes coordinates its group
        self.member_id = None


def ends(cut):
    """(from nodes, to nodes) of a link.cut detail 'A,B -> C,D (both ways)'."""
    m = re.match(r"(.*) -> (.*?)( \((both ways|one way)\))?$", cut["detail"])
    return set(m.group(1).split(",")), set(m.group(2).split(","))


def oracle(trace, group):
    """{lane number: [(t0, t1, state name)]} by replaying the trace."""
    brokers = {int(e["node"][7:]) for e in trace if (e["node"] or "").startswith("broker/") and
               e["node"][7:].isdigit()}
    pat = re.compile("^" + re.escape(group) + r"/(\d+)$")
    lanes = {}
    for e in trace:
        m = pat.match(e["node"] or "")
        if m and e["group"] == group and e["kind"].startswith("member.") and int(m.group(1)) <= MAX_LANES:
            lanes.setdefault(int(m.group(1)), Member())
    cuts, down, frozen_brokers = {}, set(), set()

    def can_reach(node, b):
        if b in down or b in frozen_brokers:
            return False
        name = f"broker/{b}"
        return not any((node in f and name in t) or (name in f and node in t) for f, t in cuts.values())

    def state(n):
        m = lanes[n]
        node = f"{group}/{n}"
        if m.proc is None:
            return None
        if m.proc != "running":
            return m.proc
        if m.frozen:
            return "paused"
        if m.blocked_poll:
            return "stalled"
        if m.expelled:
            return "expelled"
        if m.held and m.phase != "revoking":
            if m.coord is not None and not can_reach(node, m.coord):
                return "cut off"
            if brokers and not any(can_reach(node, b) for b in brokers):
                return "fetch blocked"
            return "consuming"
        return {"assigned": "idle"}.get(m.phase, m.phase)

    segs = {n: [] for n in lanes}
    current = {n: (None, 0.0) for n in lanes}

    def settle(t):
        for n in lanes:
            s = state(n)
            prev, since = current[n]
            if s != prev:
                if prev is not None and t > since:
                    segs[n].append((since, t, prev))
                current[n] = (s, t)

    for e in trace:
        k, t = e["kind"], e["t_us"] / 1e6
        node = e["node"] or ""
        if k == "link.cut":
            cuts[e["seq"]] = ends(e)
        elif k == "link.heal":
            cuts.pop(e["cause"], None)
        elif k in ("broker.down", "broker.serving") and node.startswith("broker/"):
            (down.add if k == "broker.down" else down.discard)(int(node[7:]))
        elif k in ("broker.paused", "broker.resumed") and node.startswith("broker/"):
            (frozen_brokers.add if k == "broker.paused" else frozen_brokers.discard)(int(node[7:]))
        elif e["group"] == group and k in ("member.session_expired", "member.removed") and node.startswith("broker/"):
            for m in lanes.values():
                if m.proc == "running" and m.member_id is not None and m.member_id == e["member"]:
                    m.expelled = True
        elif e["group"] == group and pat.match(node) and int(pat.match(node).group(1)) in lanes:
            m = lanes[int(pat.match(node).group(1))]
            if k == "member.start":
                lanes[int(pat.match(node).group(1))] = m = Member()
                m.proc = "running"
            elif k in ("member.stop", "member.crashed"):
                m.proc = "stopped" if k == "member.stop" else "crashed"
                m.held, m.frozen, m.blocked_poll, m.expelled, m.coord = 0, False, False, False, None
            else:
                if e["member"]:
                    m.member_id = e["member"]
                if k in ("member.paused", "member.resumed"):
                    m.frozen = k == "member.paused"
                elif k in ("member.stalled", "member.unstalled"):
                    m.blocked_poll = k == "member.stalled"
                elif k == "member.coordinator_found":
                    found = re.search(r"broker (\d+)", e["detail"])
                    m.coord = int(found.group(1)) if found else None
                elif k == "member.coordinator_unknown":
                    m.coord = None
                elif k == "member.rejoin_needed":
                    if m.held and "REBALANCE_IN_PROGRESS" in e["detail"]:
                        m.phase = "revoking"
                elif k in ("member.join", "member.id_required"):
                    m.phase, m.expelled = "rejoining", False
                elif k == "member.joined":
                    m.phase, m.expelled = "syncing", False
                elif k == "member.assigned":
                    m.phase, m.expelled = "assigned", False
                    m.held = int(re.match(r"\d+", e["detail"]).group(0))
                elif k == "member.revoked":
                    gone = re.match(r"\d+", e["detail"])
                    m.held = max(0, m.held - (int(gone.group(0)) if gone else m.held))
                    if m.phase == "revoking":
                        m.phase = "rejoining"
                elif k in ("member.lost", "member.fenced", "member.session_timeout", "member.poll_timeout",
                           "member.revocation_timeout"):
                    m.held, m.expelled, m.phase = 0, False, "rejoining"
        settle(t)
    settle.current = current
    return segs, settle, lanes


def drawn(path):
    out = {}
    for line in open(path):
        if line.startswith("#"):
            continue
        lane, t0, t1, st = line.rstrip("\n").split("\t")
        out.setdefault(int(lane), []).append((float(t0), float(t1), STATES[int(st)]))
    return out


tmp = tempfile.mkdtemp()
try:
    scenarios = sorted(glob.glob(os.path.join(SRC, "scenarios", "*.yaml")))
    check("the library has scenarios", len(scenarios) >= 10, str(len(scenarios)))
    for path in scenarios:
        name = os.path.basename(path)[:-5]
        out = os.path.join(tmp, name)
        # given a library scenario simulated with its plots
        r = subprocess.run([STORMLAB, "sim", path, "--out", out, "-q"], capture_output=True, text=True)
        if not check(f"{name}: sim exits 0", r.returncode == 0, r.stderr):
            continue
        trace = [json.loads(l) for l in open(os.path.join(out, "trace.jsonl"))]
        summary = json.load(open(os.path.join(out, "summary.json")))
        series = [l.rstrip("\n").split("\t") for l in open(os.path.join(out, "series.tsv")) if not l.startswith("#")]
        cols = series[0]
        rows = [dict(zip(cols, r)) for r in series[1:]]
        for group in summary["groups"]:
            safe = re.sub(r"[^A-Za-z0-9._-]", "_", group)
            data = os.path.join(out, "plots", "data", f"{safe}.lanes.tsv")
            if not check(f"{name}/{group}: the swimlane data exists", os.path.exists(data)):
                continue
            # when each lane is derived from the trace here
            segs, settle, lanes = oracle(trace, group)
            end = summary["duration_s"]
            for n in segs:  # the open segments close at the end of the run
                st, since = settle.current[n]
                if st is not None and end > since:
                    segs[n].append((since, end, st))
            got = drawn(data)
            # then every lane's segments are the same, to the microsecond
            for n in sorted(set(segs) | set(got)):
                want, have = segs.get(n, []), got.get(n, [])
                same = len(want) == len(have) and all(
                    abs(a[0] - b[0]) < 2e-6 and abs(a[1] - b[1]) < 2e-6 and a[2] == b[2] for a, b in zip(want, have))
                diff = next(((a, b) for a, b in zip(want, have) if a[2] != b[2] or abs(a[0] - b[0]) >= 2e-6), None)
                check(f"{name}: lane {group}/{n} shows the states the trace implies", same,
                      f"{len(want)} derived vs {len(have)} drawn segments; first difference {diff}")
            # and whenever no lane is drawn consuming, the group consumed nothing... and the converse: a sample
            # interval in which nothing was consumed has no lane consuming throughout it
            # and over any 10 s in which the group consumed nothing while lag stood, no lane is drawn consuming
            # throughout (a batch can take a second or two, so shorter gaps prove nothing)
            mine = [r for r in rows if r["group"] == group]
            consuming = [s for ss in got.values() for s in ss if s[2] == "consuming"]
            start = None
            for row in mine:
                t = float(row["t_s"])
                idle = float(row["consumed_per_s"]) == 0 and int(row["lag"]) > 0
                if idle and start is None:
                    start = t - float(summary.get("sample_s", 1))
                if not idle:
                    if start is not None and t - 1 - start >= 10:
                        busy = [s for s in consuming if s[0] <= start and s[1] >= t - 1]
                        check(f"{name}/{group}: no lane is consuming through {start}-{t - 1} s, when nothing was "
                              "consumed", not busy, str(busy[:2]))
                    start = None
    print(f"scenarios checked: {len(scenarios)}")
finally:
    shutil.rmtree(tmp)

finish()
