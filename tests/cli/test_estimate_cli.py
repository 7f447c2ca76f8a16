"""`helby estimate` on the imported example survey against R survey (svyby on the same files;
tests/golden/copenhagen_estimate.csv from scripts/r-golden.R), and its output formats."""
import csv
import io
import json
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import ROOT, SURVEY, WAVES, StoreCase, main, run  # noqa: E402

GOLDEN = os.path.join(ROOT, "tests", "golden", "copenhagen_estimate.csv")
GROUP = {"0": "Ethnic Danes", "1": "Ethnic minorities"}


def close(a, b):
    return abs(a - b) <= max(1e-8 * abs(b), 1e-10)


class Estimate(StoreCase):
    def setUp(self):
        super().setUp()
        run("import", "--survey", "copenhagen", *WAVES, db=self.db, check=0)

    def estimate(self, *args, check=0):
        return run("estimate", "--survey", "copenhagen", *args, db=self.db, check=check)

    def test_means_shares_and_indices_by_group_and_wave_match_r_svyby(self):
        p = self.estimate("--var", "tillid_politi", "--share", "share_discriminated",
                          "--index", "inclusion,safety,trust",
                          "--by", "group,wave", "--format", "csv", "--lang", "en")
        got = {(r["measure"], r["group"], r["wave"]): r
               for r in csv.DictReader(io.StringIO(p.stdout), delimiter=";")}
        with open(GOLDEN, encoding="utf-8") as f:
            header = f.readline()
            self.assertIn("survey 4.1.1", header)
            # "df per wave 720,720,720,720": R's degf on each wave alone
            dfw = header.split("df per wave ")[1].split(";")[0].split(",")
            df = dict(zip(("2011", "2012", "2013", "2014"), dfw))
            gold = list(csv.DictReader(f, delimiter=";"))
        self.assertEqual(len(gold), 40)  # 5 measures x 2 groups x 4 waves
        for g in gold:
            # Domain columns carry the code (group 0/1 as in R's file) beside the label.
            r = got[(g["measure"], g["group"], g["wave"])]
            self.assertEqual(r["group_label"], GROUP[g["group"]])
            self.assertEqual(r["wave_label"], g["wave"])
            self.assertTrue(close(float(r["estimate"]), float(g["estimate"])), (r, g))
            self.assertTrue(close(float(r["se"]), float(g["se"])), (r, g))
            # Waves are independent samples: the wave's own df, as R degf on the wave alone
            self.assertEqual(r["df"], df[g["wave"]])

    def test_change_between_two_waves_and_its_test_match_r(self):
        """--change W0:W1: each wave its own design, SE^2 the sum of the waves', Welch df,
        t CI, t and p (scripts/r-golden-change.R), for a mean and a share, by group and for
        all; 'significant' exactly when the CI excludes 0."""
        gold = {}
        with open(os.path.join(ROOT, "tests", "golden", "copenhagen_changes.csv"),
                  encoding="utf-8") as f:
            f.readline()
            for g in csv.DictReader(f, delimiter=";"):
                gold[(g["measure"], g["group"], g["from"], g["wave"])] = g
        checked = 0
        for w0, w1 in (("2011", "2014"), ("2013", "2014"), ("2011", "2012")):
            for by, groups in ((("--by", "group"), {"0": "danes", "1": "minorities"}),
                               ((), {None: "all"})):
                p = self.estimate("--index", "safety", "--share", "share_discriminated", *by,
                                  "--change", w0 + ":" + w1, "--format", "csv")
                rows = list(csv.DictReader(io.StringIO(p.stdout), delimiter=";"))
                self.assertEqual(len(rows), 2 * len(groups))
                for r in rows:
                    self.assertNotIn("wave", r)
                    self.assertEqual((r["from"], r["to"]), (w0, w1))
                    g = gold[(r["measure"], groups[r.get("group")], w0, w1)]
                    for k in ("estimate", "se", "df", "ci_low", "ci_high", "t", "p"):
                        self.assertTrue(close(float(r[k]), float(g[k])), (k, r, g))
                    sig = float(g["ci_low"]) > 0 or float(g["ci_high"]) < 0
                    self.assertEqual(r["flag"], "significant" if sig else "", r)
                    checked += 1
        self.assertEqual(checked, 3 * (4 + 2))
        text = self.estimate("--index", "safety", "--change", "2011:2014").stdout
        self.assertIn("changes 2011 -> 2014: waves are independent samples", text)
        self.assertIn("significant", text)
        for bad in ("2011", "2011:2011", "2011:x", ":2014"):
            p = self.estimate("--index", "safety", "--change", bad, check=None)
            self.assertEqual(p.returncode, 1, bad)
            self.assertIn("--change needs two different waves", p.stderr)
        p = self.estimate("--index", "safety", "--change", "2011:2019", check=None)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("--change 2011:2019", p.stderr)

    def test_share_df_domain_is_the_default_and_design_keeps_the_waves(self):
        """A share's CI on a domain on its own df (R's svyby of svyciprop, checked against R in
        tests/unit/test_share_df.c) by default; --share-df design moves the CIs only."""
        def rows(*extra):
            p = self.estimate("--share", "share_discriminated", "--by", "district,wave",
                              "--format", "csv", *extra)
            return {(r["district"], r["wave"]): r
                    for r in csv.DictReader(io.StringIO(p.stdout), delimiter=";")}
        dom, des, dflt = rows("--share-df", "domain"), rows("--share-df", "design"), rows()
        self.assertEqual(dom, dflt)
        self.assertEqual(dom.keys(), des.keys())
        moved = 0
        for k, r in dom.items():
            for c in ("estimate", "se", "df", "n"):
                self.assertEqual(r[c], des[k][c])
            moved += r["ci_low"] != des[k]["ci_low"]
        self.assertGreater(moved, 0)
        p = self.estimate("--share", "share_discriminated", "--share-df", "wave", check=1)
        self.assertIn("--share-df must be domain or design, not 'wave'", p.stderr)

    def test_json_output_parses_and_has_the_documented_fields(self):
        p = self.estimate("--share", "share_trust_police", "--by", "district", "--format",
                          "json")
        rows = json.loads(p.stdout)
        self.assertEqual(len(rows), 10)
        for k in ("measure", "district", "district_label", "estimate", "se", "ci_low",
                  "ci_high", "df", "n", "deff", "flag"):
            self.assertIn(k, rows[0])
        self.assertIn("Østerbro", [r["district_label"] for r in rows])
        self.assertEqual([r["district"] for r in rows], list(range(1, 11)))
        for r in rows:
            self.assertLess(r["ci_low"], r["estimate"])
            self.assertLess(r["estimate"], r["ci_high"])

    def test_small_cells_are_suppressed(self):
        # District x origin x wave cells hold 50-140 respondents: a threshold of 100 hides some.
        p = self.estimate("--share", "share_discriminated", "--by", "district,origin,wave",
                          "--format", "csv", "--min-cell", "100")
        rows = list(csv.DictReader(io.StringIO(p.stdout), delimiter=";"))
        self.assertEqual(len(rows), 120)
        small = [r for r in rows if int(r["n"]) < 100]
        self.assertTrue(all(r["flag"] != "suppressed" for r in rows if int(r["n"]) >= 100))
        self.assertTrue(small)
        for r in small:
            self.assertEqual(r["flag"], "suppressed")
            self.assertEqual(r["estimate"], "")
            self.assertEqual(r["se"], "")

    def test_replicate_variance_is_available(self):
        p = self.estimate("--var", "tryg_kvarter", "--by", "group", "--variance", "jkn",
                          "--format", "csv")
        rows = list(csv.DictReader(io.StringIO(p.stdout), delimiter=";"))
        self.assertEqual(len(rows), 2)
        lin = self.estimate("--var", "tryg_kvarter", "--by", "group", "--format", "csv")
        lrows = list(csv.DictReader(io.StringIO(lin.stdout), delimiter=";"))
        for a, b in zip(rows, lrows):
            # The same full-sample estimate; at full precision the two code paths' sums
            # differ in the last bits.
            self.assertTrue(close(float(a["estimate"]), float(b["estimate"])), (a, b))
            ratio = float(a["se"]) / float(b["se"])
            self.assertTrue(0.9 < ratio < 1.1, ratio)  # JKn and linearization agree closely

    def compare(self, *args):
        p = run("compare", "--survey", "copenhagen", "--format", "csv", *args, db=self.db,
                check=0)
        return {(r["measure"], r["wave"], r["quantity"]): r
                for r in csv.DictReader(io.StringIO(p.stdout), delimiter=";")}

    def test_gap_change_and_goal_quantities_match_r_svycontrast(self):
        got = self.compare()
        names = {"gap": "gap (Danes - minorities)", "ratio": "ratio (minorities / Danes)",
                 "gap_change": "gap change since baseline",
                 "rel_gap_change": "relative gap change (share)"}
        gold_path = os.path.join(ROOT, "tests", "golden", "copenhagen_compare.csv")
        with open(gold_path, encoding="utf-8") as f:
            f.readline()
            gold = list(csv.DictReader(f, delimiter=";"))
        self.assertEqual(len(gold), 5)
        for g in gold:
            if g["quantity"] == "change_all":
                r = got[("safety", "2014", "goal6 met")]
            else:
                r = got[(g["measure"], g["wave"], names[g["quantity"]])]
            self.assertTrue(close(float(r["estimate"]), float(g["estimate"])), (r, g))
            self.assertTrue(close(float(r["se"]), float(g["se"])), (r, g))

    def test_verdict_follows_the_ci_rule_and_x_can_be_overridden(self):
        # Relative gap reduction 2011->2014: 45.7 %, 95 % CI about [29.6, 61.8] %.
        verdict = lambda got: [k[2] for k in got if k[2].startswith("goal4")][0]
        self.assertEqual(verdict(self.compare()), "goal4 met")            # X = 10 %
        self.assertEqual(verdict(self.compare("--x", "40")), "goal4 inconclusive")
        self.assertEqual(verdict(self.compare("--x", "70")), "goal4 not met")
        text = run("compare", "--survey", "copenhagen", "--measure", "inclusion", db=self.db,
                   check=0).stdout
        self.assertIn("rule: relative gap reduction 2011->2014 >= 10 %", text)
        self.assertIn("verdict: met", text)

    def test_compare_json_has_the_documented_fields(self):
        p = run("compare", "--survey", "copenhagen", "--format", "json", db=self.db, check=0)
        rows = json.loads(p.stdout)
        self.assertIn("goal4 met", [r["quantity"] for r in rows])
        for k in ("measure", "wave", "quantity", "estimate", "se", "ci_low", "ci_high"):
            self.assertIn(k, rows[0])

    def test_reliability_lists_alpha_for_every_dimension(self):
        p = run("reliability", "--survey", "copenhagen", db=self.db, check=0)
        rows = [l.split() for l in p.stdout.splitlines()[1:]]
        self.assertEqual([r[1] for r in rows],
                         ["discrimination", "influence", "trust", "safety_items"])
        for r in rows:
            self.assertTrue(0 < float(r[2]) < 1, r)  # the model's items correlate

    def test_mistakes_get_a_usage_or_input_error(self):
        # A name the survey does not have (as the option asks) is bad input, 2; a method
        # helby does not know is a usage error, 1 (docs/commands.md, "Exit statuses").
        p = self.estimate("--var", "nosuch", check=2)
        self.assertIn("not a numeric variable", p.stderr)
        p = self.estimate("--by", "resp_id", "--var", "tillid_politi", check=2)
        self.assertIn("--by resp_id", p.stderr)
        p = self.estimate("--variance", "magic", check=1)
        self.assertIn("--variance must be", p.stderr)

    def test_a_design_that_cannot_support_the_method_is_bad_input(self):
        # The example has about 25 PSUs per stratum and strata: BRR and Fay need exactly 2
        # per stratum, JK1 an unstratified design. Bad input (exit 2), not usage (1).
        for cmd, args in (("estimate", ("--var", "tillid_politi", "--by", "group,wave")),
                          ("compute", ()), ("compare", ())):
            for method, says in (("brr", "BRR needs exactly 2 PSUs per stratum"),
                                 ("fay", "BRR needs exactly 2 PSUs per stratum"),
                                 ("jk1", "JK1 needs a design of one stratum")):
                p = run(cmd, "--survey", "copenhagen", *args, "--variance", method,
                        db=self.db, check=2)
                self.assertIn(says, p.stderr, (cmd, method))
                self.assertEqual(p.stdout, "")
        # An option out of range stays a usage error.
        run("compute", "--survey", "copenhagen", "--variance", "fay", "--rho", "1.5",
            db=self.db, check=1)

    def test_unknown_wave_is_bad_input_naming_the_stored_waves(self):
        p = self.estimate("--var", "tillid_politi", "--waves", "2099", check=2)
        self.assertIn("no wave 2099", p.stderr)
        self.assertIn("2011, 2012, 2013, 2014", p.stderr)
        self.assertEqual(p.stdout, "")
        p = self.estimate("--var", "tillid_politi", "--waves", "20x1", check=1)
        self.assertIn("--waves", p.stderr)


class RenamedWaveColumn(unittest.TestCase):
    """The survey's wave column called `year`: `--by wave` names the role, whatever the
    column is called, and the estimates are those of the survey as shipped."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="helby-cli-")
        d = os.path.join(self.tmp.name, "copenhagen")
        shutil.copytree(SURVEY, d)
        self.rename(os.path.join(d, "survey.ini"), "wave_column = wave", "wave_column = year")
        self.rename(os.path.join(d, "codebook.csv"), "\nwave;", "\nyear;")
        files = []
        for w in WAVES:
            f = os.path.join(d, "example", os.path.basename(w))
            self.rename(f, ";wave;", ";year;", first_line=True)
            files.append(f)
        self.db = os.path.join(self.tmp.name, "year.db")
        self.orig = os.path.join(self.tmp.name, "orig.db")
        for db, survey, waves in ((self.db, d, files), (self.orig, SURVEY, WAVES)):
            run("init", db=db, check=0)
            run("survey", "add", survey, db=db, check=0)
            run("import", "--survey", "copenhagen", *waves, db=db, check=0)

    def tearDown(self):
        self.tmp.cleanup()

    @staticmethod
    def rename(path, old, new, first_line=False):
        with open(path, encoding="utf-8", newline="") as f:
            text = f.read()
        head, sep, rest = text.partition("\n") if first_line else (text, "", "")
        assert old in head, (path, old)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(head.replace(old, new, 1) + sep + rest)

    def rows(self, db, by):
        p = run("estimate", "--survey", "copenhagen", "--index", "inclusion", "--by", by,
                "--format", "csv", db=db, check=0)
        return list(csv.DictReader(io.StringIO(p.stdout), delimiter=";"))

    def test_by_wave_uses_the_year_column(self):
        got = self.rows(self.db, "wave")
        self.assertEqual([r["wave"] for r in got], ["2011", "2012", "2013", "2014"])
        self.assertEqual(got, self.rows(self.orig, "wave"))

    def test_by_group_and_wave_uses_the_year_column(self):
        got = self.rows(self.db, "group,wave")
        self.assertEqual([(r["group"], r["wave"]) for r in got],
                         [(g, w) for g in "01" for w in ("2011", "2012", "2013", "2014")])
        self.assertEqual(got, self.rows(self.orig, "group,wave"))
        # The column's own name works too, and gives the same numbers.
        year = self.rows(self.db, "group,year")
        self.assertEqual([r["estimate"] for r in year], [r["estimate"] for r in got])


if __name__ == "__main__":
    main()
