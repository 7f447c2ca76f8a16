"""Runs made by an earlier engine (tests/data/runs_v3, made by commit 4191b55 with
scripts/make-runs-v3-fixture) rerun bit for bit with this one, and a new run with the same
options is the same run: rows, order, result hash and options text."""
import os
import shutil
import sqlite3
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import ROOT, main, run  # noqa: E402

FIXTURE = os.path.join(ROOT, "tests", "data", "runs_v3", "store.db")

# The runs of the fixture as its README lists them: id, survey, options given to compute.
RUNS = [
    (1, "copenhagen", []),
    (2, "copenhagen", ["--variance", "jkn"]),
    (3, "copenhagen", ["--weights", "raked"]),
    (4, "copenhagen", ["--weights", "raked", "--variance", "jkn"]),
    (5, "copenhagen_nofpc", ["--variance", "bootstrap", "--replicates", "50", "--seed", "7"]),
    (6, "copenhagen", ["--variance", "jkn", "--level", "0.9"]),
]


class RunsOfAnEarlierEngine(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="helby-cli-")
        self.db = os.path.join(self.tmp.name, "store.db")
        shutil.copyfile(FIXTURE, self.db)

    def tearDown(self):
        self.tmp.cleanup()

    def test_every_run_of_the_earlier_engine_reruns_bit_for_bit(self):
        listing = run("runs", "list", db=self.db, check=0).stdout
        self.assertEqual(len(listing.strip().splitlines()), 1 + len(RUNS), listing)
        for rid, _, _ in RUNS:
            p = run("compute", "--rerun", str(rid), db=self.db, check=0)
            self.assertIn("reproduced bit for bit: 483 estimates", p.stdout)

    def test_a_new_run_with_the_same_options_is_the_same_run(self):
        con = sqlite3.connect(FIXTURE)
        old = {r[0]: r[1:] for r in con.execute(
            "SELECT id, options, seed, result_hash FROM run")}
        con.close()
        for rid, survey, args in RUNS:
            run("compute", "--survey", survey, *args, db=self.db, check=0)
        con = sqlite3.connect(self.db)
        new = [r for r in con.execute(
            "SELECT id, options, seed, result_hash FROM run WHERE id > ? ORDER BY id",
            (len(RUNS),))]
        con.close()
        self.assertEqual(len(new), len(RUNS))
        for (rid, _, _), (nid, *rest) in zip(RUNS, new):
            self.assertEqual(tuple(rest), old[rid], "run %d vs new run %d" % (rid, nid))
            d = run("runs", "diff", str(rid), str(nid), db=self.db, check=0).stdout
            self.assertIn("all 483 estimates identical", d)
            self.assertNotIn("options:", d)


    def test_a_changed_estimate_is_caught(self):
        # The check can fail: one stored number nudged by one ulp no longer reproduces.
        con = sqlite3.connect(self.db)
        (est,) = con.execute("SELECT estimate FROM run_estimate WHERE run_id = 2 AND "
                             "position = 0").fetchone()
        con.execute("UPDATE run_estimate SET estimate = ? WHERE run_id = 2 AND position = 0",
                    (est + abs(est) * 2.0 ** -52,))
        con.commit()
        con.close()
        p = run("compute", "--rerun", "2", db=self.db, check=4)
        self.assertIn("NOT reproduced: 1 of 483 estimates differ", p.stdout)


if __name__ == "__main__":
    main()
