"""Hostile values, generated at test time into a temporary directory: numbers with thousands
of digits, NaN/inf spellings, 1e308 weights whose sums overflow, 100,000 columns, very many
strata, identifiers with quotes and SQL in them, paths with spaces and non-ASCII letters, in
response files and in survey definitions. Each is either refused with exit status 2 and a
file:line:column message (and the store left exactly as it was) or handled correctly.

Under HELBY_TEST_WRAPPER (valgrind in .ci/run) the large cases are scaled down."""
import os
import re
import shutil
import sqlite3
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import SURVEY, WAVES, WRAPPER, main, run, store_fingerprint  # noqa: E402

SCALE = 10 if WRAPPER else 1


def example_rows(n=40):
    """Header and the first n data rows of the 2011 example wave (';', decimal comma)."""
    with open(WAVES[0], encoding="utf-8-sig") as f:
        lines = f.read().splitlines()
    return lines[0].split(";"), [line.split(";") for line in lines[1:n + 1]]


def write_csv(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(";".join(header) + "\r\n")
        for r in rows:
            f.write(";".join(r) + "\r\n")


def copy_survey(dest):
    shutil.copytree(SURVEY, dest, ignore=shutil.ignore_patterns("example"))
    return dest


class Hostile(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="helby-hostile-")
        self.dir = self.tmp.name
        self.db = os.path.join(self.dir, "store.db")
        run("init", db=self.db, check=0)
        run("survey", "add", SURVEY, db=self.db, check=0)
        self.header, self.rows = example_rows()
        self.col = {name: i for i, name in enumerate(self.header)}
        # Data in the store, so "unchanged" means something: a few rows as wave 2012 (not a
        # whole example wave: under valgrind that import alone takes seconds per test).
        rows = [list(r) for r in self.rows[:10]]
        for k, r in enumerate(rows):
            r[self.col["wave"]] = "2012"
            r[self.col["resp_id"]] = "stored-%d" % k
        stored = self.path("stored_2012.csv")
        write_csv(stored, self.header, rows)
        run("import", "--survey", "copenhagen", stored, db=self.db, check=0)

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def with_value(self, name, column, value, row=4):
        """The example rows with one cell replaced (row 4 is file line 6)."""
        rows = [list(r) for r in self.rows]
        rows[row][self.col[column]] = value
        p = self.path(name)
        write_csv(p, self.header, rows)
        return p

    def refused(self, path, line, column, phrase, *opts):
        before = store_fingerprint(self.db)
        p = run("import", "--survey", "copenhagen", *opts, path, db=self.db)
        self.assertEqual(p.returncode, 2, "%s: exit %d\n%s" % (path, p.returncode, p.stderr))
        self.assertEqual(before, store_fingerprint(self.db), path + ": store changed")
        where = "%s:%d:%s" % (re.escape(path), line, "%d:" % column if column else "")
        examples = [l for l in p.stderr.splitlines() if re.match(re.escape(path) + r":\d+:", l)]
        self.assertRegex(examples[0], "^" + where, p.stderr[:2000])
        self.assertIn(phrase, p.stderr[:4000])
        return p

    # ---- numbers ----

    def refused_at_each(self, name, cells):
        """One file with each (column, value) in its own row: every one must be reported at
        its line and column, with its phrase (one import, so valgrind stays quick)."""
        rows = [list(r) for r in self.rows]
        expected = []
        for k, (column, value, phrase) in enumerate(cells):
            rows[k][self.col[column]] = value
            expected.append((k + 2, self.col[column] + 1, phrase))
        p = self.path(name)
        write_csv(p, self.header, rows)
        before = store_fingerprint(self.db)
        r = run("import", "--survey", "copenhagen", "--max-errors", "100", p, db=self.db)
        self.assertEqual(r.returncode, 2, r.stderr[:2000])
        self.assertEqual(before, store_fingerprint(self.db), p + ": store changed")
        lines = r.stderr.splitlines()
        for line, column, phrase in expected:
            with self.subTest(line=line, column=column):
                prefix = "%s:%d:%d:" % (p, line, column)
                hits = [x for x in lines if x.startswith(prefix)]
                self.assertEqual(len(hits), 1, "%s\n%s" % (prefix, r.stderr[:3000]))
                self.assertIn(phrase, hits[0])
        self.assertEqual(len([x for x in lines if re.match(re.escape(p) + r":\d+:", x)]),
                         len(expected), r.stderr[:3000])

    def test_numbers_with_thousands_of_digits_are_refused_where_they_are(self):
        self.refused_at_each("digits.csv", [
            ("weight", "9" * 5000, "expected"),                       # overflows a double
            ("weight", "0," + "0" * 4998 + "1", "positive weight"),  # underflows to 0
            ("tillid_politi", "1" + "0" * 4999, "expected an integer 1–5"),
            ("fpc", "1" * 3000, "expected"),
            ("disk_12m", "-" + "7" * 2000, "expected"),
        ])

    def test_nan_and_inf_spellings_are_not_numbers(self):
        values = ["NaN", "nan", "-nan", "inf", "-inf", "Infinity", "INF", "1e999", "-1e999",
                  "0x10", "1,5e", "--1", "1e+", "١٢"]
        for column in ("weight", "tillid_politi"):
            with self.subTest(column=column):
                self.refused_at_each("nan_%s.csv" % column,
                                     [(column, v, "expected") for v in values])

    def test_weights_of_1e308_whose_sums_overflow_are_refused(self):
        rows = [list(r) for r in self.rows]
        for r in rows:
            r[self.col["weight"]] = "1e308"
        p = self.path("huge_weights.csv")
        write_csv(p, self.header, rows)
        self.refused(p, 2, self.col["weight"] + 1, "at most 1e12")

    def test_weights_at_the_limit_give_the_same_means_as_unit_weights(self):
        # A mean does not depend on the scale of the weights: 1e12 (the largest accepted)
        # and 1 must agree, and nothing may overflow to NaN or inf.
        means = {}
        for tag, w, wave in (("unit", "1", "2013"), ("huge", "1000000000000", "2014")):
            rows = [list(r) for r in self.rows]
            for k, r in enumerate(rows):
                r[self.col["weight"]] = w
                r[self.col["wave"]] = wave
                r[self.col["resp_id"]] = "%s-%d" % (tag, k)
            p = self.path("w_%s.csv" % tag)
            write_csv(p, self.header, rows)
            run("import", "--survey", "copenhagen", p, db=self.db, check=0)
            out = run("estimate", "--survey", "copenhagen", "--index", "inclusion,safety",
                      "--by", "wave", "--format", "csv", db=self.db, check=0).stdout
            head = out.splitlines()[0].split(";")
            for line in out.splitlines()[1:]:
                f = line.split(";")
                if f[1] == wave:
                    means[(tag, f[0])] = f
        for index in ("inclusion", "safety"):
            unit, huge = means[("unit", index)], means[("huge", index)]
            for a, b in zip(unit, huge):
                self.assertNotIn(b.lower(), ("nan", "-nan", "inf", "-inf"), huge)
            est_col = head.index("estimate")
            self.assertAlmostEqual(float(unit[est_col]), float(huge[est_col]), places=9)

    # ---- shapes ----

    def test_a_hundred_thousand_columns_are_refused_on_line_1(self):
        p = self.path("wide.csv")
        n = 100000
        with open(p, "w", encoding="utf-8") as f:
            f.write(";".join(self.header + ["extra_%d" % i for i in range(n)]) + "\n")
            f.write(";".join(self.rows[0] + ["1"] * n) + "\n")
        self.refused(p, 1, 10001, "more than 10000 columns")

    def test_very_many_strata_import_and_estimate(self):
        # 50,000 strata of two PSUs with one respondent each (5,000 under valgrind). The
        # estimate once numbered strata and PSUs by scanning the labels seen so far: minutes
        # here, over ten at 250,000 strata.
        n_strata = 50000 // SCALE
        base = self.rows[0]
        p = self.path("strata.csv")
        with open(p, "w", encoding="utf-8") as f:
            f.write(";".join(self.header) + "\n")
            for h in range(n_strata):
                for k in range(2):
                    r = list(base)
                    r[self.col["resp_id"]] = "id-%d-%d" % (h, k)
                    r[self.col["wave"]] = "2013"
                    r[self.col["stratum"]] = "stratum «%d» ø" % h
                    r[self.col["psu"]] = "psu-%d-%d" % (h, k)
                    r[self.col["fpc"]] = "1000"
                    r[self.col["origin"]] = "1" if (h + k) % 2 else "3"
                    f.write(";".join(r) + "\n")
        start = time.time()
        out = run("import", "--survey", "copenhagen", p, db=self.db, check=0).stdout
        self.assertIn(str(2 * n_strata), out)
        if not WRAPPER:
            self.assertLess(time.time() - start, 30)
        start = time.time()
        p = run("estimate", "--survey", "copenhagen", "--var", "tillid_politi", "--by", "wave",
                "--format", "csv", db=self.db, check=0)
        if not WRAPPER:
            self.assertLess(time.time() - start, 15)
        rows = [x.split(";") for x in p.stdout.splitlines()]
        head = rows[0]
        row = [r for r in rows[1:] if r[head.index("wave")] == "2013"]
        self.assertEqual(len(row), 1, p.stdout)
        # Every respondent answered the same: the mean is that answer, with SE 0, over all
        # the strata's respondents.
        answer = float(base[self.col["tillid_politi"]])
        self.assertEqual(float(row[0][head.index("estimate")]), answer)
        self.assertEqual(float(row[0][head.index("se")]), 0)
        self.assertEqual(int(row[0][head.index("n")]), 2 * n_strata)

    def test_long_stratum_labels_that_differ_only_at_the_end_are_two_strata(self):
        # Labels were cut to 500 bytes when strata were numbered, merging these two. Two
        # strata of two PSUs each: design df = PSUs - strata = 4 - 2 (docs/method.md §2).
        db = os.path.join(self.dir, "long.db")
        run("init", db=db, check=0)
        run("survey", "add", SURVEY, db=db, check=0)
        rows = [list(r) for r in self.rows[:8]]
        stem = "stratum " + "x" * 2000
        for k, r in enumerate(rows):
            r[self.col["resp_id"]] = "long-%d" % k
            r[self.col["wave"]] = "2013"
            r[self.col["stratum"]] = stem + ("A" if k < 4 else "B")
            r[self.col["psu"]] = "psu-%d" % (k // 2)
            r[self.col["fpc"]] = "100"
        p = self.path("long_labels.csv")
        write_csv(p, self.header, rows)
        run("import", "--survey", "copenhagen", p, db=db, check=0)
        out = run("estimate", "--survey", "copenhagen", "--var", "tillid_politi", "--by",
                  "wave", "--format", "csv", db=db, check=0).stdout.splitlines()
        head = out[0].split(";")
        self.assertEqual(len(out), 2, out)
        self.assertEqual(float(out[1].split(";")[head.index("df")]), 2)

    # ---- identifiers ----

    def test_ids_and_labels_with_quotes_and_sql_are_stored_as_text(self):
        hostile = ["r'); DROP TABLE wave; --", '"quoted" id', "Robert'); DELETE FROM import;--",
                   "x' OR '1'='1", "semi\\;colon", "%s%n%x", "ø' UNION SELECT * FROM survey --"]
        rows = [list(r) for r in self.rows[:len(hostile)]]
        for k, r in enumerate(rows):
            r[self.col["resp_id"]] = '"' + hostile[k].replace('"', '""') + '"'
            r[self.col["wave"]] = "2013"
            r[self.col["stratum"]] = '"' + hostile[(k + 1) % len(hostile)].replace('"', '""') + '"'
            r[self.col["psu"]] = "p-%d" % k
        p = self.path("sql.csv")
        write_csv(p, self.header, rows)
        run("import", "--survey", "copenhagen", p, db=self.db, check=0)
        con = sqlite3.connect(self.db)
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        self.assertTrue({"survey", "import", "wave", "wave_column"} <= tables, tables)
        self.assertEqual(con.execute("SELECT count(*) FROM wave").fetchone()[0], 2)
        blob = con.execute("SELECT data FROM wave_column JOIN wave ON wave.id = wave_id "
                           "WHERE variable = 'resp_id' AND wave.wave = 2013").fetchone()[0]
        con.close()
        self.assertEqual(blob.split(b"\0")[:len(hostile)], [h.encode() for h in hostile])
        # A survey name with SQL in it is only a name that is not there.
        for name in ("copenhagen'; DROP TABLE survey; --", "x' OR '1'='1"):
            p = run("survey", "show", name, db=self.db)
            self.assertEqual(p.returncode, 2, p.stderr)  # an unknown survey: bad input
            self.assertIn(name, p.stderr)
        run("survey", "show", "copenhagen", db=self.db, check=0)

    # ---- paths ----

    def test_paths_with_spaces_and_non_ascii_letters_work_and_are_named_in_errors(self):
        d = os.path.join(self.dir, "mappe med mellemrum ÆØÅ", "undersøgelse ünïcødé")
        os.makedirs(os.path.dirname(d))
        survey = copy_survey(d)
        db = os.path.join(os.path.dirname(d), "lager ø 'x'.db")
        run("init", db=db, check=0)
        run("survey", "add", survey, db=db, check=0)
        good = os.path.join(os.path.dirname(d), "bølge 2011 (kopi) ½.csv")
        write_csv(good, self.header, self.rows)
        run("import", "--survey", "copenhagen", good, db=db, check=0)
        p = run("survey", "show", "copenhagen", db=db, check=0)
        self.assertIn("copenhagen", p.stdout)
        # Another file of the same wave is refused, naming the survey and the first file.
        again = os.path.join(os.path.dirname(d), "bølge 2011 igen.csv")
        write_csv(again, self.header, self.rows[:-1])
        p = run("import", "--survey", "copenhagen", again, db=db)
        self.assertEqual(p.returncode, 2, p.stderr)  # a wave imported before: bad input
        self.assertIn("wave 2011 of survey copenhagen was already imported from %s" % good,
                      p.stderr)
        bad = os.path.join(os.path.dirname(d), "bølge 2012 — fejl.csv")
        rows = [list(r) for r in self.rows]
        for r in rows:
            r[self.col["wave"]] = "2012"
        rows[2][self.col["weight"]] = "-1"
        write_csv(bad, self.header, rows)
        before = store_fingerprint(db)
        p = run("import", "--survey", "copenhagen", bad, db=db)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertTrue(p.stderr.startswith("%s:4:%d:" % (bad, self.col["weight"] + 1)),
                        p.stderr)
        self.assertEqual(before, store_fingerprint(db))
        # A definition error names the file inside the oddly named directory.
        with open(os.path.join(survey, "targets.csv"), "a", encoding="utf-8") as f:
            f.write("goal9;;;inclusion;ratio_increase;1e999;all;2011;2014\n")
        p = run("survey", "add", survey, db=db)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn(os.path.join(survey, "targets.csv") + ":4:6:", p.stderr)

    # ---- survey definitions ----

    def survey_refused(self, survey, file, line, column, phrase):
        p = run("survey", "add", survey, db=self.db)
        self.assertEqual(p.returncode, 2, p.stderr)
        where = "%s:%d:%s" % (os.path.join(survey, file), line, "%d:" % column if column else "")
        self.assertIn(where, p.stderr)
        self.assertIn(phrase, p.stderr)

    def edit(self, survey, file, old, new):
        path = os.path.join(survey, file)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        self.assertIn(old, text)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text.replace(old, new, 1))

    def test_hostile_values_in_survey_definitions_are_refused_where_they_are(self):
        cases = [
            ("margins/2011.csv", "district;1;46000", "district;1;" + "9" * 4000, 2, 3,
             "total must be a positive number"),
            ("margins/2011.csv", "district;1;46000", "district;1;NaN", 2, 3,
             "total must be a positive number"),
            ("margins/2011.csv", "district;1;46000", "district;1;inf", 2, 3,
             "total must be a positive number"),
            ("targets.csv", ";10;minorities", ";1e999;minorities", 2, 6, "x must be a number"),
            ("codebook.csv", "tillid_politi;", "tillid_politi' OR '1'='1 --;", None,
             1, "variable names may hold"),
            ("survey.ini", "id = copenhagen", "id = copen'hagen\"; DROP TABLE survey", 5, None,
             "may hold a-z"),
        ]
        for i, (file, old, new, line, column, phrase) in enumerate(cases):
            with self.subTest(file=file, new=new[:40]):
                survey = copy_survey(self.path("def%d" % i))
                self.edit(survey, file, old, new)
                if line is None:  # the codebook row of tillid_politi
                    with open(os.path.join(survey, file), encoding="utf-8") as f:
                        line = 1 + [x.startswith("tillid_politi'") for x in
                                    f.read().splitlines()].index(True)
                before = store_fingerprint(self.db)
                self.survey_refused(survey, file, line, column, phrase)
                self.assertEqual(before, store_fingerprint(self.db))


if __name__ == "__main__":
    main()
