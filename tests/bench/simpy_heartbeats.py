#!/usr/bin/env python3
"""SimPy doing the heartbeat-only workload bench_simpy.sh gives stormlab:
MEMBERS consumers, each heartbeating every 3 s (no protocol, no answer, no
records) for SECONDS simulated seconds.  Prints one line:
  simpy VERSION MEMBERS SECONDS EVENTS CPU_SECONDS
Exit 77 when neither SimPy 3/4 (simpy) nor SimPy 2 (SimPy.Simulation, as
Debian's python3-simpy packages it) can be imported."""
import sys
import time

members, seconds = int(sys.argv[1]), float(sys.argv[2])
interval = 3.0
fired = 0

try:
    import simpy

    def member(env, offset):
        global fired
        yield env.timeout(offset)
        while True:
            fired += 1
            yield env.timeout(interval)

    t0 = time.process_time()
    env = simpy.Environment()
    for i in range(members):
        env.process(member(env, interval * i / members))
    env.run(until=seconds)
    version = "simpy " + getattr(simpy, "__version__", "3+")
except ImportError:
    try:
        import SimPy.Simulation as S
    except ImportError:
        print("SimPy is not installed (python3-simpy)", file=sys.stderr)
        sys.exit(77)

    class Member(S.Process):
        def run(self, offset):
            global fired
            yield S.hold, self, offset
            while True:
                fired += 1
                yield S.hold, self, interval

    t0 = time.process_time()
    S.initialize()
    for i in range(members):
        m = Member()
        S.activate(m, m.run(interval * i / members))
    S.simulate(until=seconds)
    version = "SimPy 2"
cpu = time.process_time() - t0
print(version.replace(" ", "-"), members, seconds, fired, "%.3f" % cpu)
