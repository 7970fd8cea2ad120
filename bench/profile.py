#!/usr/bin/python3
"""profile.py — callgrind over one ticketd run of make bench's workload
(bench/README.md, "Profiling"): instruction counts are repeatable on a
shared machine where wall clocks are not.

  profile.py backlog [N]   ticketd --once over N backlog mails (default
                           1000): ingest and the outbox sent to the sink
  profile.py stdin         one ticketd --stdin run (after 200 backlog
                           mails, so the database is not empty)

Writes callgrind.out.* into DIR (--dir, default bench/profile/) and prints
callgrind_annotate's inclusive top.
"""
import argparse
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402
import mails  # noqa: E402
import harness  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["backlog", "stdin"])
    ap.add_argument("n", type=int, nargs="?", default=1000)
    ap.add_argument("--bin", default=bench.REPO)
    ap.add_argument("--dir", default=os.path.join(HERE, "profile"))
    ap.add_argument("--label", default="run")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--tool", choices=["callgrind", "massif"],
                    default="callgrind",
                    help="massif: the heap over time (ms_print) instead")
    a = ap.parse_args()
    args = argparse.Namespace(bin=a.bin, keep=a.keep, fetchmove=None)
    b = bench.Bench(args)
    os.makedirs(a.dir, exist_ok=True)
    out = os.path.join(os.path.abspath(a.dir), "%s.out.%s-%s" % (
        a.tool, a.what, a.label))
    if a.tool == "massif":
        vg = ["valgrind", "--tool=massif", "--massif-out-file=" + out]
    else:
        vg = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out]
    try:
        b.start()
        n = a.n if a.what == "backlog" else 200
        src = os.path.join(b.tmp, "backlog")
        mails.write_maildir(src, mails.Gen(seed=13).backlog(n))
        b.import_maildir(src, harness.IMAP_USER)
        if a.what == "stdin":
            r = b.ticketd("--once")
            r.wait(600)
            raw, _ = mails.Gen(seed=23, tag="s").new(int(time.time()), k=7000)
            argv = vg + [os.path.join(b.bin, "ticketd"), "-c", b.desk.path,
                         "--stdin"]
            p = subprocess.run(argv, input=raw, capture_output=True,
                               cwd=b.tmp, timeout=600)
        else:
            argv = vg + [os.path.join(b.bin, "ticketd"), "-c", b.desk.path,
                         "--once"]
            p = subprocess.run(argv, capture_output=True, cwd=b.tmp,
                               timeout=3600)
        if p.returncode != 0:
            sys.exit(p.stderr.decode()[-3000:])
        if a.tool == "massif":
            print(out)
            print(subprocess.run(["ms_print", out], capture_output=True,
                                 text=True).stdout[:20000])
            return
        tot = [l for l in p.stderr.decode().splitlines() if "Collected" in l]
        print(out, *tot)
        print(subprocess.run(["callgrind_annotate", "--inclusive=yes", out],
                             capture_output=True, text=True).stdout[:9000])
    finally:
        b.close()


if __name__ == "__main__":
    main()
