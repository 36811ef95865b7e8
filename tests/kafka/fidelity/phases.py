#!/usr/bin/env python3
"""The simulator's prediction over the heartbeat phases and request latencies a real run draws (docs/fidelity.md).

    phases.py STORMLAB RESOLVED.yaml OUTDIR

A real cluster's periodic timers -- each member's heartbeat, each broker's
heartbeat to the KRaft controller -- tick at a phase that nobody chooses:
where a fault falls between two ticks differs from run to run, and decides
by up to a whole interval when a silent member or broker is noticed.  The
simulator starts every timer at a fixed point of its clock, so one run of it
is one phase.  This script runs the resolved scenario again with its whole
timeline (and duration) shifted later by every multiple of STEP up to the
period after which the phases repeat (the least common multiple of every
group's heartbeat interval and the brokers' heartbeat interval, capped at
CAP): the fault then falls at each phase of every timer that started at
time 0.

Timers that restart at an event -- a KIP-848 member's heartbeat interval
counts again from the heartbeat acknowledging each reconciliation -- are
moved instead by how long each request takes, which on the 2-core test
machine, where every node is a JVM, is milliseconds to tens of them
(docs/fidelity.md: a Java member took 0 to 194 ms from a heartbeat answer
to its reconciliation, median 38 ms): a member's phase drifts by that much
at every reconciliation, and a member that joins near another's heartbeat
finds it before or after by a whole interval.  So the scenario also runs
with every link's one-way latency at each of LATENCIES_US, at PHASES_PER_LATENCY
of the phases.

OUTDIR/NNNNNNus/ are the runs at the scenario's own latency, NNNNNNus-LLLLLus/
at latency LLLLL (summary.json and trace.jsonl only); measure.py reads them
and compares Apache Kafka's run with the range.
"""
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile

STEP_US = 100_000
CAP_US = 30_000_000
LATENCIES_US = (5_000, 10_000, 20_000, 40_000)
PHASES_PER_LATENCY = 10

UNITS = {"us": 1, "ms": 1000, "s": 1_000_000, "m": 60_000_000, "h": 3_600_000_000, None: 1_000_000}


def duration_us(text):
    """A duration as scenario.resolved.yaml writes it ("0", "250us", "500ms", "1.5s", "2m", "1h"), in us."""
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m|h)?", text)
    return round(float(m.group(1)) * UNITS[m.group(2)])


def period_us(resolved):
    """After how long every heartbeat's phase repeats."""
    intervals = [duration_us(v) for v in re.findall(r"^    heartbeat_interval: (\S+)$", resolved, re.M)]
    intervals += [duration_us(v) for v in re.findall(r"^  broker_heartbeat_interval: (\S+)$", resolved, re.M)]
    p = 1
    for i in intervals:
        p = p * i // math.gcd(p, i) if i > 0 else p
    return min(p, CAP_US) if p > 1 else 0


def shifted(resolved, shift_us):
    """The scenario with every event and the end shifted later by shift_us."""
    out, section = [], None
    for line in resolved.splitlines(keepends=True):
        m = re.match(r"^(\w+):", line)
        if m:
            section = m.group(1)
        if (m := re.match(r"^duration: (\S+)$", line)):
            line = "duration: %dus\n" % (duration_us(m.group(1)) + shift_us)
        elif section == "events" and (m := re.match(r"^  - at: (\S+)$", line)):
            line = "  - at: %dus\n" % (duration_us(m.group(1)) + shift_us)
        out.append(line)
    return "".join(out)


def main():
    stormlab, resolved_path, outdir = sys.argv[1:4]
    resolved = open(resolved_path).read()
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(outdir)
    period = period_us(resolved)
    shifts = list(range(0, period, STEP_US)) or [0]
    runs = [(shift, None) for shift in shifts]
    every = max(1, len(shifts) // PHASES_PER_LATENCY)
    runs += [(shift, lat) for lat in LATENCIES_US for shift in shifts[::every][:PHASES_PER_LATENCY]]
    with tempfile.TemporaryDirectory() as tmp:
        for shift, lat in runs:
            yaml = os.path.join(tmp, "scenario.yaml")
            open(yaml, "w").write(shifted(resolved, shift))
            run = os.path.join(tmp, "run")
            shutil.rmtree(run, ignore_errors=True)
            cmd = [stormlab, "sim", yaml, "--out", run, "--no-plots", "-q"]
            if lat is not None:
                cmd += ["--set", "links.latency=%dus" % lat]
            subprocess.run(cmd, check=True)
            keep = os.path.join(outdir, "%09dus" % shift + ("" if lat is None else "-%06dus" % lat))
            os.makedirs(keep)
            for f in ("summary.json", "trace.jsonl"):
                shutil.copy(os.path.join(run, f), keep)


if __name__ == "__main__":
    main()
