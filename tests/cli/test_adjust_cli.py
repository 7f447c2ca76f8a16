"""Goals judged on composition-adjusted gaps (targets.csv `adjust`, docs/explaining.md).

The example's goal4 names `adjust = ageband|sex`: `compute` stores each wave's adjusted rows and
the adjusted verdict after every other row, `compute --rerun` reproduces them bit for bit,
`report` words the decomposition in Danish and English (text, Markdown, JSON, CSV, HTML) from
the stored rows alone; `standardise` stores the standardised gap; broken `adjust` columns are
refused at targets.csv's line and column; a definition without the column has no such rows."""
import csv
import io
import json
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import SURVEY, WAVES, main, run  # noqa: E402

SPEC = "adjust=regression:ageband+sex"


def store(tmp, survey_dir):
    db = os.path.join(tmp, "s.db")
    run("init", db=db, check=0)
    run("survey", "add", survey_dir, db=db, check=0)
    run("import", "--survey", "copenhagen", *WAVES, db=db, check=0)
    run("compute", "--survey", "copenhagen", db=db, check=0)
    return db


def rows(db, run_id="1"):
    out = run("runs", "show", run_id, "--format", "csv", db=db, check=0).stdout
    return list(csv.reader(io.StringIO(out), delimiter=";"))


class AdjustCli(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="helby-adjust-")
        self.dir = os.path.join(self.tmp.name, "copenhagen")
        shutil.copytree(SURVEY, self.dir, ignore=shutil.ignore_patterns("example"))

    def tearDown(self):
        self.tmp.cleanup()

    def edit_targets(self, old, new):
        p = os.path.join(self.dir, "targets.csv")
        with open(p, encoding="utf-8") as f:
            text = f.read()
        self.assertIn(old, text)
        with open(p, "w", encoding="utf-8") as f:
            f.write(text.replace(old, new, 1))

    def test_rows_rerun_bit_for_bit_and_the_report_words_them_in_both_languages(self):
        db = store(self.tmp.name, self.dir)
        r = rows(db)
        adj = [x for x in r if SPEC in x[1]]
        self.assertEqual(len(adj), 4 * 8 + 1)
        self.assertEqual([x[0] for x in r[-33:]], ["inclusion"] * 33)  # after every other row
        goal = [x for x in adj if x[1].startswith("goal=goal4,")]
        self.assertEqual(goal[0][1], "goal=goal4,wave=2014,baseline=2011,x=10," + SPEC)
        self.assertIn("wave=2014,quantity=explained,term=ageband,baseline=2011," + SPEC,
                      [x[1] for x in adj])
        out = run("compute", "--rerun", "1", db=db, check=0).stdout
        self.assertIn("reproduced bit for bit: 1128 estimates", out)
        da = run("report", "--run", "1", db=db, check=0).stdout
        self.assertIn("Forskellen justeret for sammensætning", da)
        self.assertIn("Af forskellen på 7,8 point i 2014 forklarer aldersgruppe og køn −0,2 point "
                      "(95 %-KI −0,7 til 0,4), som ikke kan skelnes fra nul; justeret for dem er "
                      "forskellen 8,0 point (95 %-KI 5,9 til 10,1).", da)
        self.assertIn("Vurderet på den regressionsjusterede forskel", da)
        en = run("report", "--run", "1", "--lang", "en", "--format", "md", db=db, check=0).stdout
        self.assertIn("Of the gap of 7.8 points in 2014, age band and sex explain −0.2 points "
                      "(95 % CI −0.7 to 0.4), not distinguishable from zero; adjusted for them "
                      "the gap is 8.0 points (95 % CI 5.9 to 10.1).", en)
        j = json.loads(run("report", "--run", "1", "--format", "json", db=db, check=0).stdout)
        g4 = [g for g in j["goals"] if g["goal"] == "goal4"][0]
        self.assertEqual(g4["adjust"], "regression:ageband+sex")
        flag = r[0].index("flag")
        self.assertEqual(goal[0][flag], "met")
        self.assertEqual(g4["adjusted_verdict"], goal[0][flag])
        self.assertNotIn("adjust", [g for g in j["goals"] if g["goal"] == "goal6"][0])
        html = run("report", "--run", "1", "--lang", "en", "--format", "html", db=db,
                   check=0).stdout
        self.assertIn('aria-labelledby="adj0-t adj0-d"', html)
        self.assertIn("<caption>The gap adjusted for composition: age band and sex</caption>",
                      html)
        # Disclosure: 949 ethnic Danes in 2014 below --min-cell 960 hide 2014's adjusted cells
        # and the adjusted verdict, and the sentence says so instead of numbers.
        out = run("report", "--run", "1", "--min-cell", "960", "--format", "csv", "--lang", "en",
                  db=db, check=0).stdout
        hidden = [x for x in csv.reader(io.StringIO(out), delimiter=";")
                  if x[0] in ("adjusted", "goal_adjusted") and x[3] == "2014"]
        self.assertEqual(len(hidden), 5)
        for x in hidden:
            self.assertEqual(x[8:13], ["", "", "", "", ""])
            self.assertTrue(x[13].startswith("suppressed"), x)
        text = run("report", "--run", "1", "--min-cell", "960", "--lang", "en", db=db,
                   check=0).stdout
        self.assertIn("The decomposition cannot be shown", text)
        self.assertNotIn("Of the gap of 7.8 points", text)

    def test_standardise_stores_the_standardised_gap(self):
        self.edit_targets("target_wave;adjust", "target_wave;adjust;adjust_method")
        self.edit_targets("ageband|sex", "ageband|sex;standardise")
        self.edit_targets("2011;2014;\n", "2011;2014;;\n")
        db = store(self.tmp.name, self.dir)
        doms = [x[1] for x in rows(db)]
        self.assertIn("wave=2014,quantity=std_gap,baseline=2011,adjust=standardise:ageband+sex",
                      doms)
        self.assertNotIn("wave=2014,quantity=adj_gap,baseline=2011,"
                         "adjust=standardise:ageband+sex", doms)
        out = run("compute", "--rerun", "1", db=db, check=0).stdout
        self.assertIn("reproduced bit for bit", out)

    def test_broken_adjust_columns_are_refused_at_line_and_column(self):
        cases = [("ageband|sex", "nosuch", "targets.csv:2:10: nosuch"),
                 ("ageband|sex", "ageband|ageband", "targets.csv:2:10: ageband"),
                 ("ageband|sex", "origin", "targets.csv:2:10: origin"),
                 ("safety;change_positive;0;all;2011;2014;",
                  "safety;change_positive;0;all;2011;2014;sex", "targets.csv:3:10: goal6")]
        for old, new, where in cases:
            with self.subTest(new=new):
                shutil.rmtree(self.dir)
                shutil.copytree(SURVEY, self.dir, ignore=shutil.ignore_patterns("example"))
                self.edit_targets(old, new)
                p = run("survey", "check", self.dir)
                self.assertEqual(p.returncode, 2, p.stdout)
                self.assertIn(where, p.stderr)

    def test_a_definition_without_the_column_has_no_adjusted_rows(self):
        self.edit_targets("target_wave;adjust", "target_wave")
        self.edit_targets(";ageband|sex\n", "\n")
        self.edit_targets("2011;2014;\n", "2011;2014\n")
        db = store(self.tmp.name, self.dir)
        r = rows(db)
        self.assertFalse([x for x in r if "adjust=" in x[1]])
        self.assertEqual(len(r) - 1, 1095)


if __name__ == "__main__":
    main()
