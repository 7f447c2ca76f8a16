"""Issue 24: waves as the survey team meets them over a year (a file without its wave
column, a wave imported by mistake, computing on chosen waves). Each test reproduced its
problem on the code before the fix."""
import csv
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import WAVES, StoreCase, main, run  # noqa: E402


def write_without(src, dst, column):
    """Copy a ';' response file without one of its columns."""
    with open(src, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    i = rows[0].index(column)
    with open(dst, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=";", lineterminator="\n")
        for r in rows:
            w.writerow(r[:i] + r[i + 1:])


class WaveGivenOnTheCommandLine(StoreCase):
    def test_import_wave_then_compute_and_export(self):
        # Item 1: `import --wave W` of a file without the wave column succeeded, and then
        # compute and export failed with "wave 2011 of copenhagen has no variable wave".
        path = os.path.join(self.tmp.name, "nowave.csv")
        write_without(WAVES[0], path, "wave")
        p = run("import", "--survey", "copenhagen", "--wave", "2011", path, db=self.db, check=0)
        self.assertIn("column 'wave' added: 2011 in every row", p.stdout)
        run("compute", "--survey", "copenhagen", db=self.db, check=0)
        out = os.path.join(self.tmp.name, "x.csv")
        run("export", "--survey", "copenhagen", "-o", out, db=self.db, check=0)
        with open(out, encoding="utf-8") as f:
            text = f.read()
        sep = ";" if text.split("\n", 1)[0].count(";") else ","
        rows = list(csv.DictReader(text.splitlines(), delimiter=sep))
        self.assertEqual({r["wave"] for r in rows}, {"2011"})
        self.assertGreater(len(rows), 2000)


if __name__ == "__main__":
    main()
