"""`helby table` on the imported example survey against R survey: every code of
tillid_politi by group per wave (svymean(~factor(x), na.rm = TRUE, deff = TRUE), logit CIs of
svyciprop on the wave's df, missing codes and empty answers as shares of all respondents) and
the Rao-Scott tests of item x group and item x item (svychisq "F" and "Chisq"); goldens in
tests/golden/copenhagen_table.csv and copenhagen_chisq.csv (scripts/r-golden-table.R)."""
import csv
import io
import math
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import ROOT, WAVES, StoreCase, main, run  # noqa: E402

GOLD = os.path.join(ROOT, "tests", "golden")


def gold(name):
    with open(os.path.join(GOLD, name), encoding="utf-8") as f:
        assert "survey 4.1" in f.readline()
        return list(csv.DictReader(f, delimiter=";"))


def close(a, b, rel=1e-8):
    a = float(a) if a != "" else float("nan")
    b = float(b) if b != "" else float("nan")
    if math.isnan(b):
        return math.isnan(a)
    return abs(a - b) <= max(rel * abs(b), 1e-12)


class Table(StoreCase):
    def setUp(self):
        super().setUp()
        run("import", "--survey", "copenhagen", *WAVES, db=self.db, check=0)

    def table(self, *args, check=0):
        return run("table", "--survey", "copenhagen", *args, db=self.db, check=check)

    def rows(self, *args):
        p = self.table(*args, "--format", "csv", "--min-cell", "0")
        return list(csv.DictReader(io.StringIO(p.stdout), delimiter=";"))

    def test_shares_of_every_code_by_group_match_r(self):
        g = gold("copenhagen_table.csv")
        self.assertEqual(len(g), 64)  # 4 waves x 2 groups x (5 codes + 8, 9, empty)
        for w in ("2011", "2012", "2013", "2014"):
            got = {(r["group"], r["code"], r["base"]): r
                   for r in self.rows("--waves", w, "--var", "tillid_politi", "--by", "group")
                   if r["base"] != "test"}
            for x in (x for x in g if x["wave"] == w):
                r = got[(x["group"], x["code"], x["base"])]
                for k in ("estimate", "se", "ci_low", "ci_high", "deff"):
                    if x[k] != "":
                        self.assertTrue(close(r[k], x[k]), (k, r, x))
            # labels beside codes; valid shares of a group add to 1
            lab = [r for r in got.values() if r["code"] == "5" and r["group"] == "0"][0]
            self.assertEqual(lab["code_label"], "Meget høj")
            s = sum(float(r["estimate"]) for r in got.values()
                    if r["base"] == "valid" and r["group"] == "1")
            self.assertAlmostEqual(s, 1, places=12)

    def test_rao_scott_f_and_chisq_match_r(self):
        for x in gold("copenhagen_chisq.csv"):
            by = "group" if x["by"] == "group" else "tillid_kommune"
            f = [r for r in self.rows("--waves", x["wave"], "--var", "tillid_politi", "--by", by)
                 if r["base"] == "test"]
            self.assertEqual(len(f), 1)
            f = f[0]
            self.assertEqual(f["code_label"], "Rao-Scott F")
            self.assertTrue(close(f["statistic"], x["f"]), (f, x))
            self.assertTrue(close(f["ndf"], x["f_ndf"], 1e-6), (f, x))
            self.assertTrue(close(f["ddf"], x["f_ddf"], 1e-6), (f, x))
            self.assertTrue(close(f["p"], x["f_p"], 1e-6), (f, x))
            c = [r for r in self.rows("--waves", x["wave"], "--var", "tillid_politi", "--by", by,
                                      "--test", "chisq") if r["base"] == "test"][0]
            self.assertEqual(c["ndf"], x["chisq_df"])
            self.assertTrue(close(c["p"], x["chisq_p"], 1e-6), (c, x))

    def test_acceptance_commands(self):
        for extra in ((), ("--test", "chisq")):
            p = self.table("--waves", "2014", "--var", "tillid_politi", "--by", "group",
                           *extra, "--format", "csv")
            rows = list(csv.DictReader(io.StringIO(p.stdout), delimiter=";"))
            for k in ("estimate", "se", "df", "ci_low", "ci_high", "statistic", "ndf", "p"):
                self.assertIn(k, rows[0])
            self.assertEqual(rows[-1]["base"], "test")
        p = self.table("--waves", "2014", "--var", "tillid_politi", "--by", "group")
        self.assertIn("Rao-Scott second-order F", p.stdout)

    def test_usage_errors(self):
        for args in (("--var", "tillid_politi", "--test", "x"),
                     ("--var", "tillid_politi", "--by", "group,sex", "--test", "f"),
                     ("--by", "group"), ("--var", "tillid_politi", "--ci", "t")):
            p = self.table(*args, check=1)
            self.assertIn("helby", p.stderr)
        # An index is not a coded variable of the survey: bad input (2), as any name the
        # survey does not have as the option asks (docs/commands.md, "Exit statuses").
        p = self.table("--var", "inclusion", check=2)
        self.assertIn("inclusion is not a coded variable", p.stderr)


if __name__ == "__main__":
    main()
