"""Labels from a survey's files leave helby safely in every format (issue 27 items 6 and 7):

- a label that a spreadsheet would run as a formula (=, +, -, @) is written to every CSV
  meant for spreadsheets (the report and barometer CSV, the HTML page's chart data, the
  command line's --format csv) with a leading ', numbers stay numbers, and --csv-raw keeps
  the text as it is;
- a district label longer than the report's label buffers (95 bytes), made of two-byte
  characters, comes out as valid UTF-8 in text, Markdown, HTML, CSV and JSON, and the XLSX
  workbook's sharedStrings.xml (every XML part) is well-formed."""
import base64
import csv
import io
import os
import re
import shutil
import sys
import tempfile
import unittest
import xml.dom.minidom
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import SURVEY, WAVES, main, run  # noqa: E402

LONG = "Ø" * 70  # 140 bytes of two-byte characters
# Markdown a label must not make: a link, emphasis, code, a table cell, HTML.
MARKDOWN = "[x](javascript:alert(1)) *b* `c` _d_ |e| <i>f</i> ![g][h]"
FORMULAS = {"@SUM(1+1)": "district 2", "=1+2": "index label_da", "+3-cmd": "index label_en"}


def edit(path, old, new):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    assert old in text, (path, old)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace(old, new, 1))


def labelled_survey(dest):
    shutil.copytree(SURVEY, dest, ignore=shutil.ignore_patterns("example"))
    edit(os.path.join(dest, "codebook.csv"), "1=Indre By|2=Østerbro", "1=%s|2=@SUM(1+1)" % LONG)
    edit(os.path.join(dest, "indices.csv"), "inclusion;Inklusionsindeks;Inclusion index",
         "inclusion;=1+2;+3-cmd")
    edit(os.path.join(dest, "indices.csv"), "Diskrimination (fravær af)", MARKDOWN)
    return dest


def register(dest):
    with open(os.path.join(SURVEY, "register_indicators.csv"), encoding="utf-8") as f:
        lines = f.read().splitlines()
    out = []
    for ln in lines:
        if not ln.startswith("#") and not ln.startswith("goal;"):
            f = ln.split(";")
            f[1] = "=HYPERLINK(1)"
            f[2] = "-" + f[2]
            ln = ";".join(f)
        out.append(ln)
    with open(dest, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
    return dest


def cells(text):
    return [c for row in csv.reader(io.StringIO(text), delimiter=";") for c in row]


def formula_cells(cs):
    """Cells a spreadsheet would run: starting with =, +, -, @ and not a number."""
    out = []
    for c in cs:
        if c[:1] in ("=", "+", "-", "@"):
            try:
                float(c)
            except ValueError:
                out.append(c)
    return out


class LabelSafety(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="helby-labels-")
        d = cls.tmp.name
        cls.db = os.path.join(d, "s.db")
        cls.register = register(os.path.join(d, "register.csv"))
        run("init", db=cls.db, check=0)
        run("survey", "add", labelled_survey(os.path.join(d, "copenhagen")), db=cls.db, check=0)
        run("import", "--survey", "copenhagen", *WAVES, db=cls.db, check=0)
        run("compute", "--survey", "copenhagen", db=cls.db, check=0)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_report_and_barometer_csv_neutralise_formulas_and_csv_raw_keeps_them(self):
        for args in (["report"], ["barometer", "--register", self.register]):
            p = run(*args, "--run", "1", "--format", "csv", db=self.db, check=0)
            cs = cells(p.stdout)
            self.assertEqual(formula_cells(cs), [], args[0])
            for text in FORMULAS if args[0] == "report" else ["=HYPERLINK(1)"]:
                if text == "+3-cmd":
                    continue  # the English label: --lang en below
                self.assertIn("'" + text, cs, "%s: %s" % (args[0], text))
            if args[0] == "report":  # negative numbers (gaps) stay numbers
                self.assertTrue([c for c in cs if re.match(r"-[0-9]", c)], args[0])
            raw = cells(run("--csv-raw", *args, "--run", "1", "--format", "csv",
                            db=self.db, check=0).stdout)
            self.assertTrue(formula_cells(raw), args[0] + " --csv-raw")
            self.assertNotIn("'=1+2", raw)
        en = cells(run("report", "--run", "1", "--format", "csv", "--lang", "en",
                       db=self.db, check=0).stdout)
        self.assertIn("'+3-cmd", en)
        self.assertEqual(formula_cells(en), [])

    def test_command_line_csv_and_chart_data_neutralise_formulas(self):
        p = run("estimate", "--survey", "copenhagen", "--by", "district", "--format", "csv",
                db=self.db, check=0)
        cs = cells(p.stdout)
        self.assertIn("'@SUM(1+1)", cs)
        self.assertEqual(formula_cells(cs), [])
        self.assertIn("@SUM(1+1)", cells(run("estimate", "--survey", "copenhagen", "--by",
                                             "district", "--format", "csv", "--csv-raw",
                                             db=self.db, check=0).stdout))
        page = run("report", "--run", "1", "--format", "html", db=self.db, check=0).stdout
        links = re.findall(r'href="data:text/csv;charset=utf-8;base64,([^"]*)"', page)
        self.assertTrue(links)
        data = [cells(base64.b64decode(x).decode("utf-8")) for x in links]
        self.assertEqual([formula_cells(d) for d in data if formula_cells(d)], [])
        self.assertTrue(any("district '@SUM(1+1)" in d for d in data)
                        or any("district @SUM(1+1)" in d for d in data))

    def test_long_multibyte_label_is_valid_utf8_in_every_format(self):
        for fmt in ("text", "md", "html", "csv", "json"):
            for args in (["report"], ["barometer", "--register", self.register]):
                out = os.path.join(self.tmp.name, "r." + fmt)
                run(*args, "--run", "1", "--format", fmt, "-o", out, db=self.db, check=0)
                with open(out, "rb") as f:
                    text = f.read().decode("utf-8")  # strict: raises on a cut character
                if args[0] == "report":  # text and Markdown columns are narrower
                    self.assertIn("Ø" * (25 if fmt in ("text", "md") else 40), text, fmt)
        for cmd in (["estimate", "--by", "district"], ["table", "--var", "district"]):
            for fmt in ("text", "csv", "json"):
                p = run(cmd[0], "--survey", "copenhagen", *cmd[1:], "--format", fmt,
                        db=self.db)
                self.assertEqual(p.returncode, 0, p.stderr)
        xlsx = os.path.join(self.tmp.name, "r.xlsx")
        run("report", "--run", "1", "--format", "xlsx", "-o", xlsx, db=self.db, check=0)
        with zipfile.ZipFile(xlsx) as z:
            parts = [n for n in z.namelist() if n.endswith(".xml") or n.endswith(".rels")]
            self.assertIn("xl/sharedStrings.xml", parts)
            for n in parts:
                xml.dom.minidom.parseString(z.read(n))  # raises when not well-formed
            self.assertIn("Ø" * 40, z.read("xl/sharedStrings.xml").decode("utf-8"))

    def test_markdown_escapes_labels(self):
        md = run("report", "--run", "1", "--format", "md", db=self.db, check=0).stdout
        esc = ("[x\\](javascript:alert(1)) \\*b\\* \\`c\\` \\_d\\_ \\|e\\| "
               "\\<i\\>f\\</i\\> \\![g\\][h]")
        self.assertTrue(esc in md, "the escaped label is not in the Markdown")
        self.assertNotIn(MARKDOWN, md)
        # every row of a table has as many unescaped | as its header
        rows = [ln for ln in md.splitlines() if ln.startswith("|")]
        self.assertTrue(rows)
        table = None
        for ln in md.splitlines():
            if not ln.startswith("|"):
                table = None
                continue
            n = len(re.findall(r"(?<!\\)\|", ln))
            if table is None:
                table = n
            self.assertEqual(n, table, ln)

    def test_bidi_controls_are_refused_where_labels_enter(self):
        """U+202E (right-to-left override) and U+2066 (left-to-right isolate) reorder the
        text around them on screen; refused in every definition file and the register."""
        for ch in ("\u202e", "\u2066"):
            for name, old in (("codebook.csv", "Indre By"), ("indices.csv", "Tryghedsindeks"),
                              ("shares.csv", None), ("survey.ini", "title_da = ")):
                d = os.path.join(self.tmp.name, "bidi")
                shutil.rmtree(d, ignore_errors=True)
                shutil.copytree(SURVEY, d, ignore=shutil.ignore_patterns("example"))
                path = os.path.join(d, name)
                with open(path, encoding="utf-8") as f:
                    lines = f.read().split("\n")
                at = next(i for i, ln in enumerate(lines) if i > 0 and ln and ln[0] != "#"
                          and (old is None or old in ln))
                if old is None:
                    lines[at] = lines[at][:-1] + ch + lines[at][-1:]
                else:
                    lines[at] = lines[at].replace(old, old + ch, 1)
                with open(path, "w", encoding="utf-8") as f:
                    f.write("\n".join(lines))
                db = os.path.join(self.tmp.name, "bidi.db")
                if os.path.exists(db):
                    os.unlink(db)
                run("init", db=db, check=0)
                p = run("survey", "add", d, db=db)
                self.assertEqual(p.returncode, 2, "%s: %s" % (name, p.stderr))
                self.assertIn("%s:%d" % (name, at + 1), p.stderr)
                self.assertIn("bidirectional control character (U+%04X)" % ord(ch), p.stderr)
            reg = os.path.join(self.tmp.name, "bidi.csv")
            with open(self.register, encoding="utf-8") as f:
                lines = f.read().split("\n")
            at = next(i for i, ln in enumerate(lines) if ln.startswith("goal2;"))
            lines[at] = lines[at].replace(";", ";" + ch, 3)
            with open(reg, "w", encoding="utf-8") as f:
                f.write("\n".join(lines))
            p = run("barometer", "--run", "1", "--register", reg, db=self.db)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("bidi.csv:%d:" % (at + 1), p.stderr)
            self.assertIn("bidirectional control character", p.stderr)

    def test_a_register_line_is_read_whole(self):
        """A register line over 1,023 bytes was split in two (fgets into 1 KiB); a line is
        read whole, and one over 64 KiB is refused at its line."""
        reg = os.path.join(self.tmp.name, "long.csv")
        with open(self.register, encoding="utf-8") as f:
            lines = f.read().split("\n")
        at = next(i for i, ln in enumerate(lines) if ln.startswith("goal2;"))
        f2 = lines[at].split(";")
        f2[2] = "Unge i uddannelse " + "x" * 1100
        lines[at] = ";".join(f2)
        with open(reg, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
        p = run("barometer", "--run", "1", "--register", reg, "--format", "html", db=self.db)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("Unge i uddannelse xxxx", p.stdout)
        f2[2] = "y" * 70000
        lines[at] = ";".join(f2)
        with open(reg, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
        p = run("barometer", "--run", "1", "--register", reg, db=self.db)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("long.csv:%d: line of" % (at + 1), p.stderr)


if __name__ == "__main__":
    main()
