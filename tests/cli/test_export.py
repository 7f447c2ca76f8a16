"""`helby weight export` and `helby export` on the example survey raked to its register margins.

Golden values from R survey 4.1.1 (scripts/r-golden-export.R, run by hand):
tests/golden/copenhagen_raked_weights.csv holds R calibrate(calfun = "raking")'s weights
computed from the response files; tests/golden/copenhagen_export_estimate.csv holds svyby
means and SEs that R computed with svydesign on the CSV that `helby export` wrote."""
import csv
import io
import os
import sqlite3
import stat
import struct
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import ROOT, WAVES, StoreCase, main, run  # noqa: E402

GOLDEN = os.path.join(ROOT, "tests", "golden")
MARGINS = "district,origin,sex*ageband"


def read_golden(name):
    with open(os.path.join(GOLDEN, name), encoding="utf-8") as f:
        lines = [l for l in f if not l.startswith("#")]
    return list(csv.DictReader(lines, delimiter=";"))


class Export(StoreCase):
    def setUp(self):
        super().setUp()
        run("import", "--survey", "copenhagen", *WAVES, db=self.db, check=0)
        run("weight", "create", "--survey", "copenhagen", "--name", "raked", "--method", "rake",
            "--margins", MARGINS, db=self.db, check=0)

    def weight_export(self, *args):
        p = run("weight", "export", "--survey", "copenhagen", "--stdout", *args, db=self.db,
                check=0)
        self.assertIn("microdata", p.stderr)
        return list(csv.DictReader(io.StringIO(p.stdout), delimiter=";"))

    def stored_weights(self, name):
        con = sqlite3.connect(self.db)
        out = {}
        for wave, n, blob in con.execute("SELECT wave, n, weights FROM weight_set WHERE name = ?",
                                         (name,)):
            out[wave] = struct.unpack("<%dd" % n, blob)
        con.close()
        return out

    def test_weight_export_is_the_stored_weights_bit_for_bit(self):
        rows = self.weight_export("--name", "raked")
        stored = self.stored_weights("raked")
        self.assertEqual(len(rows), sum(len(w) for w in stored.values()))
        at = {}
        for r in rows:
            wave = int(r["wave"])
            i = at.get(wave, 0)
            at[wave] = i + 1
            # float() of the shortest round-trip text is the exact double stored
            self.assertEqual(float(r["final_weight"]), stored[wave][i], r)
            self.assertEqual(float(r["g_weight"]),
                             float(r["final_weight"]) / float(r["base_weight"]))
            self.assertEqual(r["weight_set"], "raked")

    def test_weight_export_equals_r_calibrate_raking(self):
        rows = {(r["id"], r["wave"]): float(r["final_weight"]) for r in self.weight_export()}
        gold = read_golden("copenhagen_raked_weights.csv")
        self.assertEqual(len(gold), 11936)
        self.assertEqual(len(rows), len(gold))
        worst = max(abs(rows[(g["resp_id"], g["wave"])] / float(g["weight"]) - 1) for g in gold)
        self.assertLess(worst, 1e-10)

    def test_all_weight_sets_are_exported_and_files_are_private(self):
        run("weight", "create", "--survey", "copenhagen", "--name", "ps", "--method",
            "poststratify", "--margins", "district", db=self.db, check=0)
        names = {r["weight_set"] for r in self.weight_export()}
        self.assertEqual(names, {"ps", "raked"})
        path = os.path.join(self.tmp.name, "w.csv")
        with open(path, "w") as f:
            f.write("old")
        os.chmod(path, 0o644)
        run("weight", "export", "--survey", "copenhagen", "-o", path, db=self.db, check=0)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        p = run("weight", "export", "--survey", "copenhagen", "--name", "nope", "--stdout",
                db=self.db)
        self.assertEqual(p.returncode, 2)  # not found
        self.assertIn("no weight set 'nope'", p.stderr)

    def export(self, ext):
        path = os.path.join(self.tmp.name, "scored." + ext)
        p = run("export", "--survey", "copenhagen", "--weights", "raked", "-o", path,
                db=self.db, check=0)
        self.assertIn("microdata", p.stderr)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        return path

    def test_svydesign_on_the_export_reproduces_helby_estimates(self):
        gold = read_golden("copenhagen_export_estimate.csv")
        self.assertEqual(len(gold), 32)
        for weights in ("base", "raked"):
            p = run("estimate", "--survey", "copenhagen", "--index", "inclusion,safety", "--by",
                    "group,wave", *(["--weights", weights] if weights != "base" else []),
                    "--format", "csv", "--lang", "en", db=self.db, check=0)
            got = {(r["measure"], r["group"], r["wave"]): r
                   for r in csv.DictReader(io.StringIO(p.stdout), delimiter=";")}
            for g in gold:
                if g["weights"] != ("weight" if weights == "base" else "final_weight"):
                    continue
                r = got[(g["measure"], g["group"], g["wave"])]
                self.assertAlmostEqual(float(r["estimate"]) / float(g["estimate"]), 1, delta=1e-8)
                if weights == "base":  # raked SEs use calibration residuals, R's svydesign not
                    self.assertAlmostEqual(float(r["se"]) / float(g["se"]), 1, delta=1e-8)
        # and today's export still holds the data R read: weighted means by hand
        with open(self.export("csv"), encoding="utf-8") as f:
            rows = list(csv.DictReader(f, delimiter=";"))
        for g in gold:
            sel = [r for r in rows if r["group"] == g["group"] and r["wave"] == g["wave"]
                   and r[g["measure"]] != ""]
            w = [float(r[g["weights"]]) for r in sel]
            m = sum(wi * float(r[g["measure"]]) for wi, r in zip(w, sel)) / sum(w)
            self.assertAlmostEqual(m / float(g["estimate"]), 1, delta=1e-12)

    def test_spss_and_stata_files_are_written(self):
        with open(self.export("sav"), "rb") as f:
            self.assertEqual(f.read(4), b"$FL2")
        with open(self.export("dta"), "rb") as f:
            self.assertEqual(f.read(11), b"<stata_dta>")
        p = run("export", "--survey", "copenhagen", db=self.db)
        self.assertEqual(p.returncode, 1)  # microdata only to a file
        self.assertIn("-o FILE", p.stderr)


HOSTILE = ["=HYPERLINK(A1)", "+1+cmd", "@SUM(A1)", "-2+3", "\tTAB", "-1.5",
           "+7", "=1"]


class FormulaCells(StoreCase):
    """Issue 27 item 7: ids come from vendors' files; a CSV export is opened in spreadsheets,
    which run a cell starting with =, +, -, @ as a formula. Such text cells get a leading '
    (OWASP), numbers like -1.5 stay numbers, --csv-raw keeps the stored text."""

    def setUp(self):
        super().setUp()
        with open(WAVES[0], encoding="utf-8-sig") as f:
            lines = f.read().splitlines()
        for i, h in enumerate(HOSTILE):
            lines[1 + i] = h + lines[1 + i][lines[1 + i].index(";"):]
        self.wave = os.path.join(self.tmp.name, "wave_2011.csv")
        with open(self.wave, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        run("import", "--survey", "copenhagen", self.wave, db=self.db, check=0)
        run("weight", "create", "--survey", "copenhagen", "--name", "raked", db=self.db, check=0)

    def ids(self, text):
        rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
        key = "id" if "id" in rows[0] else "resp_id"
        return [r[key] for r in rows[:len(HOSTILE)]]

    def expected(self, raw):
        if raw:
            return HOSTILE
        return ["'" + h if h not in ("-1.5", "+7") else h for h in HOSTILE]

    def test_export_and_weight_export_neutralise_formulas(self):
        for raw in (0, 1):
            with self.subTest(raw=raw):
                out = os.path.join(self.tmp.name, "x%d.csv" % raw)
                extra = ["--csv-raw"] if raw else []
                run("export", "--survey", "copenhagen", "-o", out, *extra, db=self.db, check=0)
                with open(out, encoding="utf-8") as f:
                    self.assertEqual(self.ids(f.read()), self.expected(raw))
                p = run("weight", "export", "--survey", "copenhagen", "--stdout", *extra,
                        db=self.db, check=0)
                self.assertEqual(self.ids(p.stdout), self.expected(raw))


if __name__ == "__main__":
    main()
