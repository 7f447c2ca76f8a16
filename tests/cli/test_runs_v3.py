"""Runs made by an earlier engine (tests/data/runs_v3, made by commit 4191b55 with
scripts/make-runs-v3-fixture) rerun with this one: they are method 1 (the waves stacked in
one design), which this engine still computes, so linearization, weighted and bootstrap runs
reproduce bit for bit. Their jackknife runs differ in the last bits only (the jackknife now
sums PSU totals instead of a P x R weight matrix): the rerun says so, with the largest
relative difference. A new run is method 2 (one design per wave): the same estimates, the same
linearization SEs, each wave's own df."""
import re
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
# The runs of the fixture as its README lists them: id, survey, options given to compute,
# and whether this engine reproduces them bit for bit (the jackknife: to the last bits).
RUNS = [
    (1, "copenhagen", [], True),
    (2, "copenhagen", ["--variance", "jkn"], False),
    (3, "copenhagen", ["--weights", "raked"], True),
    (4, "copenhagen", ["--weights", "raked", "--variance", "jkn"], True),  # re-calibrated
    (5, "copenhagen_nofpc", ["--variance", "bootstrap", "--replicates", "50", "--seed", "7"],
     True),
    (6, "copenhagen", ["--variance", "jkn", "--level", "0.9"], False),
]


class RunsOfAnEarlierEngine(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="helby-cli-")
        self.db = os.path.join(self.tmp.name, "store.db")
        shutil.copyfile(FIXTURE, self.db)

    def tearDown(self):
        self.tmp.cleanup()

    def test_every_run_of_the_earlier_engine_reruns(self):
        listing = run("runs", "list", db=self.db, check=0).stdout
        self.assertEqual(len(listing.strip().splitlines()), len(RUNS), listing)  # a line each
        for rid, _, _, bits in RUNS:
            p = run("compute", "--rerun", str(rid), db=self.db, check=0 if bits else 4)
            self.assertIn("engine: run 0.1.0, now 0.2.0", p.stdout)
            if bits:
                self.assertIn("reproduced bit for bit: 483 estimates", p.stdout)
                continue
            m = re.search(r"largest relative difference ([0-9.e+-]+)", p.stdout)
            self.assertIsNotNone(m, p.stdout)
            self.assertLess(float(m.group(1)), 1e-10, p.stdout)

    def test_a_new_run_has_the_same_estimates_and_each_waves_df(self):
        for rid, survey, args, _ in RUNS:
            p = run("compute", "--survey", survey, *args, db=self.db, check=0)
            self.assertIn("method=2;", p.stdout)
        con = sqlite3.connect(self.db)
        for rid, _, _, _ in RUNS:
            nid = rid + len(RUNS)
            old = {(r[0], r[1]): r[2:] for r in con.execute(
                "SELECT measure, domain, estimate, se, df FROM run_estimate WHERE run_id = ?",
                (rid,))}
            new = {(r[0], r[1]): r[2:] for r in con.execute(
                "SELECT measure, domain, estimate, se, df FROM run_estimate WHERE run_id = ?",
                (nid,))}
            checked = 0
            for key, (est, se, df) in old.items():
                if "quantity" in key[1] or "goal" in key[1] or "reliability" in key[1]:
                    continue  # comparisons now take Satterthwaite df across waves
                n_est, n_se, n_df = new[key]
                if est is None:
                    self.assertIsNone(n_est, key)
                    continue
                self.assertLess(abs(n_est - est), 1e-12 * abs(est) + 1e-15, key)
                if rid in (1, 3):
                    # Linearization: a wave's SE is the same alone or stacked. (Replicates
                    # differ on purpose: each wave's own centre and bootstrap stream.)
                    self.assertLess(abs(n_se - se), 1e-9 * se, key)
                # each wave's own df (PSUs - strata of the wave), not both waves'
                if rid in (1, 3):
                    self.assertLess(n_df, df, key)
                checked += 1
            self.assertGreater(checked, 100)
        con.close()

    def test_a_changed_estimate_is_caught(self):
        # The check can fail: one stored number nudged by one ulp no longer reproduces.
        con = sqlite3.connect(self.db)
        (est,) = con.execute("SELECT estimate FROM run_estimate WHERE run_id = 1 AND "
                             "position = 0").fetchone()
        con.execute("UPDATE run_estimate SET estimate = ? WHERE run_id = 1 AND position = 0",
                    (est + abs(est) * 2.0 ** -52,))
        con.commit()
        con.close()
        p = run("compute", "--rerun", "1", db=self.db, check=4)
        self.assertIn("NOT reproduced: 1 of 483 estimates differ", p.stdout)


if __name__ == "__main__":
    main()
