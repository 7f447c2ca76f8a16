"""Goals and comparisons at the edges through every command and format (issue 23): the same
sign, value and verdict in `compare`, `compute` + `runs show`, `report` (text, CSV) and the
barometer, on a store where one wave lacks a group."""
import csv
import io
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import SURVEY, WAVES, main, run  # noqa: E402


def rows(text):
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def store_with(tmp, name, edit):
    """A store of the example survey whose waves pass through edit(wave, header, lines)."""
    db = os.path.join(tmp, name + ".db")
    files = []
    for path in WAVES:
        wave = int(path[-8:-4])
        with open(path, encoding="utf-8-sig") as f:
            lines = f.read().splitlines()
        head = lines[0].split(";")
        out = os.path.join(tmp, "%s_%d.csv" % (name, wave))
        with open(out, "w", encoding="utf-8") as f:
            f.write("\n".join([lines[0]] + edit(wave, head, lines[1:])) + "\n")
        files.append(out)
    run("init", db=db, check=0)
    run("survey", "add", SURVEY, db=db, check=0)
    run("import", "--survey", "copenhagen", *files, db=db, check=0)
    return db


def goal_rows(db, run_id):
    got = rows(run("runs", "show", str(run_id), "--format", "csv", db=db, check=0).stdout)
    return {r["domain"].split(",")[0][5:]: r for r in got
            if r["domain"].startswith("goal=") and "adjust=" not in r["domain"]}


def compare_goals(db, measure):
    got = rows(run("compare", "--survey", "copenhagen", "--measure", measure, "--format", "csv",
                   db=db, check=0).stdout)
    return {r["quantity"].split()[0]: r for r in got if r["quantity"].startswith("goal")}


class OneWaveLacksAGroup(unittest.TestCase):
    """2012 has only ethnic Danes (origin 1): its comparisons are undefined, the goals on
    2011 and 2014 stand, in every command (issue 23 item 1)."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="helby-goal-")

        def only_danes_2012(wave, head, lines):
            k = head.index("origin")
            return [l for l in lines if wave != 2012 or l.split(";")[k] == "1"]
        cls.db = store_with(cls.tmp.name, "nomin", only_danes_2012)
        run("compute", "--survey", "copenhagen", db=cls.db, check=0)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_compute_judges_the_goals_as_compare_does(self):
        stored = goal_rows(self.db, 1)
        self.assertEqual(sorted(stored), ["goal4", "goal6"])
        cmp4 = compare_goals(self.db, "inclusion")["goal4"]
        self.assertEqual(stored["goal4"]["flag"], cmp4["quantity"].split(" ", 1)[1])
        self.assertAlmostEqual(float(stored["goal4"]["estimate"]), float(cmp4["estimate"]),
                               places=12)
        self.assertEqual(stored["goal4"]["flag"], "met")

    def test_the_wave_without_minorities_is_undefined_not_suppressed(self):
        got = rows(run("runs", "show", "1", "--format", "csv", db=self.db, check=0).stdout)
        r = [x for x in got if x["measure"] == "inclusion"
             and x["domain"] == "wave=2012,quantity=gap,baseline=2011"]
        self.assertEqual(len(r), 1)
        self.assertEqual(r[0]["flag"], "undefined")
        self.assertEqual(r[0]["n"], "0")

    def test_the_report_shows_the_goals_and_the_comparisons(self):
        text = run("report", "--run", "1", "--lang", "en", db=self.db, check=0).stdout
        verdicts = text.split("Goal verdicts", 1)[1].split("\n\n", 1)[0]
        self.assertIn("Goal 4", verdicts)
        self.assertIn("Goal 6", verdicts)
        self.assertIn("Rel. gap change", text)
        rep = rows(run("report", "--run", "1", "--format", "csv", db=self.db, check=0).stdout)
        goals = [r for r in rep if r["section"] == "goal"]
        self.assertEqual(sorted(r["quantity"] for r in goals), ["goal4", "goal6"])


if __name__ == "__main__":
    main()
