"""`helby regress` on the imported example survey against R survey's svyglm, confint and
regTermTest (tests/golden/regress_values.csv, cases ex_*, from scripts/r-golden-regress.R):
per wave, an interaction, the stacked waves, JKn replicates, logistic; its formats; and the
errors a person meets (a logistic response outside [0, 1], a factor with one level, an
unknown variable, a formula's syntax, aliased columns flagged)."""
import csv
import io
import json
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import ROOT, SURVEY, WAVES, main, run  # noqa: E402

GOLDEN = os.path.join(ROOT, "tests", "golden", "regress_values.csv")


def golden(case):
    out = {}
    with open(GOLDEN, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or line.startswith("case;"):
                continue
            c, q, term, v = line.rstrip("\n").split(";")
            if c == case:
                out[(q, term)] = float(v)
    assert out, case
    return out


class Regress(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="helby-cli-")
        cls.db = os.path.join(cls.tmp.name, "test.db")
        run("init", db=cls.db, check=0)
        run("survey", "add", SURVEY, db=cls.db, check=0)
        run("import", "--survey", "copenhagen", *WAVES, db=cls.db, check=0)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def regress(self, *args, check=0):
        return run("regress", "--survey", "copenhagen", *args, db=self.db, check=check)

    def rows(self, *args):
        p = self.regress(*args, "--format", "csv")
        return list(csv.DictReader(io.StringIO(p.stdout), delimiter=";"))

    def assert_matches(self, case, rows, wave, tol):
        g = golden(case)
        n = 0
        for r in rows:
            if r["wave"] != wave:
                continue
            if r["quantity"] == "coef":
                if ("aliased", r["term"]) in g:
                    self.assertEqual(r["flag"], "aliased")
                    self.assertEqual(r["estimate"], "")
                    n += 1
                    continue
                keys = ("estimate", "se", "t", "ci_low", "ci_high", "p")
                for k in keys:
                    want = g[(k, r["term"])]
                    lim = max(tol * abs(want), 1e-15 if k == "p" else 0)
                    self.assertLessEqual(abs(float(r[k]) - want), lim, (case, k, r))
                    n += 1
                self.assertEqual(float(r["df"]), g[("df", "")], r)
            elif r["quantity"] == "wald":
                self.assertAlmostEqual(float(r["estimate"]), g[("wald_F", r["term"])],
                                       delta=tol * g[("wald_F", r["term"])])
                self.assertEqual(float(r["df1"]), g[("wald_df1", r["term"])])
                self.assertEqual(float(r["df"]), g[("wald_df2", r["term"])])
                want = g[("wald_p", r["term"])]
                self.assertLessEqual(abs(float(r["p"]) - want), max(1e3 * tol * want, 1e-15))
                n += 1
            elif r["quantity"] == "dispersion" and "jkn" not in case:
                self.assertLessEqual(abs(float(r["estimate"]) - g[("dispersion", "")]),
                                     tol * g[("dispersion", "")])
        terms = {t for (q, t) in g if q in ("estimate", "aliased")}
        tests = {t for (q, t) in g if q == "wald_F"}
        got = {r["term"] for r in rows if r["wave"] == wave and r["quantity"] == "coef"}
        gotw = {r["term"] for r in rows if r["wave"] == wave and r["quantity"] == "wald"}
        self.assertEqual(got, terms)
        self.assertEqual(gotw, tests)
        self.assertGreater(n, 10)

    def test_linear_per_wave_matches_svyglm(self):
        rows = self.rows("--model", "inclusion ~ group + ageband + sex")
        for w in (2011, 2012, 2013, 2014):
            self.assert_matches("ex_%d_lin" % w, rows, str(w), 1e-8)
        self.assertEqual({r["df_rule"] for r in rows}, {"svyglm"})

    def test_interaction_and_district_match_svyglm(self):
        rows = self.rows("--waves", "2012", "--model", "inclusion ~ group*sex + district")
        self.assert_matches("ex_2012_inter", rows, "2012", 1e-8)

    def test_logistic_share_matches_svyglm_quasibinomial(self):
        rows = self.rows("--waves", "2014", "--family", "logistic", "--model",
                         "share_trust_police ~ group + ageband")
        self.assert_matches("ex_2014_logit", rows, "2014", 1e-7)

    def test_jkn_replicates_match_svyglm_on_svrepdesign(self):
        rows = self.rows("--waves", "2014", "--variance", "jkn", "--model",
                         "inclusion ~ group + ageband + sex")
        self.assert_matches("ex_2014_jkn_lin", rows, "2014", 1e-8)
        rows = self.rows("--waves", "2014", "--variance", "jkn", "--family", "logistic",
                         "--model", "share_trust_police ~ group + ageband")
        self.assert_matches("ex_2014_jkn_logit", rows, "2014", 1e-7)

    def test_stacked_waves_match_svyglm_nested_in_wave(self):
        rows = self.rows("--stacked", "--model", "inclusion ~ group + wave + ageband")
        self.assert_matches("ex_stacked_lin", rows, "stacked", 1e-8)

    def test_raked_weights_use_calibration_residuals_as_r_calibrate(self):
        run("weight", "create", "--survey", "copenhagen", "--name", "raked", "--method", "rake",
            "--waves", "2014", db=self.db, check=0)
        rows = self.rows("--waves", "2014", "--weights", "raked", "--model",
                         "inclusion ~ group + ageband + sex")
        self.assert_matches("ex_2014_raked_lin", rows, "2014", 1e-8)

    def test_df_rule_design_is_stata_and_said_everywhere(self):
        rows = self.rows("--waves", "2014", "--df", "design", "--model", "inclusion ~ group")
        g = golden("ex_2014_lin")
        self.assertEqual({r["df_rule"] for r in rows}, {"design"})
        # svyglm's df is the design df + 1 - 6 coefficients; Stata's is the design df.
        coef = [r for r in rows if r["quantity"] == "coef"]
        self.assertEqual(float(coef[0]["df"]), g[("df", "")] - 1 + 6)
        text = self.regress("--waves", "2014", "--model", "inclusion ~ group").stdout
        self.assertIn("df = design df + 1 - coefficients (as R svyglm)", text.splitlines()[0])
        js = json.loads(self.regress("--waves", "2014", "--df", "design", "--model",
                                     "inclusion ~ group", "--format", "json").stdout)
        self.assertTrue(all(r["df_rule"] == "design" for r in js))
        self.assertEqual(js[0]["term"], "(Intercept)")
        self.assertIsInstance(js[0]["estimate"], float)
        n = [r for r in js if r["quantity"] == "n"][0]
        self.assertGreater(n["estimate"], 2000)

    def test_aliased_column_is_flagged_not_nan(self):
        # group is origin != 1: origin=3 is group=minorities - origin=2, aliased as R does.
        rows = self.rows("--waves", "2014", "--model", "inclusion ~ group + origin")
        coef = {r["term"]: r for r in rows if r["quantity"] == "coef"}
        self.assertEqual(coef["origin=3"]["flag"], "aliased")
        self.assertEqual(coef["origin=3"]["estimate"], "")
        self.assertEqual(coef["origin=2"]["flag"], "")
        self.assertNotIn("nan", self.regress("--waves", "2014", "--model",
                                             "inclusion ~ group + origin").stdout.lower())

    def test_errors_name_what_is_wrong(self):
        # Input errors exit 2, usage errors 1 (helby_status_exit_code).
        p = self.regress("--waves", "2014", "--family", "logistic", "--model",
                         "inclusion ~ group", check=2)
        self.assertIn("inclusion", p.stderr)
        self.assertIn("outside [0, 1]", p.stderr)
        p = self.regress("--waves", "2014", "--model", "inclusion ~ group + wave", check=2)
        self.assertIn("wave 2014", p.stderr)
        self.assertIn("factor 'wave' has one level", p.stderr)
        p = self.regress("--model", "inclusion ~ group + nosuch", check=2)
        self.assertIn("nosuch", p.stderr)
        p = self.regress("--model", "inclusion ~ group +", check=1)
        self.assertIn("column", p.stderr)
        p = self.regress("--model", "nosuch ~ group", check=2)
        self.assertIn("nosuch", p.stderr)
        p = self.regress("--model", "inclusion ~ group", "--family", "probit", check=1)
        self.assertIn("--family", p.stderr)

    def test_help_names_every_option(self):
        out = run("regress", "--help", check=0).stdout
        for o in ("--survey", "--model", "--waves", "--stacked", "--family", "--variance",
                  "--weights", "--replicates", "--seed", "--rho", "--df", "--level",
                  "--format"):
            self.assertIn(o, out)


if __name__ == "__main__":
    main()
