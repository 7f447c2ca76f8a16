"""helby import of files made the way Excel and SPSS make them (issue 14): each imports with
what it needed said in the summary and stored in the import record, and stores the very
numbers of the clean file; the bad cases are clear errors that import nothing.

Every file here is the first 40 rows of the example's wave 2011, rewritten one way.
"""
import os
import re
import shutil
import sqlite3
import sys
import tempfile

from clitest import ROOT, SURVEY, WAVES, StoreCase, main, run, store_fingerprint
import unittest


def head(n=40):
    with open(WAVES[0], encoding="utf-8-sig") as f:
        lines = f.read().splitlines()
    return [line.split(";") for line in lines[: n + 1]]


def render(rows, sep=";"):
    return "".join(sep.join(r) + "\r\n" for r in rows)


def stored_columns(db):
    con = sqlite3.connect(db)
    rows = con.execute(
        "SELECT w.wave, c.variable, c.kind, c.n, c.data FROM wave_column c "
        "JOIN wave w ON w.id = c.wave_id ORDER BY w.wave, c.variable").fetchall()
    con.close()
    return rows


def last_dialect(db):
    con = sqlite3.connect(db)
    d = con.execute("SELECT dialect FROM import ORDER BY id DESC LIMIT 1").fetchone()[0]
    con.close()
    return d


class ImportThatHelps(StoreCase):
    def setUp(self):
        super().setUp()
        self.clean = self.write("clean.csv", render(head()))
        run("import", "--survey", "copenhagen", self.clean, db=self.db, check=0)
        self.want = stored_columns(self.db)

    def write(self, name, text, encoding="utf-8"):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w", encoding=encoding, newline="") as f:
            f.write(text)
        return path

    def imports_the_same(self, path, *opts, notes=()):
        p = run("import", "--survey", "copenhagen", "--replace", path, *opts, db=self.db,
                check=0)
        self.assertEqual(stored_columns(self.db), self.want)
        for n in notes:
            self.assertIn(n, p.stdout)
            self.assertIn(n, last_dialect(self.db))
        return p

    def refused(self, path, *opts, message):
        before = store_fingerprint(self.db)
        p = run("import", "--survey", "copenhagen", "--replace", path, *opts, db=self.db,
                check=2)
        self.assertIn(message, p.stderr)
        self.assertIn("nothing imported", p.stderr)
        self.assertEqual(store_fingerprint(self.db), before)

    def test_semicolons_with_decimal_points_import(self):
        rows = head()
        for r in rows[1:]:
            r[4] = r[4].replace(",", ".")  # weight 699,0000 -> 699.0000
        path = self.write("points.csv", render(rows))
        self.imports_the_same(path, notes=["decimal mark '.' sniffed from the values"])

    def test_mixed_decimal_marks_say_what_was_assumed(self):
        rows = head()
        rows[3][4] = rows[3][4].replace(",", ".")
        path = self.write("mixed.csv", render(rows))
        self.refused(path, message="(this file uses decimal comma)")
        p = run("import", "--check", "--survey", "copenhagen", self.clean, db=self.db, check=0)
        self.assertIn("decimal mark ',' sniffed from the values", p.stdout)

    def test_an_extra_column_is_refused_with_the_way_out_or_left_out_when_asked(self):
        rows = head()
        for i, r in enumerate(rows):
            r.insert(3, "postnr" if i == 0 else "2200")
        path = self.write("postnr.csv", render(rows))
        self.refused(path, message="postnr: unknown column: not in the survey's codebook "
                                   "(add it to codebook.csv, or leave it out with "
                                   "--ignore-column 'postnr' or --ignore-unknown-columns)")
        self.imports_the_same(path, "--ignore-column", "postnr",
                              notes=["column 'postnr' left out (--ignore-column)"])
        self.imports_the_same(path, "--ignore-unknown-columns",
                              notes=["column 'postnr' left out: not in the codebook"])
        self.refused(self.clean, "--ignore-column", "postnr",
                     message="postnr: --ignore-column names no column of the header")

    def test_headers_match_ignoring_case_and_near_misses_get_a_suggestion(self):
        rows = head()
        rows[0][0] = "RESP_ID"
        path = self.write("upper.csv", render(rows))
        self.imports_the_same(path, notes=["column 'RESP_ID' read as 'resp_id'"])
        rows[0][0] = "resp_id"
        rows[0][17] = "tillid_poliit"
        path = self.write("typo.csv", render(rows))
        self.refused(path, message="tillid_poliit: unknown column: not in the survey's "
                                   "codebook (did you mean 'tillid_politi'?)")

    def test_excel_sep_line_trailing_separators_and_empty_rows(self):
        rows = head()
        text = "sep=;\r\n" + "".join(";".join(r) + ";\r\n" for r in rows) + ";" * 23 + "\r\n"
        path = self.write("excel.csv", text)
        self.imports_the_same(path, notes=[
            "delimiter ';' from the first line 'sep=;'",
            "1 empty column after the header's last name left out",
            "40 rows had empty fields after the header's last column",
            "1 rows of empty fields only skipped (the first on line 43)"])

    def test_utf16_with_a_byte_order_mark_imports(self):
        path = self.write("utf16.csv", "\ufeff" + render(head()), encoding="utf-16-le")
        self.imports_the_same(path, notes=["converted from UTF-16 little-endian"])

    def test_value_labels_in_text_cells_are_read_as_codes_unless_refused(self):
        rows = head()
        col = rows[0].index("disk_12m")
        labels = {"1": "Ja", "2": "nej", "8": "Ved ikke", "9": "Ønsker ikke at svare", "": ""}
        for r in rows[1:]:
            r[col] = labels[r[col]]
        path = self.write("labels.csv", render(rows))
        self.imports_the_same(path, notes=["disk_12m: 39 cells written as value labels, "
                                           "read as codes (e.g. 'nej' -> 2)"])
        self.refused(path, "--no-labels", message="disk_12m: 'nej': expected an integer 1–2")

    def test_wave_option_stands_in_for_a_missing_wave_column_and_options_may_follow(self):
        rows = [r[:1] + r[2:] for r in head()]
        path = self.write("nowave.csv", render(rows))
        self.refused(path, message="required wave column is missing from the header "
                                   "(give the wave with --wave W)")
        p = run("import", path, "--survey", "copenhagen", "--wave", "2011", "--replace",
                db=self.db, check=0)
        self.assertIn("as wave 2011", p.stdout)
        # The wave column is stored as if the file had it (issue 24: compute and export
        # need it), byte for byte what the file with the column stored.
        self.assertEqual(stored_columns(self.db), self.want)
        self.assertIn("column 'wave' added: 2011 in every row", p.stdout)

    def test_many_rows_failing_the_same_way_get_one_line_with_the_way_out_first(self):
        rows = head()
        for r in rows[1:31]:
            r[7] = "11"                     # district: a new code on 30 rows
        for r in rows[1:]:
            r[1] = "2015"                   # a wave the codebook does not have yet
        path = self.write("new_codes.csv", render(rows))
        before = store_fingerprint(self.db)
        p = run("import", "--survey", "copenhagen", path, "--max-errors", "4", db=self.db,
                check=2)
        lines = p.stderr.splitlines()
        self.assertEqual(lines[0], path + ": wave: 40 rows (lines 2–41) fail the same way: "
                         "expected an integer 2011–2014; values: '2015' ×40 — if this is a "
                         "new wave, widen the wave's range in codebook.csv and add it to "
                         "'waves =' in survey.ini, then run 'helby survey add --update DIR'")
        self.assertEqual(lines[1], path + ": district: 30 rows (lines 2–31) fail the same "
                         "way: expected an integer 1–10; values: '11' ×30 — if these are new "
                         "codes, add them to codebook.csv (range or values), then run "
                         "'helby survey add --update DIR'")
        self.assertTrue(lines[2].startswith(path + ":2:2: wave: '2015'"), lines[2])
        self.assertEqual(lines[-2], "… and 66 more errors (raise --max-errors to see them)")
        self.assertEqual(lines[-1], "helby: nothing imported: 70 errors in 1 file")
        self.assertEqual(store_fingerprint(self.db), before)

    def test_variable_names_with_danish_letters_match_ignoring_case(self):
        d = os.path.join(self.tmp.name, "dansk")
        shutil.copytree(SURVEY, d)
        for name in ("codebook.csv", "indices.csv"):
            path = os.path.join(d, name)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            with open(path, "w", encoding="utf-8") as f:
                f.write(text.replace("tryg_dag;", "tryg_på_gaden;").replace(";tryg_dag;",
                                                                              ";tryg_på_gaden;"))
        db = os.path.join(self.tmp.name, "dansk.db")
        run("init", db=db, check=0)
        run("survey", "add", d, db=db, check=0)
        rows = head()
        rows[0][rows[0].index("tryg_dag")] = "TRYG_PÅ_GADEN"
        path = self.write("dansk.csv", render(rows))
        p = run("import", "--survey", "copenhagen", path, db=db, check=0)
        self.assertIn("column 'TRYG_PÅ_GADEN' read as 'tryg_på_gaden'", p.stdout)
        self.assertIn("tryg_på_gaden", [v for _, v, *_ in stored_columns(db)])


class SurveyDefinitions(unittest.TestCase):
    def test_the_survey_ini_example_of_surveys_readme_loads_as_printed(self):
        with open(os.path.join(ROOT, "surveys", "README.md"), encoding="utf-8") as f:
            example = re.search(r"```ini\n(.*?)```", f.read(), re.S).group(1)
        self.assertIn("; a-z 0-9 _ - ; how commands name the survey", example)
        with tempfile.TemporaryDirectory() as tmp:
            d = os.path.join(tmp, "copenhagen")
            shutil.copytree(SURVEY, d)
            with open(os.path.join(d, "survey.ini"), "w", encoding="utf-8") as f:
                f.write(example)
            p = run("survey", "check", d, check=0)
            # The id without its comment (ids are [a-z0-9_-]+, so a kept comment would fail).
            self.assertIn("survey copenhagen is valid", p.stdout)

    def test_survey_check_lists_every_error_of_survey_ini_and_the_codebook_at_once(self):
        with tempfile.TemporaryDirectory() as tmp:
            d = os.path.join(tmp, "broken")
            shutil.copytree(SURVEY, d)
            ini = os.path.join(d, "survey.ini")
            with open(ini, encoding="utf-8") as f:
                text = f.read()
            text = (text.replace("lonely_psu = fail", "lonely_psu = never")
                    .replace("language = da", "language = de")
                    .replace("[design]", "[design]\nweigth = weight"))
            with open(ini, "w", encoding="utf-8") as f:
                f.write(text)
            cb = os.path.join(d, "codebook.csv")
            with open(cb, encoding="utf-8") as f:
                text = f.read()
            text = (text.replace(";covariate;code;1;2;", ";covarite;code;1;2;", 1)
                    .replace("tryg_dag;Tryghed i lokalområdet om dagen;Safety in the "
                             "neighbourhood by day;item;code;1;4;8|9",
                             "tryg_dag;Tryghed i lokalområdet om dagen;Safety in the "
                             "neighbourhood by day;item;code;1;4;3|9"))
            with open(cb, "w", encoding="utf-8") as f:
                f.write(text)
            p = run("survey", "check", d, check=2)
            self.assertEqual(p.stderr.splitlines(), [
                d + "/survey.ini:13:1: unknown key 'weigth' in [design]",
                d + "/survey.ini:18: lonely_psu must be fail, remove, certainty, adjust or "
                    "average",
                d + "/survey.ini:31: language must be da or en",
                d + "/codebook.csv:10:4: sex: unknown role 'covarite' (item, id, wave, "
                    "stratum, psu, weight, fpc, group, district, covariate)",
                d + "/codebook.csv:21:8: tryg_dag: missing code 3 lies inside the valid "
                    "range 1–4",
                "helby: 5 errors in " + d])


if __name__ == "__main__":
    main()
