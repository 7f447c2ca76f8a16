"""helby explain on the example against R (tests/golden/explain_values.csv, written by
scripts/r-golden-explain.R: svystandardize, svypredmeans and the Oaxaca-Blinder decomposition
under linearization and JKn) to 1e-8; the raw gap is helby compare's; changes since the
baseline add the waves' variances with Satterthwaite df; CSV and JSON carry the same rows;
--standard pooled agrees with R; a survey without standard.csv is told so and the rest
stands; mistakes are usage errors."""
import csv
import io
import json
import math
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import ROOT, SURVEY, WAVES, StoreCase, main, run  # noqa: E402

GOLDEN = os.path.join(ROOT, "tests", "golden", "explain_values.csv")


def rows(text):
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def golden(case):
    with open(GOLDEN, encoding="utf-8") as f:
        lines = [x for x in f if not x.startswith("#")]
    return [r for r in csv.DictReader(lines, delimiter=";") if r["case"] == case]


def rel(a, b):
    return abs(a - b) / max(abs(b), 1e-300)


class Explain(StoreCase):
    def setUp(self):
        super().setUp()
        run("import", "--survey", "copenhagen", *WAVES, db=self.db, check=0)

    def explain(self, *args, check=0):
        return run("explain", "--survey", "copenhagen", "--measure", "inclusion",
                   "--covariates", "ageband,sex", "--waves", "2011,2014", *args, db=self.db,
                   check=check)

    def check_against_r(self, variance, case, *more, n=13):
        got = {(r["wave"], r["quantity"], r["term"]): r
               for r in rows(self.explain("--variance", variance, "--format", "csv",
                                          *more).stdout)
               if r["baseline"] == ""}
        want = golden(case)
        self.assertEqual(len(want), 2 * n)
        worst = 0
        for g in want:
            r = got[(g["wave"], g["quantity"], g["term"])]
            for k in ("estimate", "se"):
                d = rel(float(r[k]), float(g[k]))
                worst = max(worst, d)
                self.assertLess(d, 1e-8, (case, g["wave"], g["quantity"], g["term"], k))
        print("%s: max rel. diff %.3g" % (case, worst))

    def test_linearization_agrees_with_r(self):
        self.check_against_r("linearization", "example_lin")

    def test_jkn_agrees_with_r(self):
        self.check_against_r("jkn", "example_jkn")

    def test_pooled_standard_agrees_with_r(self):
        self.check_against_r("linearization", "example_pooled_lin", "--standard", "pooled", n=3)
        self.check_against_r("jkn", "example_pooled_jkn", "--standard", "pooled", n=3)

    def test_raked_weights_carry_the_calibration_residuals_and_replicates_as_r(self):
        run("weight", "create", "--survey", "copenhagen", "--name", "raked", "--method", "rake",
            "--waves", "2014", db=self.db, check=0)
        for variance, case in (("linearization", "example_raked_lin"),
                               ("jkn", "example_raked_jkn")):
            got = {(r["quantity"], r["term"]): r for r in rows(run(
                "explain", "--survey", "copenhagen", "--measure", "inclusion", "--covariates",
                "ageband,sex", "--waves", "2014", "--weights", "raked", "--no-standard",
                "--variance", variance, "--format", "csv", db=self.db, check=0).stdout)}
            want = golden(case)
            self.assertEqual(len(want), 10)
            for g in want:
                r = got[(g["quantity"], g["term"])]
                for k in ("estimate", "se"):
                    self.assertLess(rel(float(r[k]), float(g[k])), 1e-8, (case, g["quantity"], k))

    def test_a_covariate_with_missing_codes_leaves_rows_out_as_r(self):
        got = {(r["quantity"], r["term"]): r for r in rows(run(
            "explain", "--survey", "copenhagen", "--measure", "inclusion", "--covariates",
            "sex,tillid_kommune", "--waves", "2014", "--standard", "pooled", "--format", "csv",
            db=self.db, check=0).stdout)}
        want = golden("example_missing_lin")
        self.assertEqual(len(want), 13)
        for g in want:
            r = got[(g["quantity"], {"kommune": "tillid_kommune"}.get(g["term"], g["term"]))]
            for k in ("estimate", "se"):
                self.assertLess(rel(float(r[k]), float(g[k])), 1e-8, (g["quantity"], k))

    def test_raw_gap_is_compares_and_changes_add_variances(self):
        out = rows(self.explain("--format", "csv").stdout)
        cmp = rows(run("compare", "--survey", "copenhagen", "--measure", "inclusion",
                       "--waves", "2011,2014", "--format", "csv", db=self.db, check=0).stdout)
        by = {(r["wave"], r["quantity"], r["term"], r["baseline"]): r for r in out}
        for wave in ("2011", "2014"):
            gap = [r for r in cmp if r["wave"] == wave and r["quantity"].startswith("gap ")][0]
            mine = by[(wave, "raw_gap", "", "")]
            # The example's covariates are never missing: the same respondents as compare.
            self.assertLess(rel(float(mine["estimate"]), float(gap["estimate"])), 1e-12)
            self.assertLess(rel(float(mine["se"]), float(gap["se"])), 1e-12)
            e, u = by[(wave, "explained", "total", "")], by[(wave, "unexplained", "", "")]
            parts = sum(float(by[(wave, "explained", t, "")]["estimate"]) for t in ("ageband",
                                                                                   "sex"))
            self.assertAlmostEqual(float(e["estimate"]) + float(u["estimate"]),
                                   float(mine["estimate"]), places=10)
            self.assertAlmostEqual(parts, float(e["estimate"]), places=10)
        self.assertFalse(any(r["baseline"] for r in out if r["wave"] == "2011"))
        for q, t in (("raw_gap", ""), ("explained", "total"), ("explained", "ageband"),
                     ("std_gap", ""), ("adj_gap", ""), ("unexplained", "")):
            a, b = by[("2014", q, t, "")], by[("2011", q, t, "")]
            c = by[("2014", "change_" + q, t, "2011")]
            va, vb = float(a["se"]) ** 2, float(b["se"]) ** 2
            self.assertLess(rel(float(c["estimate"]), float(a["estimate"]) - float(b["estimate"])),
                            1e-12)
            self.assertLess(rel(float(c["se"]), math.sqrt(va + vb)), 1e-12)
            sat = (va + vb) ** 2 / (va * va / float(a["df"]) + vb * vb / float(b["df"]))
            self.assertLess(rel(float(c["df"]), sat), 1e-12)
        js = json.loads(self.explain("--format", "json").stdout)
        self.assertEqual(len(js), len(out))
        self.assertEqual(js[0]["quantity"], out[0]["quantity"])

    def test_text_says_it_in_words(self):
        text = self.explain().stdout
        self.assertIn("Of the gap of", text)
        self.assertIn("explained by the composition by ageband and sex (95 % CI", text)
        # Both waves' explained parts have CIs that cover zero (checked in the CSV): no
        # direction is claimed for them.
        for r in rows(self.explain("--format", "csv").stdout):
            if r["quantity"] == "explained" and r["term"] == "total" and not r["baseline"]:
                self.assertLess(float(r["ci_low"]), 0)
                self.assertGreater(float(r["ci_high"]), 0)
        self.assertEqual(text.count("not distinguishable from zero at this level"), 2)
        self.assertNotIn("works against the gap", text)
        self.assertIn("Since 2011 the gap changed by", text)
        self.assertNotIn("nan", text)
        # A reversed gap is said to be reversed, never a percentage; small numbers keep digits.
        text = run("explain", "--survey", "copenhagen", "--measure", "share_discriminated",
                   "--covariates", "ageband,sex", "--waves", "2014", db=self.db, check=0).stdout
        self.assertIn("The gap is reversed: minorities score 0.097 points above", text)
        self.assertNotIn("%,", text)
        self.assertNotIn(" 0.00 ", text)

    def test_without_standard_csv_it_says_so(self):
        d = os.path.join(self.tmp.name, "nostd")
        shutil.copytree(SURVEY, d, ignore=shutil.ignore_patterns("example", "standard.csv"))
        ini = os.path.join(d, "survey.ini")
        with open(ini, encoding="utf-8") as f:
            text = f.read().replace("id = copenhagen\n", "id = nostd\n")
        with open(ini, "w", encoding="utf-8") as f:
            f.write(text)
        run("survey", "add", d, db=self.db, check=0)
        run("import", "--survey", "nostd", WAVES[0], db=self.db, check=0)
        p = run("explain", "--survey", "nostd", "--measure", "inclusion", "--covariates",
                "ageband,sex", "--format", "csv", db=self.db, check=0)
        self.assertIn("survey nostd has no standard.csv", p.stderr)
        self.assertEqual([r["estimate"] for r in rows(p.stdout) if r["quantity"] == "std_gap"],
                         [""])
        self.assertNotEqual([r for r in rows(p.stdout) if r["quantity"] == "adj_gap"][0]
                            ["estimate"], "")
        p = run("explain", "--survey", "nostd", "--measure", "inclusion", "--covariates",
                "ageband,sex", "--standard", "pooled", "--format", "csv", db=self.db, check=0)
        self.assertNotIn("standard.csv", p.stderr)
        self.assertNotEqual([r for r in rows(p.stdout) if r["quantity"] == "std_gap"][0]
                            ["estimate"], "")
        p = run("explain", "--survey", "nostd", "--measure", "inclusion", "--covariates",
                "ageband,sex", "--no-standard", "--format", "csv", db=self.db, check=0)
        std = [r for r in rows(p.stdout) if r["quantity"] == "std_gap"]
        self.assertEqual(std[0]["estimate"], "")
        adj = [r for r in rows(p.stdout) if r["quantity"] == "adj_gap"]
        self.assertNotEqual(adj[0]["estimate"], "")

    def test_a_covariate_the_standard_lacks_and_mistakes(self):
        p = self.explain("--covariates", "district")
        self.assertIn("standard.csv has no column district", p.stdout)
        self.assertIn("no standardised means", p.stdout)
        p = self.explain("--covariates", "district", "--no-standard", "--format", "csv")
        self.assertTrue(any(r["term"] == "district" for r in rows(p.stdout)))
        self.assertEqual(self.explain("--covariates", "nosuch", check=None).returncode, 2)
        self.assertEqual(self.explain("--baseline", "1999", check=None).returncode, 1)
        self.assertEqual(self.explain("--variance", "magic", check=None).returncode, 1)
        self.assertEqual(self.explain("--standard", "magic", check=None).returncode, 1)
        p = run("explain", "--survey", "copenhagen", db=self.db)
        self.assertEqual(p.returncode, 1)
        self.assertIn("--covariates", p.stderr)
        self.assertIn("--covariates", run("explain", "--help").stdout)


if __name__ == "__main__":
    main()
