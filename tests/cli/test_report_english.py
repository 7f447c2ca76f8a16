"""Issue 25's acceptance, on the example (whose codebook has English value labels) with a
raked run and a sensitivity analysis (compute --weights raked --sensitivity 64): the English
HTML report, its PDF, its workbook and the English barometer hold no Danish label, no Danish
word or letter outside the district names (proper nouns, listed below) and no internal id;
the PDF has no page that ends in a heading or a table's head; and the barometer and the report
give each survey goal the value, CI, sign and verdict `helby compare` gives on the same
options, whose goal 4 is checked against the reduction of the gap computed by hand from
compare's own gap rows."""
import csv
import glob
import html as htmllib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import SURVEY, WAVES, main, run  # noqa: E402
from test_report import read_xlsx, report_rows  # noqa: E402

REGISTER = os.path.join(SURVEY, "register_indicators.csv")

# Proper nouns: Copenhagen's districts are called so in English too (codebook values_en).
PROPER_NOUNS = ["Indre By", "Østerbro", "Nørrebro", "Vesterbro/Kongens Enghave", "Valby",
                "Vanløse", "Brønshøj-Husum", "Bispebjerg", "Amager Øst", "Amager Vest"]

# Danish words a translation slip would show (function words and the report's own terms).
DANISH_WORDS = ["og", "eller", "ikke", "af", "på", "til", "med", "ved", "som", "der", "det",
                "den", "er", "år", "Kilde", "Herkomst", "Mål", "Bølge", "bølge", "bydel",
                "Bydel", "bydele", "Etniske", "etniske", "danskere", "indvandrere",
                "efterkommere", "samlet", "steg", "faldt", "opfyldt", "ikke opfyldt",
                "uafklaret", "Andel", "andel", "indeks", "undertrykt", "Vægtning", "Kørsel"]


def danish_labels():
    """Every Danish label of the definition that differs from its English one: the
    label_da / label_en pairs of each CSV (…_label_da / …_label_en in indices.csv) and the
    codes' values / values_en (codebook.csv, derived.csv). Goal labels with the policy's
    "X" are taken up to it."""
    labels = set()
    for path in glob.glob(os.path.join(SURVEY, "*.csv")):
        with open(path, encoding="utf-8") as f:
            rows = [l for l in f if not l.startswith("#")]
        for row in csv.DictReader(rows, delimiter=";"):
            for col, da in row.items():
                if col and col.endswith("label_da") and da:
                    en = row.get(col[:-2] + "en", "")
                    if da != en:
                        labels.add(da.split(" X ")[0])
            if row.get("values_en"):
                da = dict(x.split("=", 1) for x in row["values"].split("|") if x)
                en = dict(x.split("=", 1) for x in row["values_en"].split("|") if x)
                labels |= {v for k, v in da.items() if v != en[k]}
    return labels


def variable_names():
    """The definition's keys: variables, measures (indices, dimensions, shares), goals and
    the register's indicators — none may show in English reader-facing text."""
    names = set()
    for path, cols in (("codebook.csv", ["variable"]), ("derived.csv", ["variable"]),
                       ("shares.csv", ["share"]), ("targets.csv", ["goal"]),
                       ("indices.csv", ["index", "dimension", "item"]),
                       ("register_indicators.csv", ["goal", "indicator"])):
        with open(os.path.join(SURVEY, path), encoding="utf-8") as f:
            rows = [l for l in f if not l.startswith("#")]
        for row in csv.DictReader(rows, delimiter=";"):
            names |= {row[c] for c in cols if row.get(c)}
    # English words as well as keys ("inclusion", "trust", "weight", "wave") cannot be told
    # from their prose; the keys that are not English words can.
    english = {"inclusion", "safety", "discrimination", "influence", "trust", "wave", "weight",
               "stratum", "psu", "fpc", "origin", "district", "sex"}
    return names - english


def page_text(html):
    """What a reader of the HTML sees: text, alt text and ARIA labels, without the style
    sheet, the chart data's data: URIs (CSV for machines) and the provenance record (hashes
    and the run's options string, `method=2;variance=…;share_ci=…`, for `compute --rerun`)."""
    html = re.sub(r"<style.*?</style>", "", html, flags=re.S)
    html = re.sub(r'<dl class="prov">.*?</dl>', "", html, flags=re.S)
    attrs = re.findall(r'(?:aria-label|title|alt)="([^"]*)"', html)
    html = re.sub(r'href="data:[^"]*"', "", html)
    return htmllib.unescape(re.sub(r"<[^>]*>", " ", html) + "\n" + "\n".join(attrs))


class EnglishReports(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="helby-ren-")
        cls.db = os.path.join(cls.tmp.name, "e.db")
        run("init", db=cls.db, check=0)
        run("survey", "add", SURVEY, db=cls.db, check=0)
        run("import", "--survey", "copenhagen", *WAVES, db=cls.db, check=0)
        run("weight", "create", "--survey", "copenhagen", "--name", "raked", db=cls.db, check=0)
        run("compute", "--survey", "copenhagen", "--weights", "raked", "--sensitivity", "64",
            db=cls.db, check=0)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def report(self, *args):
        return run("report", "--run", "1", "--lang", "en", *args, db=self.db, check=0).stdout

    def barometer(self, fmt):
        return run("barometer", "--run", "1", "--register", REGISTER, "--lang", "en",
                   "--format", fmt, db=self.db, check=0).stdout

    def assert_english(self, what, text):
        text = re.sub(r"\s+", " ", text)  # a label wrapped in print is one label
        for n in PROPER_NOUNS:
            text = text.replace(n, " ")
        self.assertEqual(re.findall(r"\w*[æøåÆØÅ]\w*", text), [], what)
        for w in DANISH_WORDS:
            self.assertIsNone(re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(w), text), (what, w))
        for label in danish_labels():
            self.assertNotIn(label, text, what)
        for key in variable_names():
            self.assertIsNone(re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(key), text),
                              (what, key))
        for raw in (r"\bgoal\d", r"\b[a-z]+_[a-z0-9_]+\b", r"\b(district|origin|sex|ageband)=",
                    r"\b(regression|standardise):"):
            self.assertEqual(re.findall(raw, text), [], (what, raw))

    def test_danish_labels_are_read_from_the_definition(self):
        labels = danish_labels()
        for l in ("Dansk oprindelse", "Vestlige indvandrere og efterkommere", "Inklusionsindeks",
                  "Mål 4: Etniske minoriteters inklusionsindeks forbedres med", "Mand"):
            self.assertIn(l, labels)
        self.assertNotIn("Østerbro", labels)  # the same in both columns
        self.assertIn("share_discriminated", variable_names())
        self.assertIn("ageband", variable_names())

    def test_english_html_and_barometer_hold_no_danish_and_no_internal_id(self):
        html = self.report("--format", "html")
        text = page_text(html)
        self.assert_english("html", text)
        # Not vacuous: the English labels are there, district names among them.
        for s in ("Western immigrants and descendants", "Danish origin", "Inclusion index",
                  "How robust is the verdict?", "map of the districts", "Amager Øst"):
            self.assertIn(s, text)
        baro = page_text(self.barometer("html"))
        self.assert_english("barometer", baro)
        self.assertIn("Employment rate gap", baro)
        self.assert_english("barometer text", self.barometer("text"))
        self.assert_english("text", self.report().split("Options:")[0])

    def test_english_workbook_holds_no_danish_and_no_internal_id(self):
        out = os.path.join(self.tmp.name, "en.xlsx")
        self.report("--format", "xlsx", "-o", out)
        book = read_xlsx(out)
        self.assertIn("Robustness", book)
        self.assertIn("Weighting", book)
        cells = [str(v) for sh in book.values() for k, v in sh.items() if k != "_frozen"]
        self.assert_english("xlsx", "\n".join(cells))
        self.assertIn("Regression on age band and sex", cells)
        self.assertIn("Goal 4", cells)

    def pdf(self):
        for tool in ("chromium", "pdftotext", "pdftoppm"):
            if not shutil.which(tool):
                self.skipTest("%s is not installed (scripts/setup installs it)" % tool)
        pdf = os.path.join(self.tmp.name, "en.pdf")
        if not os.path.exists(pdf):
            self.report("--format", "pdf", "-o", pdf)
        return pdf

    def test_english_pdf_holds_no_danish_and_no_internal_id(self):
        text = subprocess.run(["pdftotext", self.pdf(), "-"], capture_output=True, text=True,
                              check=True).stdout
        body, prov = text.rsplit("Run and provenance", 1)
        self.assertIn("Rerun", prov)
        self.assert_english("pdf", body)
        self.assertIn("Western immigrants and descendants", re.sub(r"\s+", " ", body))

    def test_pdf_prints_text_and_tables_at_their_size(self):
        """Nothing shrinks the pages: a table too wide for the text width (eleven columns of
        "62.9 [61.4; 64.3]" on one line) made Chromium scale every page to about 67 %, the
        tables' 8 pt to 6 pt. pdftotext -bbox: a DejaVu Sans word's box is 1.164 times its
        font size tall (ascent 0.928 + descent 0.236 em), so an h2 of 19 px (14.25 pt) is
        16.6 pt tall and a table's 8 pt word 9.3 pt."""
        x = subprocess.run(["pdftotext", "-bbox", self.pdf(), "-"], capture_output=True,
                           text=True, check=True).stdout
        def height(word):
            m = re.search(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">%s</word>' % word, x)
            return float(m.group(2)) - float(m.group(1))
        self.assertAlmostEqual(height("Glossary"), 14.25 * 1.164, delta=0.5)
        self.assertAlmostEqual(height("Respondents"), 8 * 1.164, delta=0.3)  # weighting table

    def test_no_pdf_page_ends_in_a_heading_or_a_tables_head(self):
        """pdftotext -bbox-layout gives each page's lines; the last line above the footer
        must be neither (the end of) a heading or caption of the page nor a line of a
        table's header cells alone. pdftoppm rasterises every page."""
        pdf = self.pdf()
        html = self.report("--format", "html")
        heads = {re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]*>", "", h))).strip()
                 for h in re.findall(r"<(?:h[1-4]|caption)[^>]*>(.*?)</(?:h[1-4]|caption)>",
                                     html, flags=re.S)}
        th_words = set()
        for th in re.findall(r"<thead>(.*?)</thead>", html, flags=re.S):
            th_words |= set(htmllib.unescape(re.sub(r"<[^>]*>", " ", th)).split())
        # Every chart prints at the full text width (issue 25): its print width --pw, which
        # the print stylesheet gives svg.chart, is 100 % (the line charts, 560 px, too).
        pws = [float(v) for v in re.findall(r'<svg class="chart"[^>]*--pw:([\d.]+)%', html)]
        self.assertGreaterEqual(len(pws), 10)
        self.assertTrue(all(v >= 80 for v in pws), pws)
        self.assertIn("svg.chart{display:block;box-sizing:border-box;width:var(--pw,100%)", html)
        # A chart's legend ("Ethnic Danes  Ethnic minorities" under its axis) may end a page:
        # its words are also column heads, but a chart printed whole is no orphaned head.
        legend = set()
        for t in re.findall(r'<text[^>]*class="lg"[^>]*>(.*?)</text>', html, flags=re.S):
            legend |= set(htmllib.unescape(re.sub(r"<[^>]*>", " ", t)).split())
        x = subprocess.run(["pdftotext", "-bbox-layout", pdf, "-"], capture_output=True,
                           text=True, check=True).stdout
        pages = re.findall(r'<page width="[\d.]+" height="([\d.]+)">(.*?)</page>', x, re.S)
        self.assertGreaterEqual(len(pages), 8)
        self.assertLessEqual(len(pages), 19)
        for i, (ph, body) in enumerate(pages):
            lines = []
            for ln in re.findall(r'<line xMin="[\d.]+" yMin="([\d.]+)"[^>]*>(.*?)</line>', body,
                                 re.S):
                words = [htmllib.unescape(w) for w in re.findall(r">([^<]*)</word>", ln[1])]
                if float(ln[0]) < float(ph) - 16 * 72 / 25.4:  # above the footer margin
                    lines.append((float(ln[0]), " ".join(words)))
            lines.sort()
            # The page's last visual line: every text line within 2 pt of the lowest one
            # (a table row's cells are lines of their own).
            last = " ".join(t for y, t in lines if y > lines[-1][0] - 2)
            for h in heads:
                self.assertFalse(re.search(r"[A-Za-z]{3}", last) and h.endswith(last),
                                 "page %d ends in the heading %r" % (i + 1, h))
            self.assertFalse(set(last.split()) <= th_words and not re.search(r"\d", last)
                             and not set(last.split()) <= legend,
                             "page %d ends in a table's head: %r" % (i + 1, last))
        png = os.path.join(self.tmp.name, "pg")
        subprocess.run(["pdftoppm", "-r", "20", "-png", pdf, png], check=True)
        self.assertEqual(len(glob.glob(png + "-*.png")), len(pages))

    def test_barometer_and_report_agree_with_compare_on_each_goal(self):
        cmp = list(csv.DictReader(run(
            "compare", "--survey", "copenhagen", "--weights", "raked", "--format", "csv",
            db=self.db, check=0).stdout.splitlines(), delimiter=";"))
        goals = {r["quantity"].split()[0]: r for r in cmp if r["quantity"].startswith("goal")}
        self.assertEqual(sorted(goals), ["goal4", "goal6"])
        # Goal 4 by hand from compare's gap rows: the reduction (G_2011 - G_2014) / G_2011,
        # positive when the gap shrank; compare's signed relative change is its negative.
        gap = {r["wave"]: float(r["estimate"]) for r in cmp
               if r["measure"] == "inclusion" and r["quantity"].startswith("gap (")}
        reduction = (gap["2011"] - gap["2014"]) / gap["2011"]
        self.assertAlmostEqual(float(goals["goal4"]["estimate"]), reduction, places=12)
        rel = [r for r in cmp if r["measure"] == "inclusion" and r["wave"] == "2014" and
               r["quantity"] == "relative gap change (share)"][0]
        self.assertAlmostEqual(float(rel["estimate"]), -reduction, places=12)
        self.assertGreater(reduction, 0.3)  # the example's gap narrowed by about 46 %
        # Goal 6 by hand: all residents' safety 2014 - 2011 from the report's level rows.
        rep = report_rows(self.report("--format", "csv"))
        lvl = {r["wave"]: float(r["estimate"]) for r in rep if r["section"] == "level" and
               r["measure"] == "safety" and r["group"] == "all"}
        self.assertAlmostEqual(float(goals["goal6"]["estimate"]), lvl["2014"] - lvl["2011"],
                               places=10)

        rgoal = {r["quantity"]: r for r in rep if r["section"] == "goal"}
        baro = {r["goal"]: r for r in csv.DictReader(self.barometer("csv").splitlines(),
                                                     delimiter=";")}
        btext = self.barometer("text")
        bhtml = page_text(self.barometer("html"))
        rhtml = page_text(self.report("--format", "html"))
        for g, c in goals.items():
            est, lo, hi = (float(c[k]) for k in ("estimate", "ci_low", "ci_high"))
            verdict = c["quantity"].split(" ", 1)[1]
            for what, row, e, l, h, v in (
                    ("report", rgoal[g], "estimate", "ci_low", "ci_high", "flag"),
                    ("barometer", baro[g], "value", "ci_low", "ci_high", "verdict")):
                self.assertAlmostEqual(float(row[e]), est, places=12, msg=(what, g))
                self.assertAlmostEqual(float(row[l]), lo, places=12, msg=(what, g))
                self.assertAlmostEqual(float(row[h]), hi, places=12, msg=(what, g))
                self.assertEqual(row[v], verdict, (what, g))
                self.assertEqual(float(row[e]) > 0, est > 0, (what, g))
            # Both goals are "higher is better" in the barometer: a positive value over the
            # whole period is improving, and so it says.
            self.assertEqual(baro[g]["better"], "higher")
            self.assertEqual(baro[g]["direction_whole"], "improving" if est > 0 else "worsening")
            # As printed: goal 4 in percent, goal 6 in points, one decimal, by hand.
            sc, unit = (100, " %") if g == "goal4" else (1, " points")
            shown = "%.1f [%.1f; %.1f]%s" % (est * sc, lo * sc, hi * sc, unit)
            self.assertIn(shown, btext, g)
            self.assertIn(shown, bhtml, g)
            self.assertIn(shown, rhtml, g)
            self.assertEqual(verdict, "met")


if __name__ == "__main__":
    main()
