#!/usr/bin/env python3
"""stormlab export --to chaos-mesh, for every library scenario: each resource
validates against Chaos Mesh's own CRD schemas (tests/data/chaos-mesh, vendored),
and what was exported matches the scenario file as read here, independently of
stormlab's loader: every partition, degrade, restart and pause at its time and
for its duration (rolling steps apart), every stall, set and scale listed in
not-exported.txt, the Workflow's steps the same faults at the same times.
Then a labels file, and bad input.

usage: validate_chaos_mesh.py STORMLAB SRC"""
import glob
import os
import re
import subprocess
import sys
import tempfile

import jsonschema
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


UNITS = {"us": 1, "ms": 1000, "s": 10**6, "m": 60 * 10**6, "h": 3600 * 10**6}


def dur_us(v):
    """A stormlab duration ('40s', 0) or a Go duration ('1m30s') in microseconds."""
    if v in (0, "0"):
        return 0
    parts = re.findall(r"(\d+)(us|ms|s|m|h)", str(v))
    assert parts and "".join(a + b for a, b in parts) == str(v), v
    return sum(int(a) * UNITS[b] for a, b in parts)


# The schemas: each CRD's openAPIV3Schema for its kind.
schemas = {}
for path in glob.glob(os.path.join(src, "tests/data/chaos-mesh/chaos-mesh.org_*.yaml")):
    crd = yaml.safe_load(open(path))
    ver = [v for v in crd["spec"]["versions"] if v.get("served")][0]
    schemas[crd["spec"]["names"]["kind"]] = (crd["spec"]["group"] + "/" + ver["name"],
                                             ver["schema"]["openAPIV3Schema"])
check("the vendored CRDs are NetworkChaos, PodChaos and Workflow",
      set(schemas) == {"NetworkChaos", "PodChaos", "Workflow"}, str(sorted(schemas)))
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def validate(doc, where):
    kind = doc.get("kind")
    if kind not in schemas:
        check(f"{where}: a kind with a vendored schema", False, str(kind))
        return
    api, schema = schemas[kind]
    check(f"{where}: apiVersion {api}", doc.get("apiVersion") == api, str(doc.get("apiVersion")))
    errs = sorted(jsonschema.Draft7Validator(schema).iter_errors(doc), key=str)
    check(f"{where}: valid against the {kind} CRD", not errs,
          "; ".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errs[:3]))
    name = doc["metadata"]["name"]
    check(f"{where}: metadata.name {name!r} is a DNS-1123 label", len(name) <= 63 and DNS_LABEL.match(name))


def scenario_events(path):
    """The scenario's events as the loader orders them (by at, stable)."""
    sc = yaml.safe_load(open(path))
    evs = sc.get("events") or []
    evs = sorted(enumerate(evs), key=lambda p: (dur_us(p[1]["at"]), p[0]))
    return sc, [e for _, e in evs]


def action_of(ev):
    return next(k for k in ("partition", "degrade", "restart", "pause", "stall", "set", "scale") if k in ev)


def expected_steps(sc, ev, i):
    """(at_us, duration_us or None) of each resource an exported event makes
    (rolling: one per node; several selector units multiply resources, so
    only the set of times is compared)."""
    at = dur_us(ev["at"])
    end = dur_us(sc.get("duration", "10m")) - at
    kind = action_of(ev)
    f = dur_us(ev["for"]) if "for" in ev else None
    if kind in ("partition", "degrade", "pause") or (kind == "restart" and ev.get("mode") == "pause"):
        d = f if f is not None else end
    else:  # restart: pod-failure for its for:, else a kill
        d = f if f else None
    return at, d


with tempfile.TemporaryDirectory() as tmp:
    scenarios = sorted(glob.glob(os.path.join(src, "scenarios/*.yaml")))
    check("the library has scenarios", len(scenarios) > 10, str(len(scenarios)))
    # what the library does not use: kills without for:, a one-way cut, loss alone, a producer,
    # a frozen broker, a rolling restart of a group that scaled, a mixed side
    extra = os.path.join(tmp, "every-kind.yaml")
    with open(extra, "w") as f:
        f.write("""name: Every Kind_of event
duration: 20m
topics: [{name: orders, partitions: 6, produce_rate: 100/s}]
groups: [{id: billing, topics: [orders], members: 3}]
events:
  - {at: 30s, restart: broker/2, mode: hard}
  - {at: 1m, restart: broker/3, mode: controlled}
  - {at: 2m, partition: {from: [billing/1], to: [broker/1]}, oneway: true, for: 20s}
  - {at: 3m, degrade: {from: [producer/orders], to: ['broker/*'], loss: 0.1}, for: 1m}
  - {at: 4m, restart: broker/1, mode: pause, for: 15s}
  - {at: 5m, scale: {group: billing, members: 5}}
  - {at: 6m, restart: 'billing/*', rolling: 20s}
  - {at: 9m, partition: {from: [billing/2, 'broker/*', producer/orders], to: [billing/3, 'billing/*']}, for: 10s}
  - {at: 10m, stall: billing/1, for: 1m}
""")
    scenarios.append(extra)
    for path in scenarios:
        base = os.path.basename(path)[:-5]
        out = os.path.join(tmp, base)
        # when exported with the default labels
        p = subprocess.run([stormlab, "export", path, "--to", "chaos-mesh", "--out", out],
                           capture_output=True, text=True)
        check(f"{base}: exit 0", p.returncode == 0, p.stderr.strip())
        if p.returncode:
            continue
        chaos = [d for d in yaml.safe_load_all(open(os.path.join(out, "chaos.yaml"))) if d]
        wf_docs = [d for d in yaml.safe_load_all(open(os.path.join(out, "workflow.yaml"))) if d]
        notes = open(os.path.join(out, "not-exported.txt")).read().splitlines()
        # then every resource validates
        for j, d in enumerate(chaos):
            validate(d, f"{base} chaos.yaml[{j}]")
        check(f"{base}: workflow.yaml is one Workflow", len(wf_docs) == 1 and wf_docs[0]["kind"] == "Workflow")
        validate(wf_docs[0], f"{base} workflow.yaml")
        # and matches the scenario as read here
        sc, evs = scenario_events(path)
        by_event = {}
        for d in chaos:
            ann = d["metadata"]["annotations"]
            by_event.setdefault(ann["stormlab.io/event"], []).append(
                (dur_us(ann["stormlab.io/at"]), dur_us(d["spec"]["duration"]) if "duration" in d["spec"] else None))
        for i, ev in enumerate(evs):
            kind, tag = action_of(ev), f"events[{i}]"
            listed = [n for n in notes if n.startswith(tag + " ")]
            if kind in ("stall", "set", "scale"):
                check(f"{base} {tag} ({kind}): listed as not exported, no resource",
                      tag not in by_event and any("not exported" in n for n in listed), str(listed))
                continue
            if kind == "degrade" and not any(ev[kind].get(k) for k in ("latency", "jitter", "loss")):
                continue
            got = by_event.get(tag, [])
            at, d = expected_steps(sc, ev, i)
            rolling = dur_us(ev["rolling"]) if "rolling" in ev else None
            times = sorted({t for t, _ in got})
            if rolling is None:
                want_times = [at]
            else:
                want_times = [at + k * rolling for k in range(len(times))]
            check(f"{base} {tag} ({kind}): exported at {at} us (rolling {rolling})",
                  got and times == want_times, f"expected {want_times}, got {times}")
            check(f"{base} {tag} ({kind}): lasts {d} us", all(g == d for _, g in got), f"got {got}")
            if kind == "pause" or ev.get("mode") == "pause":
                check(f"{base} {tag}: the approximation is listed", any("approximated" in n for n in listed))
        # the Workflow replays the same faults at the same times
        tpl = {t["name"]: t for t in wf_docs[0]["spec"]["templates"]}
        entry = tpl[wf_docs[0]["spec"]["entry"]]
        wf_steps = []
        for child in entry.get("children") or []:
            serial = tpl[child]["children"]
            wait = tpl[serial[0]] if tpl[serial[0]]["templateType"] == "Suspend" else None
            fault = tpl[serial[-1]]
            spec = fault.get("networkChaos") or fault.get("podChaos")
            wf_steps.append((dur_us(wait["deadline"]) if wait else 0, fault["templateType"], spec["action"],
                             dur_us(fault["deadline"])))
        standalone = [(dur_us(d["metadata"]["annotations"]["stormlab.io/at"]), d["kind"], d["spec"]["action"],
                       dur_us(d["spec"]["duration"]) if "duration" in d["spec"] else 10**6) for d in chaos]
        check(f"{base}: the Workflow's steps are chaos.yaml's resources at the same times",
              sorted(wf_steps) == sorted(standalone), f"{sorted(wf_steps)[:3]} vs {sorted(standalone)[:3]}")

    # The kinds the library lacks, exactly
    ek = [d for d in yaml.safe_load_all(open(os.path.join(tmp, "every-kind/chaos.yaml"))) if d]
    acts = [(d["metadata"]["annotations"]["stormlab.io/event"], d["spec"]["action"], d["spec"].get("gracePeriod"),
             d["spec"].get("direction")) for d in ek]
    check("a hard kill: pod-kill, gracePeriod 0", ("events[0]", "pod-kill", 0, None) in acts, str(acts))
    check("a controlled restart: pod-kill, gracePeriod 30", ("events[1]", "pod-kill", 30, None) in acts)
    check("a one-way cut: partition, direction to", ("events[2]", "partition", None, "to") in acts)
    check("loss alone: action loss, 10 percent",
          any(d["spec"]["action"] == "loss" and float(d["spec"]["loss"]["loss"]) == 10.0 for d in ek))
    check("a rolling restart after a scale to 5: five kills, 20 s apart",
          [a for a in acts if a[0] == "events[6]"] == [("events[6]", "pod-kill", 0, None)] * 5)
    check("a side with pods and two label selectors: 3 x 2 partitions",
          len([a for a in acts if a[0] == "events[7]"]) == 6, str([a for a in acts if a[0] == "events[7]"]))

    # The flagship's partition, exactly: billing/1,2 cut from every broker at 1m for 40s.
    fl = [d for d in yaml.safe_load_all(open(os.path.join(tmp, "coordinator-restart-storm/chaos.yaml"))) if d]
    part = [d for d in fl if d["spec"]["action"] == "partition" and d["kind"] == "NetworkChaos"
            and "pods" in d["spec"]["selector"]]
    check("flagship: the 40 s partition of billing/1,2 from the brokers",
          part and part[0]["spec"]["selector"]["pods"] == {"default": ["billing-0", "billing-1"]}
          and part[0]["spec"]["target"]["selector"]["labelSelectors"] == {"app.kubernetes.io/name": "kafka"}
          and part[0]["spec"]["direction"] == "both" and part[0]["spec"]["duration"] == "40s"
          and part[0]["metadata"]["annotations"]["stormlab.io/at"] == "1m", str(part[:1]))

    # given a labels file, when exported with it, then its namespace, pod names and labels are used
    labels = os.path.join(tmp, "labels.yaml")
    with open(labels, "w") as f:
        f.write("namespace: staging\nbroker_pod: 'kafka-broker-{n}'\nmember_pod: 'billing-consumer-{i}'\n"
                "brokers: {app: kafka, tier: broker}\ngroups:\n  billing: {app: billing-consumer}\n")
    out = os.path.join(tmp, "labelled")
    p = subprocess.run([stormlab, "export", os.path.join(src, "scenarios/coordinator-restart-storm.yaml"),
                        "--to", "chaos-mesh", "--labels", labels, "--out", out], capture_output=True, text=True)
    docs = [d for d in yaml.safe_load_all(open(os.path.join(out, "chaos.yaml"))) if d] if p.returncode == 0 else []
    text = open(os.path.join(out, "chaos.yaml")).read() if p.returncode == 0 else ""
    check("--labels: exit 0", p.returncode == 0, p.stderr)
    check("--labels: every resource in namespace staging",
          docs and all(d["metadata"]["namespace"] == "staging" for d in docs))
    check("--labels: pod names from the templates, labels from the map",
          '"billing-consumer-0"' in text and '"kafka-broker-' in text and '"tier": "broker"' in text
          and '"app": "billing-consumer"' in text and '"kafka-0"' not in text)
    for j, d in enumerate(docs):
        validate(d, f"labelled chaos.yaml[{j}]")

    # bad input: exit 2 with file:line:col, nothing written
    with open(labels, "w") as f:
        f.write("namespace: staging\nbrokerz: {app: kafka}\n")
    out = os.path.join(tmp, "bad")
    p = subprocess.run([stormlab, "export", os.path.join(src, "scenarios/steady-state.yaml"), "--to", "chaos-mesh",
                        "--labels", labels, "--out", out], capture_output=True, text=True)
    check("a labels file with an unknown key: exit 2, file:2:1 and what was expected, nothing written",
          p.returncode == 2 and f"{labels}:2:1: brokerz: unknown key" in p.stderr and "expected" in p.stderr
          and not os.path.exists(out), f"exit {p.returncode}: {p.stderr.strip()}")
    p = subprocess.run([stormlab, "export", os.path.join(src, "scenarios/steady-state.yaml"), "--to", "k8s",
                        "--out", out], capture_output=True, text=True)
    check("--to k8s: exit 2, the targets it takes", p.returncode == 2 and "expected chaos-mesh" in p.stderr,
          p.stderr)

print(f"export chaos-mesh: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
