"""helby sensitivity on the example: the reference construction is helby compare's goal, bit
for bit; a seed reproduces its scenarios; CSV and JSON carry the same rows; mistakes are
usage errors."""
import csv
import io
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import WAVES, StoreCase, main, run  # noqa: E402


def rows(text):
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


class Sensitivity(StoreCase):
    def setUp(self):
        super().setUp()
        run("import", "--survey", "copenhagen", *WAVES, db=self.db, check=0)

    def sens(self, *args):
        return run("sensitivity", "--survey", "copenhagen", *args, db=self.db, check=0).stdout

    def test_reference_is_compares_goal_and_a_seed_reproduces_its_scenarios(self):
        out = self.sens("--scenarios", "16", "--format", "csv")
        cmp = rows(run("compare", "--survey", "copenhagen", "--format", "csv", db=self.db,
                       check=0).stdout)
        for goal in ("goal4", "goal6"):
            ref = [r for r in rows(out) if r["goal"] == goal and r["quantity"] == "reference"]
            want = [r for r in cmp if r["quantity"].startswith(goal + " ")]
            self.assertEqual(len(ref), 1)
            self.assertEqual(len(want), 1)
            # CSV numbers are the shortest exact form: equal text is equal bits.
            self.assertEqual((ref[0]["estimate"], ref[0]["low"], ref[0]["high"]),
                             (want[0]["estimate"], want[0]["ci_low"], want[0]["ci_high"]))
            self.assertEqual(ref[0]["flag"], want[0]["quantity"].split(" ", 1)[1])
            shares = [float(r["estimate"]) for r in rows(out)
                      if r["goal"] == goal and r["quantity"] == "share"]
            self.assertAlmostEqual(sum(shares), 1.0, places=12)
        self.assertEqual(out, self.sens("--scenarios", "16", "--format", "csv"))
        other = self.sens("--scenarios", "16", "--seed", "2", "--format", "csv")
        self.assertNotEqual(out, other)
        js = json.loads(self.sens("--scenarios", "16", "--format", "json"))
        self.assertEqual(len(js), len(rows(out)))
        text = self.sens("--scenarios", "16")
        self.assertIn("== inclusion: 6 choices, N = 16 (128 constructions scored", text)
        self.assertIn("district ranks on inclusion in 2014", text)

    def test_a_run_stores_the_analysis_and_reruns_it_bit_for_bit(self):
        p = run("compute", "--survey", "copenhagen", "--sensitivity", "8", "--seed", "3",
                db=self.db, check=0)
        self.assertIn("sensitivity=8;sens_boot=1000, seed 3", p.stdout)
        p = run("compute", "--rerun", "1", db=self.db, check=0)
        self.assertIn("reproduced bit for bit", p.stdout)
        stored = {(r["measure"], r["domain"]): r for r in rows(
            run("runs", "show", "1", "--format", "csv", db=self.db, check=0).stdout)}
        live = rows(self.sens("--scenarios", "8", "--seed", "3", "--format", "csv"))
        for r in live:
            if r["quantity"] in ("reference", "scenarios", "first_order", "total"):
                dom = "sensitivity=%s,quantity=%s" % (r["goal"], r["quantity"])
                if r["choice"]:
                    dom += ",choice=" + r["choice"]
                s = stored[(r["index"], dom)]
                self.assertEqual((s["estimate"], s["ci_low"], s["ci_high"]),
                                 (r["estimate"], r["low"], r["high"]))
        ranks = [k for k in stored if k[1].startswith("sensitivity=rank,wave=2014,")]
        self.assertEqual(len(ranks), 20)  # ten districts, two indices
        run("compute", "--survey", "copenhagen", "--sensitivity", "1", db=self.db, check=1)

    def test_mistakes(self):
        for args in (["--scenarios", "1"], ["--scenarios", "x"], ["--format", "xml"],
                     ["--variance", "magic"], ["extra"]):
            p = run("sensitivity", "--survey", "copenhagen", *args, db=self.db, check=1)
            self.assertIn("sensitivity", p.stderr)
        run("sensitivity", db=self.db, check=1)


if __name__ == "__main__":
    main()
