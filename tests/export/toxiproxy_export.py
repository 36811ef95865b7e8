#!/usr/bin/env python3
"""stormlab export --to toxiproxy (docs/export.md), checked two ways.

For every library scenario, against the scenario file as read here with
PyYAML (not stormlab's loader): toxiproxy.json is a list of one proxy per
broker with the listen and upstream addresses the options ask for; timeline.sh
is valid sh; every event of the file is either played by the script or listed
in not-exported.txt (nothing dropped silently).

Then live, against a Toxiproxy API (`stormlab proxy`, the project's own, which
speaks Toxiproxy's HTTP API; docs/proxy.md): the JSON is POSTed to /populate
and the proxies read back; the flagship's timeline.sh runs 200 times faster
than real time while the toxics are sampled through the API: each toxic the
scenario's faults call for (a partition of two members from every broker:
timeout toxics on both streams of each broker's proxy; a 300 ms degradation to
broker 1: a latency toxic) is seen in place, none is left at the end, and
every call the script made was accepted (curl -f).  Last, a script
interrupted while its toxics are in place removes them and exits 130.

usage: toxiproxy_export.py STORMLAB SRC"""
import glob
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import yaml

stormlab, src = sys.argv[1], sys.argv[2]
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {name}" + (f": {detail}" if detail else ""))


def export(scenario, out, *extra):
    return subprocess.run([stormlab, "export", scenario, "--to", "toxiproxy", "--out", out, *extra],
                          capture_output=True, text=True)


tmp = tempfile.mkdtemp(prefix="stormlab-toxiproxy-export-")

# ---- every library scenario: the files, against the scenario as read here
for path in sorted(glob.glob(os.path.join(src, "scenarios", "*.yaml"))):
    name = os.path.basename(path)
    doc = yaml.safe_load(open(path))
    brokers = (doc.get("cluster") or {}).get("brokers", 3)  # docs/scenarios.md: default 3
    events = [e for e in (doc.get("events") or []) if not e.get("skip")]
    out = os.path.join(tmp, name)
    r = export(path, out, "--listen", "10.0.0.5:30001", "--upstream", "kafka-{id}.kafka:9092")
    check(f"{name}: exported", r.returncode == 0, r.stderr)
    if r.returncode:
        continue
    proxies = json.load(open(os.path.join(out, "toxiproxy.json")))
    want = [{"name": f"broker-{b}", "listen": f"10.0.0.5:{30000 + b}",
             "upstream": f"kafka-{b}.kafka:9092", "enabled": True} for b in range(1, brokers + 1)]
    check(f"{name}: one proxy per broker ({brokers})", proxies == want, proxies)
    sh = os.path.join(out, "timeline.sh")
    check(f"{name}: timeline.sh is valid sh", subprocess.run(["sh", "-n", sh]).returncode == 0)
    script = open(sh).read()
    notes = open(os.path.join(out, "not-exported.txt")).read()
    played = set(int(i) for i in re.findall(r"events\[(\d+)\]", script))
    listed = set(int(i) for i in re.findall(r"^events\[(\d+)\]", notes, re.M))
    missing = set(range(len(events))) - played - listed
    check(f"{name}: each of its {len(events)} events played or listed as not exported", not missing,
          f"dropped: {sorted(missing)}")
    check(f"{name}: nothing beyond its events", max(played | listed, default=-1) < len(events))

# ---- bad input: exit 2, nothing written
flagship = os.path.join(src, "scenarios", "coordinator-restart-storm.yaml")
for args, what in [(["--listen", "nonsense"], "a --listen without a port"),
                   (["--listen", "127.0.0.1:65535"], "ports past 65535 for 3 brokers"),
                   (["--upstream", "kafka:9092"], "an --upstream without {id} for 3 brokers"),
                   (["--labels", flagship], "--labels, which is chaos-mesh's")]:
    out = os.path.join(tmp, "bad")
    r = export(flagship, out, *args)
    check(f"{what}: exit 2 with a message", r.returncode == 2 and "stormlab export:" in r.stderr,
          f"{r.returncode} {r.stderr}")
    check(f"{what}: nothing written", not os.path.exists(out))


# ---- live, against the Toxiproxy API of `stormlab proxy`
def api(base, method, path, body=None):
    req = urllib.request.Request(base + path, method=method, data=None if body is None else body.encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as resp:
        return json.loads(resp.read() or b"null")


log = open(os.path.join(tmp, "proxy.log"), "w+")
proxy = subprocess.Popen([stormlab, "proxy", "--control", "127.0.0.1:0"], stdout=log, stderr=subprocess.STDOUT)
try:
    base = None
    for _ in range(200):
        log.seek(0)
        m = re.search(r"control API (http://[0-9.:]+)", log.read())
        if m:
            base = m.group(1)
            break
        time.sleep(0.05)
    check("stormlab proxy starts", base is not None)
    if base is None:
        raise SystemExit(1)
    out = os.path.join(tmp, "live")
    # ports 0: the proxies listen on ports the system picks
    r = export(flagship, out, "--listen", "127.0.0.1:40001", "--upstream", "127.0.0.1:1{id}")
    check("flagship exported for the live run", r.returncode == 0, r.stderr)
    body = open(os.path.join(out, "toxiproxy.json")).read()
    api(base, "POST", "/populate", body)
    have = api(base, "GET", "/proxies")
    check("POST /populate made a proxy per broker", sorted(have) == ["broker-1", "broker-2", "broker-3"], have)
    check("the proxies forward where the export said",
          all(have[f"broker-{b}"]["upstream"] == f"127.0.0.1:1{b}" for b in (1, 2, 3)), have)

    seen = {}  # toxic name -> (proxy, type, stream, attributes)
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            for p in ("broker-1", "broker-2", "broker-3"):
                try:
                    for t in api(base, "GET", f"/proxies/{p}/toxics"):
                        seen[t["name"]] = (p, t["type"], t["stream"], t.get("attributes"))
                except Exception:
                    pass
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    env = dict(os.environ, TOXIPROXY_URL=base, SPEED="200")
    run = subprocess.run(["sh", os.path.join(out, "timeline.sh")], env=env, capture_output=True, text=True,
                         timeout=60)
    stop.set()
    sampler.join()
    check("timeline.sh ran to the end, every API call accepted", run.returncode == 0 and "timeline done" in run.stdout,
          run.stdout + run.stderr)
    # the flagship: billing/1,2 cut from broker/* for 40 s at 1m (both ways), billing/* degraded
    # to broker/1 by 300 ms +- 50 ms for 1m at 4m; the rest is not a proxy's (not-exported.txt)
    cuts = {(p, s) for (p, ty, s, a) in seen.values() if ty == "timeout" and a.get("timeout") == 0}
    check("the partition held both streams of every broker's proxy",
          cuts == {(f"broker-{b}", s) for b in (1, 2, 3) for s in ("upstream", "downstream")}, sorted(cuts))
    lat = [(p, s, a) for (p, ty, s, a) in seen.values() if ty == "latency"]
    check("the degradation added 300 ms +- 50 ms to broker-1's upstream",
          lat == [("broker-1", "upstream", {"latency": 300, "jitter": 50})], lat)
    left = {p: api(base, "GET", f"/proxies/{p}/toxics") for p in ("broker-1", "broker-2", "broker-3")}
    check("no toxic left when the timeline ends", all(not v for v in left.values()), left)

    # interrupted while the partition is in place (1m..1m40s: 3 s..5 s at SPEED=20)
    env["SPEED"] = "20"
    bg = subprocess.Popen(["sh", os.path.join(out, "timeline.sh")], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 20
    while time.time() < deadline and not api(base, "GET", "/proxies/broker-2/toxics"):
        time.sleep(0.05)
    check("the partition's toxics in place before the interrupt", bool(api(base, "GET", "/proxies/broker-2/toxics")))
    bg.send_signal(signal.SIGTERM)
    text, _ = bg.communicate(timeout=30)
    left = {p: api(base, "GET", f"/proxies/{p}/toxics") for p in ("broker-1", "broker-2", "broker-3")}
    check("an interrupted timeline exits 130", bg.returncode == 130, f"{bg.returncode}: {text}")
    check("an interrupted timeline removes its toxics", all(not v for v in left.values()), left)
finally:
    proxy.terminate()
    proxy.wait(timeout=10)

print(f"toxiproxy export: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
