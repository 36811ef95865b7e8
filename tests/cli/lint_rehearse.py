#!/usr/bin/env python3
"""Every `rehearse:` command of `stormlab lint` shows what its finding claims.

For each rule that offers a rehearsal, a corpus config (tests/data/lint/corpus/)
that triggers it is linted (--format json), the finding's own rehearse command is
run, and its trace.jsonl / summary.json are checked for the effect the finding's
`why` claims (members stop on INVALID_SESSION_TIMEOUT, a member is expelled, it
leaves on max.poll.interval.ms, every member revokes, ...).  The oracle is a second
run of the same command with the finding's fix applied as one more --set: the
effect must be gone (or smaller) there, so the first run shows the setting's
effect and not the scenario's.  Findings without a rehearsal must say why
(no_rehearsal) instead, with no scenario; and every rule that offers a
rehearsal somewhere in the corpus must have a check here.

usage: lint_rehearse.py STORMLAB SRC
"""
import collections
import json
import os
import shlex
import subprocess
import sys
import tempfile

STORMLAB = SRC = CORPUS = TMP = None


def lint(args):
    argv = [STORMLAB, "lint", "--format", "json"] + args
    p = subprocess.run(argv, cwd=CORPUS, capture_output=True, text=True)
    if p.returncode not in (0, 1):
        raise AssertionError(f"lint {' '.join(args)} exited {p.returncode}: {p.stderr.strip()}")
    return json.loads(p.stdout)["findings"]


class Run:
    """One simulator run: its summary (group billing) and trace."""

    def __init__(self, argv, name):
        out = os.path.join(TMP, name)
        p = subprocess.run(argv + ["--out", out, "--no-plots", "-q"], cwd=SRC, capture_output=True, text=True)
        if p.returncode not in (0, 1):  # 1: the scenario's own expect: failed, which is the point
            raise AssertionError(f"{' '.join(argv)} exited {p.returncode}: {p.stderr.strip()}")
        with open(os.path.join(out, "summary.json")) as f:
            self.group = json.load(f)["groups"]["billing"]
        with open(os.path.join(out, "trace.jsonl")) as f:
            self.trace = [json.loads(l) for l in f]
        self.kinds = collections.Counter(t["kind"] for t in self.trace)

    def of(self, kind):
        return [t for t in self.trace if t["kind"] == kind]

    def members(self):
        """Members started with the run."""
        return len([t for t in self.of("member.start") if t["t_us"] == 0])

    def restarts(self):
        """Members closed cleanly by the scenario (a rolling restart's steps)."""
        return len([t for t in self.of("member.stop") if t["detail"].endswith("closed")])

    def rebalance_spans_s(self):
        """Each rebalance's length: group.rebalance.start to the next group.stable."""
        spans, start = [], None
        for t in self.trace:
            if t["kind"] == "group.rebalance.start" and start is None:
                start = t["t_us"]
            elif t["kind"] == "group.stable" and start is not None:
                spans.append((t["t_us"] - start) / 1e6)
                start = None
        return spans


def with_set(argv, path_value):
    """argv with --set PATH=VALUE replacing the one of the same path, or appended."""
    path = path_value.split("=", 1)[0] + "="
    out, done = [], False
    for i, a in enumerate(argv):
        if i and argv[i - 1] == "--set" and a.startswith(path):
            out.append(path_value)
            done = True
        else:
            out.append(a)
    return out if done else out + ["--set", path_value]


# ---------------------------------------------------------------- the checks
# Each takes the rehearsal run and the run with the fix, and returns the list
# of what did not hold (expected vs actual).

def refused_members_stop(file_run, fix_run):
    bad = []
    crashed = [t for t in file_run.of("member.crashed") if "InvalidSessionTimeout" in t["detail"]]
    members = file_run.members()
    if len(crashed) != members:
        bad.append(f"expected every one of the {members} members to stop on InvalidSessionTimeoutException, "
                   f"got {len(crashed)}")
    if fix_run.kinds["member.crashed"]:
        bad.append(f"with the fix, expected no member to stop, got {fix_run.kinds['member.crashed']}")
    return bad


def expelled_after_cut(file_run, fix_run):
    bad = []
    expired = file_run.kinds["member.session_expired"] + file_run.kinds["member.session_timeout"]
    if expired < 1 or file_run.group["rebalances"] < 1:
        bad.append(f"expected the cut member expelled (session expired) and the group rebalanced, got "
                   f"{expired} expiries and {file_run.group['rebalances']} rebalances")
    fixed = fix_run.kinds["member.session_expired"] + fix_run.kinds["member.session_timeout"]
    if fixed or fix_run.group["rebalances"]:
        bad.append(f"with the fix, expected the cut absorbed (0 expiries, 0 rebalances), got {fixed} and "
                   f"{fix_run.group['rebalances']}")
    return bad


def leaves_on_poll_interval(file_run, fix_run):
    n, m = file_run.kinds["member.poll_timeout"], fix_run.kinds["member.poll_timeout"]
    bad = []
    if n < 2 or n <= m:
        bad.append(f"expected members leaving on max.poll.interval.ms over and over (>= 2, more than the "
                   f"{m} with the fix), got {n}")
    if not file_run.group["rebalances"] > fix_run.group["rebalances"]:
        bad.append(f"expected more rebalances than with the fix, got {file_run.group['rebalances']} vs "
                   f"{fix_run.group['rebalances']}")
    return bad


def rebalance_waits_long(file_run, fix_run):
    longest, longest_fix = max(file_run.rebalance_spans_s()), max(fix_run.rebalance_spans_s())
    bad = []
    if longest <= 300:
        bad.append(f"expected a rebalance waiting longer than the default max.poll.interval.ms (300 s), "
                   f"got {longest:.1f} s at most")
    if longest_fix >= longest:
        bad.append(f"with the fix, expected a shorter longest rebalance, got {longest_fix:.1f} s vs {longest:.1f} s")
    return bad


def eager_revokes_all(file_run, fix_run):
    restarts, members = file_run.restarts(), file_run.members()
    reb, revoked = file_run.group["rebalances"], file_run.kinds["member.revoked"]
    bad = []
    if reb != 2 * restarts:
        bad.append(f"expected a rolling restart of {restarts} members to stop the group 2 x {restarts} times, "
                   f"got {reb} rebalances")
    if revoked < reb * (members - 1):
        bad.append(f"expected every member to revoke at every rebalance (>= {reb} x {members - 1}), got {revoked}")
    if fix_run.kinds["member.revoked"] * 5 > revoked:
        bad.append(f"with the fix (cooperative), expected a fifth of the revocations or fewer, got "
                   f"{fix_run.kinds['member.revoked']} vs {revoked}")
    return bad


def restart_two_rebalances(file_run, fix_run):
    restarts = file_run.restarts()
    bad = []
    if file_run.group["rebalances"] != 2 * restarts:
        bad.append(f"expected two rebalances per restart (2 x {restarts}), got {file_run.group['rebalances']}")
    if fix_run.group["rebalances"]:
        bad.append(f"with the fix (static members), expected 0 rebalances, got {fix_run.group['rebalances']}")
    return bad


def arrivals_rebalance(file_run, fix_run):
    arrivals = len(file_run.of("group.scale"))
    bad = []
    if file_run.group["rebalances"] < 2:
        bad.append(f"expected arrivals after the group formed to rebalance it (of {arrivals} arrivals), got "
                   f"{file_run.group['rebalances']} rebalances")
    if fix_run.group["rebalances"]:
        bad.append(f"with the delay, expected the group formed once (0 rebalances), got {fix_run.group['rebalances']}")
    return bad


def no_coordinator_until_return(file_run, fix_run):
    def first_load_after_kill(run):
        down = run.of("broker.down")[0]
        back = [t["t_us"] for t in run.of("broker.serving") if t["node"] == down["node"] and t["t_us"] > down["t_us"]]
        load = [t["t_us"] for t in run.of("coordinator.load.done") if t["group"] == "billing" and t["t_us"] > down["t_us"]]
        return down["node"], (back or [None])[0], (load or [None])[0]
    bad = []
    node, back, load = first_load_after_kill(file_run)
    if back is None or load is None or load < back:
        bad.append(f"expected no coordinator for billing until {node} returns ({back} us), got one loaded at {load} us")
    node, back, load = first_load_after_kill(fix_run)
    if load is None or (back is not None and load >= back):
        bad.append(f"with 3 replicas, expected a new coordinator before {node} returns ({back} us), got {load} us")
    return bad


# rule: [(corpus args, the fix as one --set, check)]
CHECKS = {
    "session-outside-broker-range": [
        (["java-session-hour.properties"], "events.0.set.session_timeout=45s", refused_members_stop)],
    "broker-rejects-default-session": [
        (["--broker", "server-tight-session.properties"], "cluster.group_max_session_timeout=30m",
         refused_members_stop)],
    "session-near-broker-min": [
        (["java-misspelt-session.properties"], "groups.billing.session_timeout=45s", expelled_after_cut),
        (["rdk-billing.conf"], "groups.billing.session_timeout=45s", expelled_after_cut)],
    "heartbeat-over-third": [
        (["spring-app.yml"], "groups.billing.heartbeat_interval=15s", expelled_after_cut),
        (["java-fast-failover.properties"], "groups.billing.heartbeat_interval=3333ms", expelled_after_cut)],
    "poll-budget": [
        (["java-batch-heavy.properties", "--processing", "20ms"], "groups.billing.max_poll_records=375",
         leaves_on_poll_interval)],
    "poll-interval-long": [
        (["java-ml-scoring.properties"], "groups.billing.max_poll_interval=5m", rebalance_waits_long)],
    "eager-assignor": [
        (["group-assignor-old.properties"], "groups.billing.assignor=cooperative-sticky", eager_revokes_all)],
    "no-static-membership": [
        (["group-assignor-old.properties"], "groups.billing.static=true", restart_two_rebalances)],
    "no-initial-rebalance-delay": [
        (["--broker", "server-dev-in-prod.properties"], "cluster.group_initial_rebalance_delay=3s",
         arrivals_rebalance)],
    "offsets-replication-one": [
        (["--broker", "server-dev-in-prod.properties"], "cluster.offsets_replication=3",
         no_coordinator_until_return)],
}


def main():
    global STORMLAB, SRC, CORPUS, TMP
    STORMLAB, SRC = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    CORPUS = os.path.join(SRC, "tests", "data", "lint", "corpus")
    failures = passed = 0
    with tempfile.TemporaryDirectory() as TMP:
        for rule, cases in CHECKS.items():
            for n, (args, fix, check) in enumerate(cases):
                name = f"{rule} ({' '.join(args)})"
                try:
                    # given a config that triggers the rule
                    found = [f for f in lint(args) if f["rule"] == rule]
                    if not found:
                        raise AssertionError("expected the finding, got none")
                    f = found[0]
                    if not f["rehearse"]:
                        raise AssertionError(f"expected a rehearse command, got none ({f['no_rehearsal']})")
                    # when its rehearse command runs, and again with the fix
                    argv = shlex.split(f["rehearse"])
                    file_run = Run(argv, f"{rule}-{n}")
                    fix_run = Run(with_set(argv, fix), f"{rule}-{n}-fix")
                    # then the run shows what the finding claims, and the fix removes it
                    bad = check(file_run, fix_run)
                except (AssertionError, OSError, ValueError, KeyError, IndexError) as e:
                    bad = [str(e)]
                if bad:
                    failures += 1
                    print(f"FAIL: {name}: " + "; ".join(bad) + f"\n  rehearse: {f['rehearse'] if found else ''}")
                else:
                    passed += 1
        # every finding without a rehearsal says why, and every rule with one is checked above
        offered = set()
        for cfg in sorted(os.listdir(CORPUS)):
            if cfg.endswith(".expect"):
                continue
            args = [cfg]
            with open(os.path.join(CORPUS, cfg + ".expect")) as ef:
                for line in ef:
                    if line.startswith("args:"):
                        args = [cfg if a == "@" else a for a in line[5:].split()]
            for f in lint(args):
                if f["rehearse"]:
                    offered.add(f["rule"])
                elif f["scenario"] or not f["no_rehearsal"] or len(f["no_rehearsal"]) < 20:
                    failures += 1
                    print(f"FAIL: {f['file']}:{f['line']} [{f['rule']}]: expected a rehearsal or a sentence saying "
                          f"why the simulator cannot show it, got scenario={f['scenario']!r}, "
                          f"no_rehearsal={f['no_rehearsal']!r}")
        unchecked = sorted(offered - set(CHECKS))
        if unchecked:
            failures += 1
            print(f"FAIL: rules offering a rehearsal with no check of its effect here: {', '.join(unchecked)}")
    print(f"{passed} rehearsals show their effect; {failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
