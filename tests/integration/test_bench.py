"""make bench's driver on a few mails: every figure of issue 13 is
measured and written, the table printed. No number is asserted (the
figures are measurements, bench/README.md); this shows that each phase
runs against the binaries under test and that results.json holds a value
for each key."""

import json
import os
import subprocess
import sys
import unittest

from harness import REPO, VALGRIND, DeskTest, bin_dir, build_dir

sys.path.insert(0, os.path.join(REPO, "bench"))
import bench  # noqa: E402  (bench/bench.py: its TARGETS table)


class Bench(DeskTest):

    def test_every_figure_measured(self):
        if VALGRIND:
            self.skipTest("a run of every phase, not under valgrind")
        fetchmove = os.path.join(build_dir(), "bench", "fetchmove")
        if not os.access(fetchmove, os.X_OK):
            self.skipTest("%s not built (make unit)" % fetchmove)
        out = os.path.join(self.tmp, "results.json")
        r = subprocess.run(
            [sys.executable, os.path.join(REPO, "bench", "bench.py"),
             "--bin", bin_dir(), "--fetchmove", fetchmove,
             "--mails", "40", "--samples", "5", "--web-tickets", "300",
             "--web-seconds", "1", "--out", out],
            capture_output=True, text=True, timeout=300)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with open(out) as f:
            res = json.load(f)
        missing = [k for k, *_ in bench.TARGETS if res.get(k) is None]
        self.assertEqual(missing, [], "figures without a value")
        for k in ("nproc", "cpu_model", "date"):
            self.assertTrue(res["machine"].get(k), k)
        self.assertEqual(res["backlog_left_in_inbox"], 0)
        self.assertEqual(res["backlog_in_processed"], 40)
        for _, label, *_ in bench.TARGETS:
            self.assertIn(label, r.stdout)


if __name__ == "__main__":
    unittest.main()
