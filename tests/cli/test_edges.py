"""Statistics at the edges, through the real program, against R survey wave by wave.

The survey tests/data/edge and its golden values tests/golden/edge_values.csv come from
scripts/r-golden-edge.R (R survey 4.1, each wave analysed alone): a lonely PSU in 2011 under
the rule `average`, no minority answer to q1 in 2013, three respondents in district 4 in 2014,
q2 asked from 2013 on, a baseline gap of q3 within one SE of zero and a clear one of q1 from
2012, and no ethnic Dane with q3 = 1 in 2012 (a share of 0)."""
import csv
import io
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import ROOT, main, run  # noqa: E402

EDGE = os.path.join(ROOT, "tests", "data", "edge")
GOLDEN = os.path.join(ROOT, "tests", "golden", "edge_values.csv")
WAVES = [os.path.join(EDGE, "waves", "wave_%d.csv" % w) for w in (2011, 2012, 2013, 2014)]


def golden():
    with open(GOLDEN, encoding="utf-8") as f:
        return {(r["case"], r["wave"], r["domain"], r["quantity"]): float(r["value"])
                for r in csv.DictReader(f, delimiter=";")}


def fieller_golden():
    with open(os.path.join(ROOT, "tests", "golden", "fieller_values.csv"), encoding="utf-8") as f:
        return {(r["case"], r["quantity"]): float(r["value"])
                for r in csv.DictReader(f, delimiter=";")}


def rows(text):
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def close(a, b, rel=1e-8):
    return abs(a - b) <= rel * max(abs(b), 1e-12)


class Edges(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="helby-edge-")
        cls.db = os.path.join(cls.tmp.name, "edge.db")
        run("init", db=cls.db, check=0)
        run("survey", "add", EDGE, db=cls.db, check=0)
        run("import", "--survey", "edge", "--decimal", ".", *WAVES, db=cls.db, check=0)
        cls.g = golden()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def edge(self, cmd, *args, check=0):
        return run(cmd, "--survey", "edge", *args, db=self.db, check=check)

    def test_each_wave_is_estimated_as_r_does_on_that_wave_alone(self):
        got = rows(self.edge("estimate", "--var", "q3", "--by", "group,wave", "--format",
                             "csv").stdout)
        self.assertEqual(len(got), 8)
        for r in got:
            key = ("lin", r["wave"], "group=" + r["group"])
            self.assertTrue(close(float(r["estimate"]), self.g[key + ("mean_q3v",)]), r)
            self.assertTrue(close(float(r["se"]), self.g[key + ("se_q3v",)]), r)
            self.assertEqual(float(r["df"]), self.g[("lin", r["wave"], "", "df")], r)
            self.assertTrue(close(float(r["ci_low"]), self.g[key + ("low_q3v",)]), r)
            self.assertTrue(close(float(r["ci_high"]), self.g[key + ("high_q3v",)]), r)

    def test_an_empty_cell_is_flagged_and_everything_else_estimated(self):
        p = self.edge("estimate", "--var", "q1", "--by", "group,wave", "--format", "csv")
        got = {(r["group"], r["wave"]): r for r in rows(p.stdout)}
        self.assertEqual(got[("1", "2013")]["flag"], "empty")
        self.assertEqual(got[("1", "2013")]["estimate"], "")
        self.assertEqual(got[("1", "2013")]["n"], "0")
        self.assertTrue(close(float(got[("0", "2013")]["estimate"]),
                              self.g[("lin", "2013", "group=0", "mean_q1v")]))
        self.assertTrue(close(float(got[("1", "2014")]["se"]),
                              self.g[("lin", "2014", "group=1", "se_q1v")]))

    def test_korn_graubard_on_the_domain_and_at_a_share_of_zero(self):
        p = self.edge("estimate", "--share", "q3_low,q1_high", "--by", "group,wave", "--ci",
                      "beta", "--format", "csv")
        checked = 0
        for r in rows(p.stdout):
            key = ("lin", r["wave"], "group=" + r["group"])
            m = "q3_low" if r["measure"] == "q3_low" else "q1_high"
            if key + ("beta_low_" + m,) not in self.g:
                continue
            self.assertTrue(close(float(r["ci_low"]), self.g[key + ("beta_low_" + m,)], 1e-7),
                            r)
            self.assertTrue(close(float(r["ci_high"]), self.g[key + ("beta_high_" + m,)], 1e-7),
                            r)
            checked += 1
        self.assertGreater(checked, 10)
        zero = [r for r in rows(p.stdout) if r["measure"] == "q3_low" and r["wave"] == "2012"
                and r["group"] == "0"][0]
        # 0 of 88: Clopper-Pearson on the domain's n (deff 1), [0, 0.0411]
        self.assertEqual(float(zero["estimate"]), 0.0)
        self.assertEqual(float(zero["ci_low"]), 0.0)
        self.assertTrue(close(float(zero["ci_high"]), 0.04105262905807805, 1e-9), zero)

    def test_changes_across_waves_take_satterthwaite_df_and_fieller(self):
        p = self.edge("compare", "--measure", "q1", "--baseline", "2012", "--format", "csv")
        got = {(r["wave"], r["quantity"]): r for r in rows(p.stdout)}
        gc = got[("2014", "gap change since baseline")]
        base = ("cross", "2014", "baseline=2012")
        for col, q in (("estimate", "gap_change_q1v"), ("se", "se_gap_change_q1v"),
                       ("df", "df_gap_change_q1v"), ("ci_low", "low_gap_change_q1v"),
                       ("ci_high", "high_gap_change_q1v")):
            self.assertTrue(close(float(gc[col]), self.g[base + (q,)]), (col, gc))
        rc = got[("2014", "relative gap change (share)")]
        self.assertTrue(close(float(rc["estimate"]), self.g[base + ("rel_gap_change_q1v",)]))
        self.assertTrue(close(float(rc["se"]), self.g[base + ("se_rel_gap_change_q1v",)]))
        # Fieller by its definition: the theta whose pivot t test (on the pivot's own
        # Satterthwaite df) does not reject, found by uniroot in R
        # (scripts/r-golden-fieller.R, tests/golden/fieller_values.csv).
        fg = fieller_golden()
        fi = got[("2014", "relative gap change (Fieller)")]
        self.assertEqual(fi["flag"], "")
        self.assertTrue(close(float(fi["ci_low"]), fg[("edge_q1_2012_2014", "low")], 1e-10))
        self.assertTrue(close(float(fi["ci_high"]), fg[("edge_q1_2012_2014", "high")], 1e-10))
        self.assertTrue(close(float(fi["df"]), fg[("edge_q1_2012_2014", "df_low")], 1e-9))
        # Against 2011 the baseline gap is 1.77 SE from zero, below t_10 = 2.228: unbounded.
        p = self.edge("compare", "--measure", "q1", "--baseline", "2011", "--format", "csv")
        fi = {(r["wave"], r["quantity"]): r for r in rows(p.stdout)}[
            ("2014", "relative gap change (Fieller)")]
        self.assertEqual(fg[("edge_q1_2011_2014", "bounded")], 0)
        self.assertEqual(fi["flag"], "unbounded")
        # 2013 has no minority answer: its quantities are undefined, the rest stands.
        self.assertEqual(got[("2013", "ethnic minorities")]["flag"], "empty")
        self.assertEqual(got[("2013", "gap (Danes - minorities)")]["flag"], "undefined")

    def test_a_near_zero_baseline_gap_is_unbounded_and_warned_about(self):
        p = self.edge("compare", "--measure", "q3", "--format", "csv")
        got = {(r["wave"], r["quantity"]): r for r in rows(p.stdout)}
        base = ("cross", "2014", "baseline=2011")
        # |G_0| / SE(G_0) below t on the baseline wave's df (10: 2.228): no finite interval.
        self.assertLess(self.g[base + ("gap0_t_q3v",)], 2.228)
        self.assertEqual(got[("2014", "relative gap change (Fieller)")]["flag"], "unbounded")
        gc = got[("2014", "gap change since baseline")]
        self.assertTrue(close(float(gc["df"]), self.g[base + ("df_gap_change_q3v",)]))
        self.assertTrue(close(float(gc["ci_low"]), self.g[base + ("low_gap_change_q3v",)]))
        text = self.edge("compare", "--measure", "q3").stdout
        self.assertIn("no finite Fieller interval", text)

    def test_compare_suppresses_what_rests_on_a_small_cell(self):
        # 2011 minorities: 62 respondents with q1; at --min-cell 70 their cell is withheld.
        p = self.edge("compare", "--measure", "q1", "--min-cell", "70", "--format", "csv")
        got = {(r["wave"], r["quantity"]): r for r in rows(p.stdout)}
        self.assertEqual(got[("2011", "ethnic minorities")]["flag"], "suppressed")
        self.assertEqual(got[("2011", "ethnic minorities")]["estimate"], "")
        self.assertEqual(got[("2011", "gap (Danes - minorities)")]["flag"], "suppressed")
        self.assertEqual(got[("2014", "gap change since baseline")]["flag"], "suppressed")
        self.assertNotEqual(got[("2014", "gap (Danes - minorities)")]["estimate"], "")

    def test_a_run_flags_empty_cells_items_not_asked_and_undefined_ratios(self):
        out = self.edge("compute").stdout
        self.assertIn("method=2;", out)
        run_id = out.split("run ")[1].split(":")[0]
        got = {(r["measure"], r["domain"]): r
               for r in rows(run("runs", "show", run_id, "--format", "csv", db=self.db,
                                 check=0).stdout)}
        self.assertEqual(got[("q2_high", "group=0,wave=2011")]["flag"], "not asked")
        self.assertNotEqual(got[("q2_high", "group=0,wave=2013")]["estimate"], "")
        self.assertEqual(got[("q1_high", "group=1,wave=2013")]["flag"], "empty")
        # No Dane with q3 = 1 in 2012: the ratio minorities / Danes divides by zero.
        self.assertEqual(got[("q3_low", "wave=2012,quantity=ratio,baseline=2011")]["flag"],
                         "undefined")
        self.assertNotEqual(got[("q3_low", "wave=2012,quantity=gap,baseline=2011")]["estimate"],
                            "")
        # District 4 of 2014 has three respondents: below min_cell 5.
        d4 = [r for (m, d), r in got.items() if m == "q3_low" and d.endswith("wave=2014,district=4")]
        self.assertTrue(d4 and all(r["flag"] == "suppressed" for r in d4), d4)


if __name__ == "__main__":
    main()
