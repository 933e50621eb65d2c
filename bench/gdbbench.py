# gdbbench.py: the measurements `make bench` takes, run inside gdb so that
# only the remote traffic is timed, not gdb's own start-up.  Loaded with
# `gdb -nx -batch -x gdbbench.py` and driven by environment variables:
#   BENCH_TARGET  host:port to connect to
#   BENCH_STEPS   number of stepi (default 2000)
#   BENCH_DUMP    bytes for `dump binary memory` (default 16 MiB)
#   BENCH_T0      wall-clock time (seconds since the epoch) at which the
#                 server was launched, for the launch metric
#   BENCH_OUT     scratch file for the memory dump
#   BENCH_HITS    breakpoint hits to time (default 200)
#   BENCH_BP      address of the breakpoint in the guest's loop
#   BENCH_TRACE   if set, instructions for `monitor trace` (hvdbg only),
#                 logged to BENCH_TRACE_FILE on the server's machine;
#                 prints "bench trace" (the rate GDB's user sees, the
#                 command's round trip included), "bench trace-self" (the
#                 rate from the time hvdbg reports, on its own clock) and
#                 "bench trace1-self" (seconds hvdbg reports for a
#                 `monitor trace 1` right after: the fixed cost of a
#                 command, warm), and "bench trace-path driver" when
#                 hvdbg's reply says the driver stepped (HVDBG_TRACE)
#   BENCH_LAUNCH_ONLY  if set: only the launch metric (boot guests, whose
#                 first stop is all that is compared), then kill
#   BENCH_TRACE_ONLY  if set: only `monitor trace', from the first stop
# Prints lines "bench <metric> <value>" on stdout.
import os
import re
import time

import gdb


def run(cmd):
    return gdb.execute(cmd, to_string=True)


def connect(target, deadline):
    while True:
        try:
            run("target remote " + target)
            return
        except gdb.error as e:
            if time.time() > deadline:
                raise gdb.GdbError("cannot connect to %s: %s" % (target, e))
            time.sleep(0.01)


def main():
    target = os.environ["BENCH_TARGET"]
    steps = int(os.environ.get("BENCH_STEPS", "2000"))
    dump = int(os.environ.get("BENCH_DUMP", str(16 << 20)))
    out = os.environ.get("BENCH_OUT", "/tmp/hvdbg-bench.dump")
    t0 = float(os.environ.get("BENCH_T0", "0")) or time.time()
    run("set pagination off")
    run("set confirm off")
    # A long `monitor trace` is one packet's round trip: GDB's default
    # of 2 s would give up on it on a loaded machine (or under -icount)
    # and take the next reply for this one's.
    run("set remotetimeout 120")
    connect(target, time.time() + 120)
    print("bench launch %.4f" % (time.time() - t0))
    if os.environ.get("BENCH_LAUNCH_ONLY"):
        try:
            run("kill")
        except gdb.error:
            pass
        return
    if os.environ.get("BENCH_TRACE_ONLY"):
        trace_and_kill()
        return
    # Get to the guest's entry, 0x7c00, where a BIOS would put it.
    pc = int(gdb.parse_and_eval("$pc")) & 0xffffffffffffffff
    if pc != 0x7c00:
        run("hbreak *0x7c00")
        run("continue")
        run("delete")
    t = time.time()
    run("stepi %d" % steps)
    dt = time.time() - t
    print("bench stepi %.1f" % (steps / dt))
    t = time.time()
    run("dump binary memory %s 0 %d" % (out, dump))
    print("bench dump %.4f" % (time.time() - t))
    os.unlink(out)
    # Breakpoint hits: a hardware breakpoint in the guest's loop, then
    # one continue per hit, each a round of resume, hit and stop.
    hits = int(os.environ.get("BENCH_HITS", "200"))
    bp = os.environ.get("BENCH_BP", "0x7c08")
    run("hbreak *" + bp)
    run("continue")
    t = time.time()
    for _ in range(hits):
        run("continue")
        pc = int(gdb.parse_and_eval("$pc")) & 0xffffffffffffffff
        if pc != int(bp, 0):
            raise gdb.GdbError("continue stopped at 0x%x, not %s" % (pc, bp))
    print("bench bphits %.1f" % (hits / (time.time() - t)))
    run("delete")
    trace_and_kill()


def trace_secs(reply, n):
    """The seconds hvdbg's reply to `monitor trace N` says it took."""
    m = re.search(r"trace: %d instructions in ([0-9.]+) s" % n, reply)
    if not m or float(m.group(1)) <= 0:
        raise gdb.GdbError("monitor trace: no time in " + reply.strip())
    return float(m.group(1))


def trace_and_kill():
    # Stepping inside hvdbg: GDB's registers are stale afterwards.
    trace = int(os.environ.get("BENCH_TRACE", "0") or "0")
    if trace:
        log = os.environ.get("BENCH_TRACE_FILE", "/tmp/hvdbg-bench-trace.log")
        t = time.time()
        reply = run("monitor trace %d %s" % (trace, log))
        dt = time.time() - t
        if ("traced %d instructions" % trace) not in reply:
            raise gdb.GdbError("monitor trace: " + reply.strip())
        print("bench trace %.1f" % (trace / dt))
        print("bench trace-self %.1f" % (trace / trace_secs(reply, trace)))
        if "stepped in the driver" in reply:
            print("bench trace-path driver")
        reply = run("monitor trace 1 %s" % log)
        print("bench trace1-self %.6f" % trace_secs(reply, 1))
    try:
        run("kill")
    except gdb.error:
        pass


try:
    main()
except Exception as e:
    print("bench error %s" % e)
