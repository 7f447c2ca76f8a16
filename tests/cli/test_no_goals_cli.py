"""A survey whose definition sets no goals (no targets.csv): `compare` compares every index
and share instead of printing nothing, and the report says that there are no goals."""
import csv
import io
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import SURVEY, WAVES, main, run  # noqa: E402


class NoGoals(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="helby-nogoals-")
        d = os.path.join(self.tmp.name, "nogoals")
        shutil.copytree(SURVEY, d, ignore=shutil.ignore_patterns("example", "targets.csv"))
        ini = os.path.join(d, "survey.ini")
        with open(ini, encoding="utf-8") as f:
            text = f.read().replace("id = copenhagen\n", "id = nogoals\n")
        with open(ini, "w", encoding="utf-8") as f:
            f.write(text)
        self.db = os.path.join(self.tmp.name, "n.db")
        run("init", db=self.db, check=0)
        run("survey", "add", d, db=self.db, check=0)
        run("import", "--survey", "nogoals", *WAVES[:2], db=self.db, check=0)

    def tearDown(self):
        self.tmp.cleanup()

    def test_compare_takes_every_index_and_share_and_the_report_says_no_goals(self):
        p = run("compare", "--survey", "nogoals", "--format", "csv", db=self.db, check=0)
        measures = {r["measure"] for r in csv.DictReader(io.StringIO(p.stdout), delimiter=";")}
        self.assertEqual(measures, {"inclusion", "safety", "share_discriminated",
                                    "share_unsafe_night", "share_trust_police"})
        # the same as asking for them by name
        q = run("compare", "--survey", "nogoals", "--format", "csv", "--measure",
                "inclusion,safety,share_discriminated,share_unsafe_night,share_trust_police",
                db=self.db, check=0)
        self.assertEqual(p.stdout, q.stdout)
        run("compute", "--survey", "nogoals", db=self.db, check=0)
        text = run("report", "--run", "1", "--lang", "en", db=self.db, check=0).stdout
        self.assertIn("The survey definition sets no goals (targets.csv).", text)
        html = run("report", "--run", "1", "--format", "html", db=self.db, check=0).stdout
        self.assertIn("<p>Definitionen fastsætter ingen mål (targets.csv).</p>", html)


if __name__ == "__main__":
    main()
