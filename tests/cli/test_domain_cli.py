"""Subpopulations as domains (`--where`) and comparisons within levels (`compare --by`) on
the imported example against R survey (tests/golden/copenhagen_where.csv and
copenhagen_compare_by.csv from scripts/r-golden-domain.R): R's subset() keeps the whole
design, so the SEs are domain SEs, never those of the subset's rows alone."""
import csv
import io
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import ROOT, WAVES, StoreCase, main, run  # noqa: E402


def gold(name):
    with open(os.path.join(ROOT, "tests", "golden", name), encoding="utf-8") as f:
        assert "survey 4.1" in f.readline()
        return list(csv.DictReader(f, delimiter=";"))


def close(a, b, rel=1e-8):
    return abs(float(a) - float(b)) <= max(rel * abs(float(b)), 1e-12)


class Domains(StoreCase):
    def setUp(self):
        super().setUp()
        run("import", "--survey", "copenhagen", *WAVES, db=self.db, check=0)

    def csv(self, *args, check=0):
        p = run(*args, "--survey", "copenhagen", "--format", "csv", db=self.db, check=check)
        return list(csv.DictReader(io.StringIO(p.stdout), delimiter=";"))

    def test_estimate_and_table_where_match_r_subset(self):
        g = gold("copenhagen_where.csv")
        est = {(r["wave"], r["group"]): r
               for r in self.csv("estimate", "--index", "inclusion", "--by", "group,wave",
                                 "--where", "sex=2")}
        self.assertEqual(len(est), 8)
        tab = {(r["group"], r["code"], r["base"]): r
               for r in self.csv("table", "--var", "tillid_politi", "--by", "group", "--waves",
                                 "2014", "--where", "sex=2", "--min-cell", "0")}
        for x in g:
            if x["what"] == "estimate":
                r = est[(x["wave"], x["group"])]
            elif x["what"] == "table":
                r = tab[(x["group"], x["code"], "valid")]
            elif x["what"] != "f":
                continue
            else:
                t = tab[("", "", "test")]
                self.assertTrue(close(t["statistic"], x["estimate"]), (t, x))
                self.assertTrue(close(t["p"], x["se"], 1e-6), (t, x))
                continue
            self.assertTrue(close(r["estimate"], x["estimate"]), (r, x))
            self.assertTrue(close(r["se"], x["se"]), (r, x))

    def test_where_is_a_domain_not_a_subset(self):
        # the same numbers as the domain sex x group: the design is whole either way
        a = self.csv("estimate", "--index", "inclusion", "--by", "group", "--waves", "2014",
                     "--where", "sex=2")
        b = [r for r in self.csv("estimate", "--index", "inclusion", "--by", "sex,group",
                                 "--waves", "2014") if r["sex"] == "2"]
        self.assertEqual([(r["estimate"], r["se"], r["df"]) for r in a],
                         [(r["estimate"], r["se"], r["df"]) for r in b])

    def test_compare_by_ageband_matches_r(self):
        rows = self.csv("compare", "--measure", "inclusion", "--by", "ageband")
        got = {(r["ageband"], r["wave"], r["quantity"]): r for r in rows}
        self.assertEqual(rows[0]["ageband_label"], "18-29 år")
        g = gold("copenhagen_compare_by.csv")
        self.assertEqual(len(g), 76)
        for x in g:
            r = got[(x["ageband"], x["wave"], x["quantity"])]
            self.assertTrue(close(r["estimate"], x["estimate"]), (r, x))
            self.assertTrue(close(r["se"], x["se"]), (r, x))
            for k in ("ci_low", "ci_high", "df"):
                self.assertNotEqual(r[k], "")

    def test_totals_and_ratios_match_r(self):
        g = {(x["what"], x["group"]): x for x in gold("copenhagen_where.csv")
             if x["what"] in ("total", "ratio")}
        tot = self.csv("estimate", "--index", "inclusion", "--total", "--by", "group", "--waves",
                       "2014")
        rat = self.csv("estimate", "--ratio", "tillid_politi/tillid_kommune", "--by", "group",
                       "--waves", "2014")
        self.assertEqual(rat[0]["measure"], "tillid_politi/tillid_kommune")
        for what, rows in (("total", tot), ("ratio", rat)):
            for r in rows:
                x = g[(what, r["group"])]
                self.assertTrue(close(r["estimate"], x["estimate"]), (r, x))
                self.assertTrue(close(r["se"], x["se"]), (r, x))

    def test_bad_where_is_a_usage_error(self):
        # A malformed condition is usage (1); a variable the survey does not have, bad input (2).
        for w, code in (("sex", 1), ("nosuch=1", 2), ("sex=a", 1)):
            p = run("estimate", "--survey", "copenhagen", "--index", "inclusion", "--where", w,
                    db=self.db, check=code)
            self.assertIn("--where", p.stderr)


if __name__ == "__main__":
    main()
