"""`helby weight` and `--weights`: the example survey raked to its register margins, wave by
wave, against R survey (rake for the weights, calibrate with the raking distance for the SEs;
tests/golden/copenhagen_raked.csv from scripts/r-golden.R); weight sets in the store and in
runs; and the errors a user meets."""
import csv
import io
import json
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import ROOT, WAVES, StoreCase, main, run, store_fingerprint  # noqa: E402

GOLDEN = os.path.join(ROOT, "tests", "golden", "copenhagen_raked.csv")
GROUP = {"0": "Ethnic Danes", "1": "Ethnic minorities"}
MARGINS = "district,origin,sex*ageband"


def close(a, b):
    return abs(a - b) <= max(1e-8 * abs(b), 1e-10)


class Weight(StoreCase):
    def setUp(self):
        super().setUp()
        run("import", "--survey", "copenhagen", *WAVES, db=self.db, check=0)

    def weight(self, *args, check=0):
        return run("weight", *args, db=self.db, check=check)

    def create(self, *args, check=0, name="raked"):
        return self.weight("create", "--survey", "copenhagen", "--name", name, *args,
                           check=check)

    def test_help_names_export_and_that_replace_keeps_earlier_versions(self):
        h = run("weight", "--help", db=self.db, check=0).stdout
        self.assertIn("helby weight export --survey ID", h)
        self.assertIn("the earlier version\n                       is kept", h)
        self.assertIn("still rerun", h)

    def test_raked_indices_match_r_rake_and_calibrate(self):
        p = self.create("--method", "rake", "--margins", MARGINS)
        self.assertIn("weight set 'raked'", p.stdout)
        for wave in ("2011", "2012", "2013", "2014"):
            self.assertIn("\n" + wave + " ", p.stdout)
        p = run("estimate", "--survey", "copenhagen", "--index", "inclusion,safety", "--by",
                "group,wave", "--weights", "raked", "--format", "csv", "--lang", "en",
                db=self.db, check=0)
        got = {(r["measure"], r["group"], r["wave"]): r
               for r in csv.DictReader(io.StringIO(p.stdout), delimiter=";")}
        with open(GOLDEN, encoding="utf-8") as f:
            self.assertIn("survey 4.1.1", f.readline())
            gold = list(csv.DictReader(f, delimiter=";"))
        self.assertEqual(len(gold), 16)  # 2 indices x 2 groups x 4 waves
        for g in gold:
            r = got[(g["measure"], g["group"], g["wave"])]
            self.assertEqual(r["group_label"], GROUP[g["group"]])
            self.assertTrue(close(float(r["estimate"]), float(g["estimate"])), (r, g))
            self.assertTrue(close(float(r["se"]), float(g["se"])), (r, g))
        # Raking moves the estimates away from the base-weighted ones.
        p = run("estimate", "--survey", "copenhagen", "--index", "inclusion", "--by",
                "group,wave", "--format", "csv", db=self.db, check=0)
        base = [r for r in csv.DictReader(io.StringIO(p.stdout), delimiter=";")]
        self.assertNotEqual(base[0]["estimate"], got[("inclusion", "0", "2011")]
                            ["estimate"])

    def test_compare_with_raked_weights_matches_r_svycontrast(self):
        # Gaps Danes - minorities per wave and their change since 2011 on the raked design,
        # against R (tests/golden/copenhagen_raked_compare.csv: svycontrast of domain totals
        # on calibrate(calfun = "raking"); the change adds the independent waves' variances).
        self.create("--method", "rake", "--margins", MARGINS)
        p = run("compare", "--survey", "copenhagen", "--weights", "raked", "--format", "csv",
                db=self.db, check=0)
        name = {"gap": "gap (Danes - minorities)", "did": "gap change since baseline"}
        got = {(r["measure"], r["wave"], r["quantity"]): r
               for r in csv.DictReader(io.StringIO(p.stdout), delimiter=";")}
        with open(GOLDEN.replace("raked.csv", "raked_compare.csv"), encoding="utf-8") as f:
            self.assertIn("survey 4.1.1", f.readline())
            gold = list(csv.DictReader(f, delimiter=";"))
        self.assertEqual(len(gold), 14)  # 2 indices x (4 gaps + 3 changes)
        for g in gold:
            r = got[(g["measure"], g["wave"], name[g["quantity"]])]
            self.assertTrue(close(float(r["estimate"]), float(g["estimate"])), (r, g))
            self.assertTrue(close(float(r["se"]), float(g["se"])), (r, g))
        p = run("compare", "--survey", "copenhagen", "--weights", "raked", db=self.db,
                check=0)
        self.assertIn("weights: raked", p.stdout)
        p = run("compare", "--survey", "copenhagen", "--weights", "nosuch", db=self.db,
                check=2)
        self.assertIn("nosuch", p.stderr)

    def test_compute_records_the_weight_set_and_reruns_bit_for_bit(self):
        self.create("--margins", MARGINS)
        p = run("compute", "--survey", "copenhagen", "--weights", "raked", db=self.db, check=0)
        self.assertIn("weights=raked", p.stdout)
        self.assertIn("weights/2014=", p.stdout)
        p = run("compute", "--rerun", "1", db=self.db, check=0)
        self.assertIn("reproduced bit for bit", p.stdout)
        first = p.stdout.split("result sha256 ")[1].split()[0]
        # Re-made with other margins under the same name: the old version is kept
        # (schemas/005_weight_versions.sql) and run 1 reruns with it, bit for bit.
        self.create("--margins", "district,origin", "--replace")
        p = run("compute", "--rerun", "1", db=self.db, check=0)
        self.assertIn("reproduced bit for bit", p.stdout)
        self.assertIn(first, p.stdout)
        # A new run uses the new version: other weights, other estimates, and it reruns too.
        p = run("compute", "--survey", "copenhagen", "--weights", "raked", db=self.db, check=0)
        self.assertNotIn(first, p.stdout)
        run("compute", "--rerun", "2", db=self.db, check=0)
        # Each run's report shows the diagnostics of the version it used.
        diag = [[l for l in run("report", "--run", n, "--lang", "en", db=self.db,
                                check=0).stdout.splitlines() if l.startswith("Kish")]
                for n in ("1", "2")]
        self.assertNotEqual(diag[0], diag[1])
        p = self.weight("list", "--survey", "copenhagen")
        self.assertRegex(p.stdout, r"version 1 .*replaced.*runs 1\b")
        self.assertRegex(p.stdout, r"version 2 .*current.*runs 2\b")

    def test_replicate_variance_recalibrates_each_replicate(self):
        self.create("--margins", MARGINS, "--waves", "2014")
        p = run("estimate", "--survey", "copenhagen", "--waves", "2014", "--index", "inclusion",
                "--by", "group", "--weights", "raked", "--variance", "jkn", "--format", "json",
                db=self.db, check=0)
        jk = json.loads(p.stdout)
        p = run("estimate", "--survey", "copenhagen", "--waves", "2014", "--index", "inclusion",
                "--by", "group", "--weights", "raked", "--format", "json", db=self.db, check=0)
        lin = json.loads(p.stdout)
        for a, b in zip(jk, lin):
            # Equal up to the last bits (full precision shows the two code paths' sums).
            self.assertAlmostEqual(a["estimate"], b["estimate"], delta=1e-9 * abs(b["estimate"]))
            # The jackknife of the re-raked estimator and the calibration residuals agree to
            # within a few per cent on 3,000 respondents (both estimate the same variance).
            self.assertLess(abs(a["se"] / b["se"] - 1), 0.1, (a, b))

    def test_list_show_and_json_diagnostics(self):
        self.create("--method", "logit", "--bounds", "0.5,2", "--margins", MARGINS)
        p = self.weight("list", "--survey", "copenhagen")
        self.assertIn("method=logit", p.stdout)
        self.assertIn("bounds=0.5,2", p.stdout)
        p = self.weight("show", "--survey", "copenhagen", "--name", "raked", "--format", "json")
        sets = json.loads(p.stdout)
        self.assertEqual([s["wave"] for s in sets], [2011, 2012, 2013, 2014])
        for s in sets:
            d = s["diagnostics"]
            self.assertLess(d["max_discrepancy"], 1e-9)
            self.assertGreaterEqual(d["g_q0"], 0.5)
            self.assertLessEqual(d["g_q100"], 2)
            self.assertLess(d["kish_n"], d["n"])
            self.assertAlmostEqual(d["deff_w"], d["n"] / d["kish_n"], places=9)
            # The weights add up to the wave's population: the sum of its district totals.
            with open(os.path.join(ROOT, "surveys", "copenhagen", "margins",
                                   "%d.csv" % s["wave"]), encoding="utf-8") as f:
                pop = sum(float(l.split(";")[2]) for l in f if l.startswith("district;"))
            self.assertAlmostEqual(d["sum_weights"], pop, places=3)

    def test_errors_name_the_problem_and_leave_the_store_alone(self):
        before = store_fingerprint(self.db)
        p = self.create("--margins", "district,nope", check=2)
        self.assertIn("margins/2011.csv has no margin 'nope' (it has: district, origin, "
                      "sex*ageband)", p.stderr)
        p = self.create("--method", "poststratify", "--margins", "district,origin", check=1)
        self.assertIn("post-stratification takes one margin", p.stderr)
        p = self.create("--method", "logit", "--margins", MARGINS, check=1)
        self.assertIn("logit calibration needs finite bounds", p.stderr)
        p = self.create("--method", "logit", "--bounds", "0.98,1.02", "--margins", MARGINS,
                        check=4)
        self.assertIn("calibration did not converge", p.stderr)
        p = self.create("--margins", "district,origin,sex*ageband,origin", check=4)
        self.assertIn("margin 'origin' is implied by the margins before it", p.stderr)
        p = self.create("--method", "wrong", check=1)
        self.assertIn("--method: 'wrong'", p.stderr)
        p = self.create("--bounds", "x", check=1)
        self.assertIn("--bounds: expected L,U", p.stderr)
        p = self.weight("create", "--survey", "copenhagen", "--name", "bad name", check=1)
        self.assertIn("must be 1-63 of", p.stderr)
        self.assertEqual(before, store_fingerprint(self.db))
        p = run("compute", "--survey", "copenhagen", "--weights", "nope", db=self.db, check=2)
        self.assertIn("no weight set 'nope' for wave 2011", p.stderr)
        # A weight set exists once per wave: again only with --replace.
        self.create("--margins", MARGINS)
        p = self.create("--margins", MARGINS, check=2)
        self.assertIn("already has wave 2011", p.stderr)

    def test_a_wave_without_margins_is_a_clear_error(self):
        tmp = tempfile.mkdtemp()
        try:
            d = os.path.join(tmp, "cph")
            shutil.copytree(os.path.join(ROOT, "surveys", "copenhagen"), d,
                            ignore=shutil.ignore_patterns("example"))
            os.remove(os.path.join(d, "margins", "2013.csv"))
            run("survey", "add", "--update", d, db=self.db, check=0)
            p = self.create("--margins", MARGINS, check=1)
            self.assertIn("no population totals for wave 2013: add margins/2013.csv", p.stderr)
            # A level the register does not list.
            os.makedirs(os.path.join(d, "margins"), exist_ok=True)
            src = os.path.join(ROOT, "surveys", "copenhagen", "margins", "2013.csv")
            with open(src, encoding="utf-8") as f:
                lines = [l for l in f if not l.startswith("district;10;")]
            with open(os.path.join(d, "margins", "2013.csv"), "w", encoding="utf-8") as f:
                f.writelines(lines)
            run("survey", "add", "--update", d, db=self.db, check=0)
            p = self.create("--margins", "district", "--waves", "2013", check=2)
            self.assertIn("wave 2013: margin 'district':", p.stderr)
            self.assertIn("a level margins/2013.csv does not list", p.stderr)
            self.assertIn("has '10'", p.stderr)
        finally:
            shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
