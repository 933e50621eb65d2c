# gdbbench.py: the measurements `make bench` takes, run inside gdb so that
# only the remote traffic is timed, not gdb's own start-up.  Loaded with
# `gdb -nx -batch -x gdbbench.py` and driven by environment variables:
#   BENCH_TARGET  host:port to connect to
#   BENCH_STEPS   number of stepi (default 2000)
#   BENCH_DUMP    bytes for `dump binary memory` (default 16 MiB)
#   BENCH_T0      wall-clock time (seconds since the epoch) at which the
#                 server was launched, for the launch metric
#   BENCH_OUT     scratch file for the memory dump
#   BENCH_LAUNCH_ONLY  if set: only the launch metric (boot guests, whose
#                 first stop is all that is compared), then kill
# Prints lines "bench <metric> <value>" on stdout.
import os
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
    connect(target, time.time() + 120)
    print("bench launch %.4f" % (time.time() - t0))
    if os.environ.get("BENCH_LAUNCH_ONLY"):
        try:
            run("kill")
        except gdb.error:
            pass
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
    try:
        run("kill")
    except gdb.error:
        pass


try:
    main()
except Exception as e:
    print("bench error %s" % e)
