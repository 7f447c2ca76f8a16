"""Subgroups in runs and reports (issues 22 and 25): `compute --by ageband,sex` stores the
comparisons within each level of each variable, and every report format shows them; the
numbers against R (tests/golden/copenhagen_compare_by.csv from scripts/r-golden-domain.R:
svyby within each age band of each wave's design, subset() semantics) and `helby compare --by`,
with disclosure control as the district table's."""
import csv
import io
import json
import os
import sys
import tempfile
import unittest
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import ROOT, SURVEY, WAVES, main, run  # noqa: E402

GOLDEN = os.path.join(ROOT, "tests", "golden")
R_NAMES = {"ethnic Danes": ("estimate", "danes"), "ethnic minorities": ("estimate", "minorities"),
           "gap (Danes - minorities)": ("gap", ""), "gap change since baseline": ("gap_change", "")}


def close(a, b, rel=1e-8):
    return abs(a - b) <= max(rel * abs(b), 1e-10)


def rows_of(text):
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


class Subgroups(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="helby-sub-")
        cls.db = os.path.join(cls.tmp.name, "s.db")
        run("init", db=cls.db, check=0)
        run("survey", "add", SURVEY, db=cls.db, check=0)
        run("import", "--survey", "copenhagen", *WAVES, db=cls.db, check=0)
        run("compute", "--survey", "copenhagen", db=cls.db, check=0)                    # run 1
        run("compute", "--survey", "copenhagen", "--by", "ageband,sex", db=cls.db, check=0)  # 2

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def report(self, *args, run_id="2"):
        return run("report", "--run", run_id, *args, db=self.db, check=0).stdout

    def test_subgroup_rows_match_r_and_compare_by(self):
        rows = rows_of(self.report("--format", "csv"))
        sub = {(r["measure"], r["by"], r["level"], r["wave"], r["quantity"], r["group"]): r
               for r in rows if r["section"] == "subgroup"}
        checked = 0
        with open(os.path.join(GOLDEN, "copenhagen_compare_by.csv"), encoding="utf-8") as f:
            f.readline()
            for g in csv.DictReader(f, delimiter=";"):
                if g["quantity"] not in R_NAMES:
                    continue
                q, grp = R_NAMES[g["quantity"]]
                r = sub[("inclusion", "ageband", g["ageband"], g["wave"], q, grp)]
                self.assertTrue(close(float(r["estimate"]), float(g["estimate"])), (r, g))
                self.assertTrue(close(float(r["se"]), float(g["se"])), (r, g))
                checked += 1
        self.assertEqual(checked, 16 * 3 + 12)
        # The same numbers as `compare --by sex` computes from the data (not from a run).
        p = run("compare", "--survey", "copenhagen", "--measure", "safety", "--by", "sex",
                "--format", "csv", db=self.db, check=0)
        n = 0
        for c in rows_of(p.stdout):
            if c["quantity"] not in R_NAMES:
                continue
            q, grp = R_NAMES[c["quantity"]]
            r = sub[("safety", "sex", c["sex"], c["wave"], q, grp)]
            for k in ("estimate", "se", "ci_low", "ci_high"):
                self.assertTrue(close(float(r[k]), float(c[k]), 1e-12), (k, r, c))
            n += 1
        self.assertEqual(n, 2 * (4 * 3 + 3))
        self.assertEqual(sub[("inclusion", "ageband", "1", "2011", "estimate", "danes")]
                         ["level_label"], "18-29 år")
        # A run without --by has none of this: its CSV keeps its columns.
        plain = self.report("--format", "csv", run_id="1")
        self.assertNotIn("subgroup", plain)
        self.assertTrue(plain.splitlines()[0].endswith(";group_label"))
        # Every row of a run with subgroups has the header's columns.
        head = self.report("--format", "csv").splitlines()[0].split(";")
        self.assertEqual(head[-3:], ["by", "level", "level_label"])
        self.assertTrue(all(len(r) == len(head) for r in rows))

    def test_every_format_shows_them(self):
        en = self.report("--lang", "en")
        self.assertIn("Subgroups", en)
        self.assertIn("Inclusion index: Age band", en)
        self.assertIn("65 years and over", en)
        self.assertIn("Undergrupper", self.report())
        md = self.report("--format", "md", "--lang", "en")
        self.assertIn("### Safety index: Sex", md)
        html = self.report("--format", "html", "--lang", "en")
        self.assertIn('<table class="subgroups"><caption>Inclusion index: Age band</caption>', html)
        j = json.loads(self.report("--format", "json"))
        s = [r for r in j["rows"] if r["section"] == "subgroup"]
        self.assertTrue(s and all(r["by"] in ("ageband", "sex") for r in s))
        out = os.path.join(self.tmp.name, "s.xlsx")
        run("report", "--run", "2", "--format", "xlsx", "--lang", "en", "-o", out, db=self.db,
            check=0)
        self.assertIn("Subgroups", zipfile.ZipFile(out).read("xl/workbook.xml").decode())

    def test_small_subgroup_cells_are_withheld_with_their_complements(self):
        # At 180 the 2012 Danes of 65 years and over (174) are withheld, and a complement in
        # that column; a gap or change beside a withheld cell is withheld too.
        rows = rows_of(self.report("--format", "csv", "--min-cell", "180"))
        sub = [r for r in rows if r["section"] == "subgroup" and r["measure"] == "inclusion"
               and r["by"] == "ageband"]
        cell = {(r["level"], r["wave"], r["quantity"], r["group"]): r for r in sub}
        self.assertEqual(cell[("4", "2012", "estimate", "danes")]["flag"], "suppressed")
        col = [r for r in sub if r["wave"] == "2012" and r["group"] == "danes"]
        self.assertEqual(sum(r["flag"] == "suppressed-complementary" for r in col), 1, col)
        for r in sub:
            if r["flag"].startswith("suppressed"):
                self.assertEqual((r["estimate"], r["se"], r["n"]), ("", "", ""), r)
            elif r["quantity"] == "estimate":
                self.assertGreaterEqual(int(r["n"]), 180, r)
        for lv in ("4",):
            self.assertTrue(cell[(lv, "2012", "gap", "")]["flag"].startswith("suppressed"))
            self.assertTrue(cell[(lv, "2012", "gap_change", "")]["flag"].startswith("suppressed"))

    def test_a_run_with_by_reruns_and_bad_by_is_refused(self):
        p = run("compute", "--rerun", "2", db=self.db, check=0)
        self.assertIn("reproduced", p.stdout)
        for bad in (",", "ageband,", "a b", "x=1"):
            p = run("compute", "--survey", "copenhagen", "--by", bad, db=self.db)
            self.assertEqual(p.returncode, 1, (bad, p.stderr))
            self.assertIn("--by needs coded variables", p.stderr)
        p = run("compute", "--survey", "copenhagen", "--by", "nosuchvar", db=self.db)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("nosuchvar", p.stderr)


if __name__ == "__main__":
    main()
