"""`helby estimate --quantiles` on the imported example survey against R survey's svyquantile
(survey >= 4.1) on each wave's own design by group (tests/golden/copenhagen_quantiles.csv from
scripts/r-golden-quantile.R): an index and an item with few distinct values (ties), rules math
and school, Woodruff CIs on the domain's df; and the refusals."""
import csv
import io
import math
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import ROOT, WAVES, StoreCase, main, run  # noqa: E402

GOLDEN = os.path.join(ROOT, "tests", "golden", "copenhagen_quantiles.csv")


def close(a, b):
    if math.isnan(b):
        return math.isnan(a)
    return abs(a - b) <= max(1e-8 * abs(b), 1e-10)


def num(x):
    return float(x) if x != "" else float("nan")


class Quantiles(StoreCase):
    def setUp(self):
        super().setUp()
        run("import", "--survey", "copenhagen", *WAVES, db=self.db, check=0)

    def estimate(self, *args, check=0):
        return run("estimate", "--survey", "copenhagen", *args, db=self.db, check=check)

    def test_quartiles_by_group_and_wave_match_r_svyquantile(self):
        with open(GOLDEN, encoding="utf-8") as f:
            self.assertIn("survey 4.1", f.readline())
            gold = list(csv.DictReader(f, delimiter=";"))
        self.assertEqual(len(gold), 96)  # 2 measures x 2 rules x 4 waves x 2 groups x 3
        got = {}
        for rule in ("math", "school"):
            for opt, m in (("--index", "inclusion"), ("--var", "tillid_politi")):
                p = self.estimate(opt, m, "--quantiles", "0.25,0.5,0.75", "--qrule", rule,
                                  "--by", "group,wave", "--format", "csv")
                for r in csv.DictReader(io.StringIO(p.stdout), delimiter=";"):
                    got[(m, rule, r["wave"], r["group"], r["quantile"])] = r
        for g in gold:
            r = got[(g["measure"], g["rule"], g["wave"], g["group"], g["p"])]
            for k in ("estimate", "se", "ci_low", "ci_high", "df"):
                self.assertTrue(close(num(r[k]), num(g[k])), (k, r, g))
            self.assertEqual(r["deff"], "")

    def test_acceptance_command_has_the_columns(self):
        p = self.estimate("--waves", "2014", "--index", "inclusion", "--quantiles",
                          "0.25,0.5,0.75", "--by", "group", "--format", "csv")
        rows = list(csv.DictReader(io.StringIO(p.stdout), delimiter=";"))
        self.assertEqual([r["quantile"] for r in rows], ["0.25", "0.5", "0.75"] * 2)
        for k in ("estimate", "se", "df", "ci_low", "ci_high", "n"):
            self.assertIn(k, rows[0])

    def test_bootstrap_works_and_jackknives_are_refused(self):
        p = self.estimate("--waves", "2014", "--index", "inclusion", "--quantiles", "0.5",
                          "--variance", "bootstrap", "--replicates", "20", "--format", "csv")
        r = list(csv.DictReader(io.StringIO(p.stdout), delimiter=";"))[0]
        self.assertTrue(float(r["se"]) > 0)
        for v in ("jk1", "jkn"):
            p = self.estimate("--waves", "2014", "--index", "inclusion", "--quantiles", "0.5",
                              "--variance", v, check=1)
            self.assertIn("jackknife", p.stderr)

    def test_bad_quantile_options_are_usage_errors(self):
        for args in (("--quantiles", "0.5,1.5"), ("--quantiles", "x"),
                     ("--quantiles", "0.5", "--qrule", "hf9"), ("--qrule", "math"),
                     ("--quantiles", "0.5", "--ci", "logit")):
            p = self.estimate("--index", "inclusion", *args, check=1)
            self.assertIn("helby", p.stderr)


if __name__ == "__main__":
    main()
