"""helby report and helby barometer on the example survey: the numbers against R `survey`
(tests/golden/copenhagen_*.csv from scripts/r-golden.R) and `helby compare`, disclosure
control, the formats (text, CSV, JSON, Markdown, HTML rendered by headless Chromium, XLSX read
back with zipfile + xml), the barometer, and the golden outputs tests/golden/report_*
(regenerate deliberately with scripts/regen-report-golden)."""
import csv
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import ROOT, SURVEY, WAVES, main, run  # noqa: E402

GOLDEN = os.path.join(ROOT, "tests", "golden")
REGISTER = os.path.join(SURVEY, "register_indicators.csv")
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def close(a, b, rel=1e-8):
    return abs(a - b) <= max(rel * abs(b), 1e-10)


def read_gold(name):
    with open(os.path.join(GOLDEN, name), encoding="utf-8") as f:
        f.readline()  # provenance comment
        return list(csv.DictReader(f, delimiter=";"))


def report_rows(text):
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def normalize(text):
    """Run times differ between runs; everything else in a report is reproducible. SHA-256
    hashes (provenance) are set aside too: a change of the definition's file layout would
    change them without changing a number (test_runs checks that a rerun reproduces the
    result hash)."""
    text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "TIME", text)
    return re.sub(r"\b[0-9a-f]{64}\b", "SHA256", text)


def read_xlsx(path):
    """{sheet name: {cell ref: value}} with shared strings resolved, numbers as floats."""
    z = zipfile.ZipFile(path)
    strings = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS):
            strings.append("".join(t.text or "" for t in si.iter("{%s}t" % NS["m"])))
    wb = ET.fromstring(z.read("xl/workbook.xml"))
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target") for r in rels}
    out = {}
    for s in wb.find("m:sheets", NS):
        rid = s.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
        xml = ET.fromstring(z.read("xl/" + target[rid]))
        cells = {}
        for c in xml.iter("{%s}c" % NS["m"]):
            v = c.find("m:v", NS)
            if v is None:
                continue
            cells[c.get("r")] = strings[int(v.text)] if c.get("t") == "s" else float(v.text)
        frozen = xml.find("m:sheetViews/m:sheetView/m:pane", NS)
        cells["_frozen"] = frozen is not None and frozen.get("state") == "frozen"
        out[s.get("name")] = cells
    return out


def table(cells):
    """Rows of a sheet as lists (row 1 = header), by the cell refs' row numbers."""
    rows = {}
    for ref, v in cells.items():
        m = re.match(r"([A-Z]+)(\d+)$", ref)
        if not m:
            continue
        col = 0
        for ch in m.group(1):
            col = col * 26 + ord(ch) - 64
        rows.setdefault(int(m.group(2)), {})[col - 1] = v
    width = max(max(r) for r in rows.values()) + 1
    return [[rows[i].get(j) for j in range(width)] for i in sorted(rows)]


class Report(unittest.TestCase):
    """One store with the example waves and run 1, made once; each test gets a copy."""

    @classmethod
    def setUpClass(cls):
        cls.base = tempfile.TemporaryDirectory(prefix="helby-report-")
        cls.base_db = os.path.join(cls.base.name, "base.db")
        run("init", db=cls.base_db, check=0)
        run("survey", "add", SURVEY, db=cls.base_db, check=0)
        run("import", "--survey", "copenhagen", *WAVES, db=cls.base_db, check=0)
        run("compute", "--survey", "copenhagen", db=cls.base_db, check=0)

    @classmethod
    def tearDownClass(cls):
        cls.base.cleanup()

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="helby-cli-")
        self.db = os.path.join(self.tmp.name, "test.db")
        for suffix in ("", "-wal", "-shm"):  # helby closes the store cleanly: no WAL left
            if os.path.exists(self.base_db + suffix):
                shutil.copy(self.base_db + suffix, self.db + suffix)

    def tearDown(self):
        self.tmp.cleanup()

    def report(self, *args, check=0):
        return run("report", "--run", "1", *args, db=self.db, check=check)

    def test_levels_and_comparisons_match_r_survey_and_helby_compare(self):
        rows = report_rows(self.report("--format", "csv").stdout)
        level = {(r["measure"], r["group"], r["wave"]): r for r in rows
                 if r["section"] == "level"}
        cmp = {(r["measure"], r["wave"], r["quantity"]): r for r in rows
               if r["section"] == "comparison"}
        goals = {r["quantity"]: r for r in rows if r["section"] == "goal"}
        # R svyby means by group x wave (scored by R code written separately).
        gold = read_gold("copenhagen_estimate.csv")
        gold = [g for g in gold if (g["measure"], "danes", g["wave"]) in level]
        self.assertEqual(len(gold), 32)  # 4 measures of the run x 2 groups x 4 waves
        for g in gold:
            r = level[(g["measure"], "danes" if g["group"] == "0" else "minorities", g["wave"])]
            self.assertTrue(close(float(r["estimate"]), float(g["estimate"])), (r, g))
            self.assertTrue(close(float(r["se"]), float(g["se"])), (r, g))
        # R svycontrast: gap, ratio, difference in differences, relative gap change, goal 6.
        for g in read_gold("copenhagen_compare.csv"):
            r = goals["goal6"] if g["quantity"] == "change_all" else \
                cmp[(g["measure"], g["wave"], g["quantity"])]
            self.assertTrue(close(float(r["estimate"]), float(g["estimate"])), (r, g))
            self.assertTrue(close(float(r["se"]), float(g["se"])), (r, g))
        # helby compare computes the same quantities from the data, not from a run: 1e-12.
        names = {"ethnic Danes": ("level", "danes"), "ethnic minorities": ("level", "minorities"),
                 "all": ("level", "all"), "gap (Danes - minorities)": ("cmp", "gap"),
                 "ratio (minorities / Danes)": ("cmp", "ratio"),
                 "gap change since baseline": ("cmp", "gap_change"),
                 "relative gap change (share)": ("cmp", "rel_gap_change")}
        p = run("compare", "--survey", "copenhagen", "--format", "csv", db=self.db, check=0)
        checked = 0
        for c in csv.DictReader(io.StringIO(p.stdout), delimiter=";"):
            if c["quantity"] == "relative gap change (Fieller)":
                continue  # compare's own interval beside the delta method's; runs store none
            if c["quantity"] in names:
                kind, q = names[c["quantity"]]
                r = level[(c["measure"], q, c["wave"])] if kind == "level" else \
                    cmp[(c["measure"], c["wave"], q)]
                fields = ("estimate", "se") if kind == "level" and q != "all" and \
                    c["measure"].startswith("share") else ("estimate", "se", "ci_low", "ci_high")
            else:
                goal, verdict = c["quantity"].split(" ", 1)
                r = goals[goal]
                self.assertEqual(r["flag"], verdict)
                # One sign for each goal everywhere (issue 23 item 7): goal 4 as the policy
                # words it, the reduction (G0 - Gt)/G0, in compare and in the report alike.
                fields = ("estimate", "se", "ci_low", "ci_high", "n")
            for k in fields:
                self.assertTrue(close(float(r[k]), float(c[k]), 1e-12), (k, r, c))
            checked += 1
        self.assertEqual(checked, 2 * (4 * 5 + 3 * 2) + 2)  # 2 measures, 4 waves, 2 goals

    def test_goal_sentences_state_the_example_numbers_computed_by_hand(self):
        # From R survey's means (copenhagen_estimate.csv), contrasts (copenhagen_compare.csv)
        # and the changes with their Satterthwaite df and CIs (copenhagen_compare_ci.csv,
        # scripts/r-golden.R): the gaps 2011 and 2014 rounded to 0.1 point; the relative gap
        # change as a reduction in whole per cent with its CI; goal 6's change of the safety
        # index of all residents to 0.1 point with its CI.
        est = {(g["measure"], g["group"], g["wave"]): float(g["estimate"])
               for g in read_gold("copenhagen_estimate.csv")}
        cmp = {(g["measure"], g["quantity"]): (float(g["estimate"]), float(g["se"]))
               for g in read_gold("copenhagen_compare.csv")}
        ci = {g["quantity"]: {k: float(g[k]) for k in ("estimate", "low", "high")}
              for g in read_gold("copenhagen_compare_ci.csv")}
        g0 = est[("inclusion", "0", "2011")] - est[("inclusion", "1", "2011")]
        rel, chg = ci["rel_gap_change"], ci["change_all"]
        self.assertTrue(close(rel["estimate"], cmp[("inclusion", "rel_gap_change")][0], 1e-12))
        gaps = "%.1f %.1f" % (g0, cmp[("inclusion", "gap")][0])
        red = "%.0f %.0f %.0f" % (-100 * rel["estimate"], -100 * rel["high"], -100 * rel["low"])
        six = "%.1f %.1f %.1f" % (chg["estimate"], chg["low"], chg["high"])
        lo6, hi6 = six.split()[1:]
        self.assertEqual(six.split()[0], "4.9")
        self.assertEqual(gaps, "14.4 7.8")
        rd, rl, rh = red.split()
        en = json.loads(self.report("--format", "json", "--lang", "en").stdout)["goals"]
        da = json.loads(self.report("--format", "json").stdout)["goals"]
        self.assertEqual(en[0]["sentence"],
                         "The gap in the inclusion index between ethnic Danes and ethnic "
                         "minorities fell from 14.4 to 7.8 points (2011–2014): ethnic minorities "
                         "rose from 48.5 to 56.6, ethnic Danes rose from 62.9 to 64.4. That is a "
                         "reduction of the gap by %s %% (95 %% CI %s–%s %%). The goal of at least "
                         "10 %% is met." % (rd, rl, rh))
        self.assertEqual(da[0]["sentence"],
                         "Forskellen i inklusionsindeks mellem etniske danskere og etniske "
                         "minoriteter faldt fra 14,4 til 7,8 point (2011–2014): etniske "
                         "minoriteter steg fra 48,5 til 56,6, etniske danskere steg fra 62,9 til "
                         "64,4. Det er en reduktion af forskellen på %s %% (95 %%-KI %s–%s %%). "
                         "Målet på mindst 10 %% er nået." % (rd, rl, rh))
        # The "all residents" levels of goal 6 are not in R's golden files: the sentence must
        # agree with the report's own table (R checks the groups' levels above).
        rows = report_rows(self.report("--format", "csv").stdout)
        lev = {(r["measure"], r["group"], r["wave"]): float(r["estimate"]) for r in rows
               if r["section"] == "level"}
        a0, a1 = lev[("safety", "all", "2011")], lev[("safety", "all", "2014")]
        self.assertEqual(en[1]["sentence"],
                         "Among all residents the safety index (scale 0–100) rose from %.1f to "
                         "%.1f points (2011–2014), a change of +4.9 points (95 %% CI %s–%s "
                         "points). The goal of a change of more than 0 points is met."
                         % (a0, a1, lo6, hi6))
        self.assertIn("Tryghedsindeks (skala 0–100) blandt alle borgere steg fra %s til %s point "
                      "(2011–2014), en "
                      "ændring på +4,9 point (95 %%-KI %s–%s point)" %
                      tuple(x.replace(".", ",") for x in ("%.1f" % a0, "%.1f" % a1, lo6, hi6)),
                      da[1]["sentence"])
        # The policy's X is filled in; one sign for goal 4 in card, CSV and rule.
        self.assertEqual(da[0]["label"], "Mål 4: Etniske minoriteters inklusionsindeks "
                         "forbedres med 10 % i forhold til etniske danskere")
        # Goal 4 is the reduction of the gap, the negated relative change of R.
        g4 = [r for r in rows if r["section"] == "goal" and r["quantity"] == "goal4"][0]
        self.assertTrue(close(float(g4["estimate"]), -rel["estimate"]))
        self.assertTrue(close(float(g4["ci_low"]), -rel["high"], 1e-9))
        self.assertTrue(close(float(g4["ci_high"]), -rel["low"], 1e-9))
        text = self.report("--lang", "en").stdout
        self.assertIn("Reduction of the gap 2011→2014: %.1f [%.1f; %.1f] %%" %
                      (-100 * rel["estimate"], -100 * rel["high"], -100 * rel["low"]), text)
        self.assertIn("≥ 10 %", text)
        self.assertIn("Rel. gap change (%)", text)

    def test_header_speaks_to_people_and_follows_the_runs_confidence_level(self):
        text = self.report("--lang", "en").stdout
        head, _, tail = text.partition("Goal verdicts")
        self.assertIn("Period: 2011–2014 (4 waves)", head)
        self.assertIn("Weighting: design weights", head)
        self.assertIn("95 % confidence intervals", head)
        self.assertNotRegex(head, r"[0-9a-f]{64}|\d{4}-\d\d-\d\dT")  # no hash, no ISO time
        prov = tail.split("Run and provenance", 1)[1]
        self.assertRegex(prov, r"Result \(SHA-256\): [0-9a-f]{64}")
        self.assertIn("helby compute --rerun 1", prov)
        # A run at the 90 % level: no text of any format may speak of 95 %.
        run("compute", "--survey", "copenhagen", "--level", "0.9", db=self.db, check=0)
        out = os.path.join(self.tmp.name, "r90.html")
        run("report", "--run", "2", "--format", "html", "-o", out, db=self.db, check=0)
        with open(out, encoding="utf-8") as f:
            texts = [f.read()]
        for fmt, lang in (("text", "da"), ("text", "en"), ("md", "en"), ("json", "da")):
            texts.append(run("report", "--run", "2", "--format", fmt, "--lang", lang,
                             db=self.db, check=0).stdout)
        texts.append(run("barometer", "--run", "2", "--register", REGISTER, "--format", "html",
                         db=self.db, check=0).stdout)
        for t in texts:
            self.assertNotRegex(t, r"95\s*%")
            self.assertRegex(t, r"90\s*%")

    def test_the_district_charts_key_of_marks_shows_only_where_a_cell_is_withheld(self):
        key = 'class="lg">· ‡ suppressed</text>'
        # At the survey's 30 every district cell is shown; at 100 some of 2014 are not.
        self.assertNotIn(key, self.report("--format", "html", "--lang", "en").stdout)
        self.assertIn(key, self.report("--format", "html", "--lang", "en", "--min-cell",
                                       "100").stdout)

    def test_district_panel_names_fit_hidden_cells_in_words_and_tables_have_ci_and_n(self):
        # Issue 25 item 4. With --min-cell 100 the 2014 Danes of Vesterbro/Kongens Enghave
        # are hidden (the CSV says so); the chart's names were cut at a fixed 165 px margin.
        rows = report_rows(self.report("--format", "csv", "--min-cell", "100",
                                       "--lang", "en").stdout)
        d = {(r["measure"], r["district"], r["wave"], r["group"]): r for r in rows
             if r["section"] == "district"}
        vk = "Vesterbro/Kongens Enghave"
        self.assertTrue(d[("inclusion", vk, "2014", "danes")]["flag"].startswith("suppressed"))
        out = os.path.join(self.tmp.name, "d.html")
        self.report("--format", "html", "--min-cell", "100", "--lang", "en", "-o", out)
        with open(out, encoding="utf-8") as f:
            page = f.read()
        svg = re.search(r'<svg class="chart"[^>]*c-inclusion-dist-t.*?</svg>', page, re.S).group(0)
        # Right-aligned names end at x: DejaVu Sans at 11 px needs at least 0.58 em a
        # character on average for this name, so x must leave that much room from 0.
        x = float(re.search(r'<text x="([0-9.]+)"[^>]*class="dl">' + re.escape(vk), svg).group(1))
        self.assertGreaterEqual(x, 0.58 * 11 * len(vk))
        width = float(re.search(r'viewBox="0 0 ([0-9.]+)', svg).group(1))
        self.assertGreater(width - x, 200)  # the plot keeps its width
        desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg, re.S).group(1)
        self.assertIn("Not shown (too few respondents): ", desc)
        self.assertIn("Ethnic Danes in " + vk, desc)
        table = re.search(r'<table class="dist"><caption>Districts: Inclusion index.*?</table>',
                          page, re.S).group(0)
        row = re.search(r'<tr[^>]*><th scope="row">%s</th><td class="l">2014</td>(.*?)</tr>'
                        % re.escape(vk), table).group(1)
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
        self.assertEqual(cells[0:2], [d[("inclusion", vk, "2014", "danes")]["flag"] ==
                                      "suppressed" and "· suppressed" or "‡ suppressed", ""])
        m = d[("inclusion", vk, "2014", "minorities")]
        # The CI in a span kept on one line: in print a cell wraps before it, nowhere else.
        self.assertEqual(cells[2], '%.1f <span class="ci">[%.1f; %.1f]</span>' % tuple(
            float(m[k]) for k in ("estimate", "ci_low", "ci_high")))
        self.assertEqual(cells[3], m["n"])
        self.assertIn("<th scope=\"col\">Ethnic Danes [CI]</th><th scope=\"col\">n</th>", table)

    def test_the_design_sentence_comes_from_the_survey_definition(self):
        # Issue 25 item 6: "ethnic minorities are oversampled" was hard-coded whatever the
        # design. The example says so in survey.ini; a copy without it says nothing of the
        # sort, a copy with other words shows those words.
        head = self.report("--lang", "en").stdout.splitlines()[3]
        self.assertEqual(head, "Weighting: design weights: each respondent counts by the "
                         "inverse of their chance of being sampled (ethnic minorities are "
                         "oversampled)")
        for words, want in (("", None), ("sampling_en = every tenth address in each stratum\n",
                                          "every tenth address in each stratum")):
            d = os.path.join(self.tmp.name, "s%d" % len(words))
            shutil.copytree(SURVEY, d, ignore=shutil.ignore_patterns("example"))
            ini = os.path.join(d, "survey.ini")
            with open(ini, encoding="utf-8") as f:
                text = f.read()
            text = re.sub(r"sampling_(da|en) = .*\n", "", text)
            text = text.replace("lonely_psu = fail\n", "lonely_psu = fail\n" + words)
            with open(ini, "w", encoding="utf-8") as f:
                f.write(text)
            db = os.path.join(d, "x.db")
            run("init", db=db, check=0)
            run("survey", "add", d, db=db, check=0)
            run("import", "--survey", "copenhagen", *WAVES[:2], db=db, check=0)
            run("compute", "--survey", "copenhagen", db=db, check=0)
            for lang in ("da", "en"):
                out = run("report", "--run", "1", "--lang", lang, db=db, check=0).stdout
                line = [l for l in out.splitlines() if l.startswith(("Weighting:", "Vægtning:"))]
                self.assertEqual(len(line), 1, out[:400])
                self.assertNotIn("oversampled", line[0])
                self.assertNotIn("overrepræsenteret", line[0])
                if want:  # English words only: Danish falls back to nothing but its own
                    self.assertEqual(want in line[0], lang == "en", line[0])
                else:
                    self.assertNotIn("(", line[0])

    def test_html_has_a_glossary_and_each_indexs_chart_data_as_an_embedded_csv(self):
        # Issue 25 item 7: the data behind each chart from the page itself (a data: URI, no
        # script), and a glossary of CI, deff, difference in differences, S and ST.
        import base64
        out = os.path.join(self.tmp.name, "g.html")
        self.report("--format", "html", "--lang", "en", "--min-cell", "100", "-o", out)
        with open(out, encoding="utf-8") as f:
            page = f.read()
        self.assertNotIn("<script", page)
        gloss = re.search(r'<h2>Glossary</h2>\n<dl class="gloss">(.*?)</dl>', page).group(1)
        self.assertEqual(re.findall(r"<dt>(.*?)</dt>", gloss),
                         ["CI (confidence interval)", "deff (design effect)",
                          "difference in differences", "S and ST"])
        rows = report_rows(self.report("--format", "csv", "--min-cell", "100").stdout)
        lev = {(r["measure"], r["wave"], r["group"]): r for r in rows if r["section"] == "level"}
        dist = {(r["measure"], r["district"], r["group"]): r for r in rows
                if r["section"] == "district" and r["wave"] == "2014"}
        links = re.findall(r'<a download="([a-z_]+)\.csv" href="data:text/csv;charset=utf-8;'
                           r'base64,([A-Za-z0-9+/=]*)">Chart data \(CSV\): ', page)
        self.assertEqual([m for m, _ in links], ["inclusion", "safety"])
        for measure, data in links:
            got = list(csv.DictReader(io.StringIO(base64.b64decode(data).decode("utf-8")),
                                      delimiter=";"))
            levels = [g for g in got if g["chart"] == "level"]
            self.assertEqual(len(levels), 12)
            for g in levels:
                want = lev[(measure, g["wave"], g["group"])]
                for k in ("estimate", "ci_low", "ci_high"):
                    self.assertTrue(close(float(g[k]), float(want[k]), 1e-12), (g, k))
            hidden = [g for g in got if g["chart"].startswith("district ")
                      and dist[(measure, g["chart"][9:], g["group"])]["flag"]
                      .startswith("suppressed")]
            self.assertTrue(hidden)  # --min-cell 100 hides some district cells: empty here
            for g in hidden:
                self.assertEqual((g["estimate"], g["ci_low"], g["ci_high"]), ("", "", ""))

    def test_a_goal_judged_before_its_target_wave_is_interim(self):
        # Issue 25 item 6: targets.csv's target wave is 2014; with 2011-2013 stored the
        # report judged on 2013 without a word. The full store (2014 in) says nothing.
        db = os.path.join(self.tmp.name, "i.db")
        run("init", db=db, check=0)
        run("survey", "add", SURVEY, db=db, check=0)
        run("import", "--survey", "copenhagen", *WAVES[:3], db=db, check=0)
        run("compute", "--survey", "copenhagen", db=db, check=0)
        en = run("report", "--run", "1", "--lang", "en", db=db, check=0).stdout
        self.assertEqual(en.count("Interim: target wave 2014 not yet in; judged on 2013. "), 2)
        da = run("report", "--run", "1", "--format", "html", db=db, check=0).stdout
        self.assertIn("Foreløbig: målbølgen 2014 er ikke med endnu; vurderet på 2013.", da)
        self.assertNotIn("Interim", self.report("--lang", "en").stdout)

    def test_changes_between_waves_match_r_survey_and_are_marked_where_the_ci_excludes_0(self):
        # R: each wave its own design, the change's variance the sum of the two waves',
        # Welch df, t CI (scripts/r-golden-change.R). Significant exactly when the CI
        # excludes 0, i.e. when R's p < 0.05.
        rows = report_rows(self.report("--format", "csv", "--lang", "en").stdout)
        chg = {(r["measure"], r["group"], r["wave"], r["quantity"]): r for r in rows
               if r["section"] == "change"}
        gold = read_gold("copenhagen_changes.csv")
        self.assertEqual(len(gold), 30)  # 2 measures x 3 groups x (3 previous + 2 baseline)
        for g in gold:
            r = chg[(g["measure"], g["group"], g["wave"], g["quantity"])]
            self.assertEqual(r["baseline"], g["from"], r)
            for k in ("estimate", "se", "ci_low", "ci_high"):
                self.assertTrue(close(float(r[k]), float(g[k])), (k, r, g))
            self.assertEqual(r["flag"] == "significant", float(g["p"]) < 0.05, (r, g))
        # The baseline's own change and the first wave's are not rows; a baseline change at
        # the wave after the baseline equals the change since the previous wave.
        self.assertNotIn(("safety", "all", "2011", "change_previous"), chg)
        a = chg[("safety", "all", "2012", "change_previous")]
        b = chg[("safety", "all", "2012", "change_baseline")]
        self.assertEqual((a["estimate"], a["se"]), (b["estimate"], b["se"]))
        self.assertTrue(any(r["flag"] == "significant" for r in chg.values()))
        self.assertTrue(any(r["flag"] == "" for r in chg.values()))
        # Every format marks them and prints the rule.
        text = self.report("--lang", "en").stdout
        self.assertIn("Safety index: change between waves", text)
        self.assertIn("* significant: the 95 % confidence interval of the change excludes 0",
                      text)
        s = chg[("safety", "minorities", "2014", "change_baseline")]
        self.assertEqual(s["flag"], "significant")
        shown = "+%.1f [%.1f; %.1f] *" % (float(s["estimate"]), float(s["ci_low"]),
                                          float(s["ci_high"]))
        self.assertIn(shown.replace("-", "−"), text)
        md = self.report("--format", "md", "--lang", "en").stdout
        self.assertIn("| since previous wave | since baseline |", md)
        self.assertIn(shown.replace("-", "−").replace("*", "\\*"), md)
        html = self.report("--format", "html", "--lang", "en").stdout
        self.assertIn('<table class="changes">', html)
        self.assertIn('<td class="sig">' + shown.replace("-", "−") + "</td>", html)
        self.assertIn("* significant: the 95 % confidence interval", html)
        j = json.loads(self.report("--format", "json").stdout)
        jr = [r for r in j["rows"] if r["section"] == "change"]
        self.assertEqual(len(jr), len(chg))
        self.assertEqual(sum(r["flag"] == "significant" for r in jr),
                         sum(r["flag"] == "significant" for r in chg.values()))
        path = os.path.join(self.tmp.name, "r.xlsx")
        self.report("--format", "xlsx", "--lang", "en", "-o", path)
        sheet = table(read_xlsx(path)["Changes"])
        self.assertEqual(sheet[0][:4], ["Measure", "Wave", "Group", "Quantity"])
        self.assertEqual(sheet[1][0], "Inclusion index")  # the label, not the key
        flags = [x[9] for x in sheet[1:] if len(x) > 9]
        self.assertEqual(flags.count("significant"),
                         sum(r["flag"] == "significant" for r in chg.values()))

    def test_a_change_is_withheld_where_either_of_its_levels_is(self):
        # At 1000 the 2011 Danes (974 with an inclusion score) are withheld, and with them
        # a complement; a change beside a published level would reveal the other.
        rows = report_rows(self.report("--format", "csv", "--min-cell", "1000").stdout)
        level = {(r["measure"], r["group"], r["wave"]): r for r in rows
                 if r["section"] == "level"}
        changes = [r for r in rows if r["section"] == "change"]
        hidden = 0
        for c in changes:
            a = level[(c["measure"], c["group"], c["wave"])]
            b = level[(c["measure"], c["group"], c["baseline"])]
            if a["flag"].startswith("suppressed") or b["flag"].startswith("suppressed"):
                self.assertTrue(c["flag"].startswith("suppressed"), c)
                self.assertEqual((c["estimate"], c["se"], c["ci_low"], c["ci_high"], c["n"]),
                                 ("", "", "", "", ""))
                hidden += 1
            else:
                self.assertFalse(c["flag"].startswith("suppressed"), c)
                self.assertNotEqual(c["estimate"], "", c)
        self.assertGreater(hidden, 0)

    def test_small_cells_are_suppressed_with_their_complements_and_nothing_leaks(self):
        # District cells hold 87-200 respondents; at 88 the 2011 Danes of Vesterbro/Kongens
        # Enghave (87) are suppressed, and Valby (88, the smallest other cell of that column)
        # too, as the 2011 Danes' total would otherwise reveal them.
        rows = report_rows(self.report("--format", "csv", "--min-cell", "88").stdout)
        d = {(r["measure"], r["district"], r["wave"], r["group"]): r for r in rows
             if r["section"] == "district"}
        self.assertEqual(d[("inclusion", "Vesterbro/Kongens Enghave", "2011", "danes")]["flag"],
                         "suppressed")
        self.assertEqual(d[("inclusion", "Valby", "2011", "danes")]["flag"],
                         "suppressed-complementary")
        for r in rows:
            if r["flag"].startswith("suppressed"):
                self.assertEqual((r["estimate"], r["se"], r["ci_low"], r["n"]), ("", "", "", ""))
            elif r["n"] and r["section"] in ("level", "district"):
                self.assertGreaterEqual(int(r["n"]), 88, r)
        text = self.report("--min-cell", "88", "--lang", "en").stdout
        self.assertIn("‡", text)
        self.assertIn("fewer than 88 respondents", text)
        self.assertEqual(self.report("--min-cell", "4", check=1).returncode, 1)

    def test_origin_subgroups_match_r_survey_with_the_codebooks_labels(self):
        # R svyby ~origin + wave on the example waves (scripts/r-golden-origin.R).
        rows = report_rows(self.report("--format", "csv").stdout)
        orig = {(r["measure"], r["group"], r["wave"]): r for r in rows
                if r["section"] == "origin"}
        gold = read_gold("copenhagen_origin.csv")
        self.assertEqual(len(gold), 48)  # 4 measures x 3 origins x 4 waves
        for g in gold:
            r = orig[(g["measure"], g["origin"], g["wave"])]
            self.assertTrue(close(float(r["estimate"]), float(g["estimate"])), (r, g))
            self.assertTrue(close(float(r["se"]), float(g["se"])), (r, g))
        labels = {r["group"]: r["group_label"] for r in orig.values()}
        self.assertEqual(labels, {"1": "Dansk oprindelse",
                                  "2": "Vestlige indvandrere og efterkommere",
                                  "3": "Ikke-vestlige indvandrere og efterkommere"})
        levels = {r["group_label"] for r in rows if r["section"] == "level"}
        self.assertEqual(levels, {"Etniske danskere", "Etniske minoriteter", "Alle"})
        text = self.report("--lang", "en").stdout
        self.assertIn("Inclusion index: Origin (index 0–100)", text)
        self.assertRegex(text, r"2011 +62\.9 \[61\.5; 64\.4\] +974 +56\.7 \[54\.5; 58\.9\] +693 ")
        html = self.report("--format", "html").stdout
        self.assertIn("<caption>Inklusionsindeks: Herkomst (indeks 0–100)</caption>", html)
        self.assertIn('<th scope="col">Ikke-vestlige indvandrere og efterkommere</th>', html)
        doc = json.loads(self.report("--format", "json").stdout)
        j = [x for x in doc["rows"] if x["section"] == "origin" and x["group"] == "2"]
        measures = {x["measure"] for x in doc["rows"] if x["section"] == "level"}
        self.assertEqual(len(j), 4 * len(measures))  # 4 waves x every measure of the run
        self.assertEqual(j[0]["group_label"], "Vestlige indvandrere og efterkommere")

    def test_origin_subgroups_are_suppressed_with_their_complements(self):
        # At --min-cell 700 the Western origin (2) of inclusion has 693 respondents in 2011
        # and 681 in 2013 (the run's n): suppressed. Western and non-Western add up to the
        # minorities (shown), so non-Western is suppressed too in those waves; Danish origin,
        # which alone is the Danes, stays; nothing shown has fewer than 700 respondents.
        rows = report_rows(self.report("--format", "csv", "--min-cell", "700").stdout)
        o = {(r["group"], r["wave"]): r["flag"] for r in rows
             if r["section"] == "origin" and r["measure"] == "inclusion"}
        for w in ("2011", "2013"):
            self.assertEqual(o[("2", w)], "suppressed")
            self.assertEqual(o[("3", w)], "suppressed-complementary")
            self.assertEqual(o[("1", w)], "")
        for w in ("2012", "2014"):
            self.assertEqual({o[(c, w)] for c in "123"}, {""})
        lv = {(r["group"], r["wave"]): r["flag"] for r in rows
              if r["section"] == "level" and r["measure"] == "inclusion"}
        self.assertEqual(set(lv.values()), {""})
        for r in rows:
            if r["section"] == "origin" and r["flag"].startswith("suppressed"):
                self.assertEqual((r["estimate"], r["se"], r["n"]), ("", "", ""))
            elif r["section"] == "origin":
                self.assertGreaterEqual(int(r["n"]), 700, r)
        text = self.report("--min-cell", "700", "--lang", "en").stdout
        self.assertRegex(text, r"\n2011 +62\.9 \[61\.5; 64\.4\] +974 +· +‡ *\n")

    def test_estimates_with_a_relative_se_above_30_percent_are_flagged(self):
        rows = report_rows(self.report("--format", "csv").stdout)
        flagged = 0
        for r in rows:
            if r["section"] not in ("level", "district") or not r["estimate"]:
                continue
            over = float(r["se"]) / abs(float(r["estimate"])) > 0.30
            self.assertEqual(r["flag"] == "unreliable", over, r)
            flagged += over
        # District shares among Danes (the discriminated, and unsafe at night): each checked
        # against its own SE above; the count only guards against a silent change.
        self.assertEqual(flagged, 11)

    def test_danish_and_english_text_markdown_and_json(self):
        da = self.report().stdout  # the survey's language is Danish
        self.assertIn("Inklusionsindeks", da)
        self.assertIn("62,9 [61,5; 64,4]", da)  # R: 62.92 (SE 0.739) for Danes in 2011
        self.assertIn("opfyldt", da)
        en = self.report("--lang", "en").stdout
        self.assertIn("62.9 [61.5; 64.4]", en)
        self.assertIn("Goal 4", en)
        self.assertIn("Cronbach", en)
        md = self.report("--format", "md", "--lang", "en").stdout
        self.assertIn("| Wave |", md)
        self.assertIn("| :--- |", md)
        doc = json.loads(self.report("--format", "json").stdout)
        self.assertEqual(doc["run"], 1)
        self.assertEqual({g["goal"]: g["verdict"] for g in doc["goals"]},
                         {"goal4": "met", "goal6": "met"})
        for k in ("section", "measure", "wave", "group", "quantity", "estimate", "se",
                  "ci_low", "ci_high", "n", "flag"):
            self.assertIn(k, doc["rows"][0])

    def test_html_is_self_contained_and_renders_in_headless_chromium(self):
        out = os.path.join(self.tmp.name, "report.html")
        self.report("--format", "html", "--lang", "en", "--min-cell", "88", "-o", out)
        with open(out, encoding="utf-8") as f:
            html = f.read()
        self.assertNotIn("<script", html)
        self.assertEqual(re.findall(r"https?://[^\"' ]+", html.replace(
            "http://www.w3.org/2000/svg", "")), [])
        self.assertGreaterEqual(html.count("<svg"), 6)  # 2 indices x (levels, gap, districts)
        self.assertIn("<polygon", html)                # CI bands
        # Accessible: the trend in words (R: minorities 48.48 -> 56.56), lines told apart
        # without colour, no low-contrast greys, captions and header scope.
        self.assertIn("Ethnic minorities rose from 48.5 in 2011 to 56.6 in 2014 (+8.1 points)",
                      html)
        self.assertEqual(html.count("<desc"), html.count("<svg"))
        self.assertIn('stroke-dasharray="7 4"', html)
        self.assertIn("<rect x=", html)                # square markers of the minorities
        for grey in ("#777", "#999", "#888", "#aaa"):
            self.assertFalse(grey in html, grey)
        self.assertEqual(html.count("<caption>"), html.count("<table"))
        self.assertNotIn("<th>", html)
        browser = shutil.which("chromium") or shutil.which("chromium-browser")
        if not browser:
            self.skipTest("chromium is not installed (scripts/setup installs it)")
        png = os.path.join(self.tmp.name, "report.png")
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                        "--screenshot=" + png, "--window-size=1200,3000", "file://" + out],
                       capture_output=True, timeout=120, cwd=self.tmp.name)
        with open(png, "rb") as f:
            data = f.read()
        self.assertEqual(data[:8], b"\x89PNG\r\n\x1a\n")
        self.assertEqual(int.from_bytes(data[16:20], "big"), 1200)  # IHDR width
        self.assertGreater(len(data), 50000)  # charts and tables, not a blank page

    def test_workbook_names_goal_and_measure_apart_and_prints_landscape_on_a4(self):
        out = os.path.join(self.tmp.name, "da.xlsx")
        self.report("--format", "xlsx", "-o", out)  # Danish, the survey's language
        book = read_xlsx(out)
        # "Justeret": goal4's adjusted gaps (targets.csv adjust), before the run's sheet.
        self.assertEqual(list(book), ["Mål", "Estimater", "Sammenligninger", "Ændringer", "Bydele",
                                      "Reliabilitet", "Justeret", "Kørsel og metode"])
        heads = {name: table(cells)[0] for name, cells in book.items()}
        self.assertEqual(heads["Mål"][:3], ["Mål", "Beskrivelse", "Indikator"])
        for name in ("Estimater", "Sammenligninger", "Bydele"):
            self.assertEqual(heads[name][0], "Indikator", name)
        self.assertEqual(heads["Mål"][12], "Kort fortalt")
        g4 = [r for r in table(book["Mål"]) if r[0] == "Mål 4"][0]  # named, not "goal4"
        self.assertEqual(g4[2], "Inklusionsindeks")
        self.assertTrue(g4[12].startswith("Forskellen i inklusionsindeks"), g4[12])
        # R: -rel_gap_change, the reduction of the gap (one sign everywhere)
        self.assertTrue(close(g4[5], 0.45694463319201217, 1e-8))
        z = zipfile.ZipFile(out)
        workbook = z.read("xl/workbook.xml").decode()
        strings = z.read("xl/sharedStrings.xml").decode()
        self.assertNotIn("0.9499", strings)
        self.assertNotIn("level=", strings)
        sheets = sorted(n for n in z.namelist() if re.match(r"xl/worksheets/sheet\d+\.xml$", n))
        self.assertEqual(len(sheets), 8)
        for i, name in enumerate(sheets):
            xml = z.read(name).decode()
            self.assertRegex(xml, r'<pageSetup[^>]*paperSize="9"', name)
            self.assertRegex(xml, r'<pageSetup[^>]*orientation="landscape"', name)
            self.assertRegex(xml, r'<pageSetup[^>]*fitToHeight="0"', name)  # width 1, any height
            self.assertIn('<pageSetUpPr fitToPage="1"/>', xml)
            self.assertRegex(workbook, r'<definedName name="_xlnm.Print_Titles" '
                                       r'localSheetId="%d">[^<]*!\$1:\$1<' % i)

    def test_measures_where_higher_is_worse_say_so_and_the_better_column_is_validated(self):
        text = self.report("--lang", "en").stdout
        self.assertIn("Share who experienced discrimination (12 months) (share, %; lower is "
                      "better)", text)
        self.assertIn("Share with high trust in the police (share, %)\n", text)
        self.assertIn("Inclusion index (index 0–100)\n", text)
        bad = os.path.join(self.tmp.name, "bad")
        shutil.copytree(SURVEY, bad)
        path = os.path.join(bad, "shares.csv")
        with open(path, encoding="utf-8") as f:
            data = f.read()
        with open(path, "w", encoding="utf-8") as f:
            f.write(data.replace(";lower\n", ";sideways\n", 1))
        db = os.path.join(self.tmp.name, "bad.db")
        run("init", db=db, check=0)
        p = run("survey", "add", bad, db=db, check=2)
        self.assertIn("shares.csv:2:6", p.stderr)
        self.assertIn("better must be higher or lower, not 'sideways'", p.stderr)

    def test_pdf_is_printed_on_a4_with_page_numbers_and_provenance_footer(self):
        out = os.path.join(self.tmp.name, "report.html")
        self.report("--format", "html", "-o", out)
        with open(out, encoding="utf-8") as f:
            html = f.read()
        self.assertIn("@page{size:A4", html)
        self.assertIn('@bottom-right{content:"Side " counter(page) " af " counter(pages)', html)
        self.assertRegex(html, r'@bottom-left\{content:"helby [^"]* kørsel 1 · resultat-sha256 '
                               r'[0-9a-f]{12}…"')
        self.assertIn("h1,h2,h3,caption{break-after:avoid", html)
        self.assertIn("svg.chart,.goal,tr,dl.about{break-inside:avoid", html)
        self.assertEqual(self.report("--format", "pdf", check=1).returncode, 1)  # needs -o
        if not shutil.which("chromium"):
            self.skipTest("chromium is not installed (scripts/setup installs it)")
        pdf = os.path.join(self.tmp.name, "report.pdf")
        self.report("--format", "pdf", "-o", pdf)
        with open(pdf, "rb") as f:
            data = f.read()
        self.assertEqual(data[:5], b"%PDF-")
        boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([0-9.]+) ([0-9.]+)\s*\]", data)
        self.assertGreaterEqual(len(boxes), 2)  # several pages
        for w, h in boxes:  # A4 is 595.28 x 841.89 points
            self.assertAlmostEqual(float(w), 595.28, delta=1)
            self.assertAlmostEqual(float(h), 841.89, delta=1)

    def test_xlsx_reads_back_with_sheets_values_and_suppression_marks(self):
        out = os.path.join(self.tmp.name, "report.xlsx")
        self.report("--format", "xlsx", "--lang", "en", "--min-cell", "88", "-o", out)
        book = read_xlsx(out)
        self.assertEqual(list(book), ["Goals", "Estimates", "Comparisons", "Changes", "Districts",
                                      "Reliability", "Adjusted", "Run and method"])
        for name, cells in book.items():
            self.assertTrue(cells["_frozen"], name)
        goals = table(book["Goals"])
        self.assertEqual(goals[0][:2], ["Goal", "Description"])
        g4 = [r for r in goals if r[0] == "Goal 4"][0]
        self.assertEqual(g4[10], "met")
        self.assertEqual(g4[2], "Inclusion index")  # the measure's label, not its key
        rcsv = {(r["measure"], r["group"], r["wave"]): r for r in report_rows(
            self.report("--format", "csv", "--min-cell", "88").stdout) if r["section"] == "level"}
        est = table(book["Estimates"])
        self.assertEqual(est[0][:3], ["Measure", "Wave", "Group"])
        inc = [r for r in est if r[0] == "Inclusion index" and r[1] == 2011.0 and
               r[2] == "Ethnic Danes"][0]
        # libxlsxwriter writes 16 significant digits (%.16G); the CSV has 17.
        self.assertTrue(close(inc[3], float(rcsv[("inclusion", "danes", "2011")]["estimate"]),
                              1e-15))
        self.assertEqual(inc[7], 974.0)
        west = [r for r in est if r[0] == "Inclusion index" and r[1] == 2011.0 and
                r[2] == "Western immigrants and descendants"][0]  # codebook's values_en
        self.assertTrue(close(west[3], float(next(
            g for g in read_gold("copenhagen_origin.csv") if g["measure"] == "inclusion" and
            g["origin"] == "2" and g["wave"] == "2011")["estimate"])))
        self.assertEqual(west[7], 693.0)
        dist = table(book["Districts"])
        marks = {(r[0], r[1], r[2], r[3]): (r[4], r[9]) for r in dist[1:]}
        self.assertEqual(marks[("Inclusion index", "Vesterbro/Kongens Enghave", 2011.0,
                                "Ethnic Danes")], ("·", "suppressed"))
        self.assertEqual(marks[("Inclusion index", "Valby", 2011.0, "Ethnic Danes")],
                         ("‡", "suppressed (complementary)"))
        run_sheet = {r[0]: r[1] for r in table(book["Run and method"])}
        self.assertEqual(run_sheet["Minimum cell"], 88.0)
        self.assertEqual(run_sheet["Confidence level"], 0.95)  # a number, not an option string
        self.assertEqual(run_sheet["Variance method"], "Taylor linearization")
        self.assertNotIn("Options", run_sheet)
        self.assertIn("Taylor linearization", run_sheet["Method"])
        self.assertEqual(run_sheet["Run"], "1")

    def test_weighted_run_reports_the_weight_sets_diagnostics(self):
        run("weight", "create", "--survey", "copenhagen", "--name", "raked", "--method", "rake",
            "--margins", "district,origin,sex*ageband", db=self.db, check=0)
        run("compute", "--survey", "copenhagen", "--weights", "raked", db=self.db, check=0)
        text = run("report", "--run", "2", "--lang", "en", db=self.db, check=0).stdout
        self.assertIn("Weighting diagnostics 'raked'", text)
        self.assertIn("Kish's effective n", text)
        self.assertIn("the weight set 'raked'", text)
        out = os.path.join(self.tmp.name, "w.xlsx")
        run("report", "--run", "2", "--format", "xlsx", "--lang", "en", "-o", out, db=self.db,
            check=0)
        w = table(read_xlsx(out)["Weighting"])
        self.assertEqual(w[0], ["Wave", "Diagnostic", "Value"])
        labels = {r[1] for r in w[1:]}
        self.assertIn("Kish's effective n", labels)
        self.assertIn("Sum of base weights", labels)
        for raw in ("kish_n", "sum_base", "deff_w", "max_discrepancy"):
            self.assertNotIn(raw, labels)
        # The worst margin cell in words, never weight.c's key ("district=8").
        worst = [r[2] for r in w[1:] if r[1] == "… in the cell"]
        self.assertEqual(len(worst), 4)
        for v in worst:
            self.assertRegex(v, r"^(District|Origin|Sex × age band): \S")
            self.assertNotIn("=", v)
        self.english_has_no_danish_value_label_and_no_raw_key(out)

    def english_has_no_danish_value_label_and_no_raw_key(self, xlsx):
        """Issue 25: the example's codebook has values_en; an English report of a raked run
        shows none of its Danish value labels (district names are names in both columns)."""
        danish = set()
        with open(os.path.join(SURVEY, "codebook.csv"), encoding="utf-8") as f:
            for row in csv.DictReader(f, delimiter=";"):
                da = dict(x.split("=", 1) for x in row["values"].split("|") if x)
                en = dict(x.split("=", 1) for x in row["values_en"].split("|") if x)
                self.assertEqual(set(da), set(en), row["variable"])
                danish |= {v for k, v in da.items() if v != en[k]}
        self.assertIn("Dansk oprindelse", danish)
        html = run("report", "--run", "2", "--format", "html", "--lang", "en", db=self.db,
                   check=0).stdout
        text = re.sub(r"<[^>]*>", " ", re.sub(r"<style.*?</style>", "", html, flags=re.S))
        book = read_xlsx(xlsx)
        cells = [str(v) for sh in book.values() for k, v in sh.items() if k != "_frozen"]
        for what, body in (("html", text), ("xlsx", "\n".join(cells))):
            for label in danish:
                self.assertIsNone(re.search(r"(?<!\w)%s(?!\w)" % re.escape(label), body),
                                  (what, label))
            for key in ("district=", "origin=", "sex*ageband="):
                self.assertNotIn(key, body, what)
        self.assertIn("Western immigrants and descendants", text)
        self.assertIn("District: ", text)
        # The raked gap against R svycontrast on the raked design (copenhagen_raked_compare).
        cmp = {(r["measure"], r["wave"], r["quantity"]): r for r in report_rows(
            run("report", "--run", "2", "--format", "csv", db=self.db, check=0).stdout)
            if r["section"] == "comparison"}
        gold = read_gold("copenhagen_raked_compare.csv")
        self.assertEqual(len(gold), 14)
        for g in gold:
            r = cmp[(g["measure"], g["wave"], {"did": "gap_change"}.get(g["quantity"],
                                                                       g["quantity"]))]
            self.assertTrue(close(float(r["estimate"]), float(g["estimate"])), (r, g))
            self.assertTrue(close(float(r["se"]), float(g["se"])), (r, g))

    def test_a_run_without_stored_comparisons_is_refused_with_advice(self):
        con = sqlite3.connect(self.db)
        con.execute("UPDATE run SET options = replace(options, ';comparisons=1', '')")
        con.commit()
        con.close()
        p = self.report(check=2)
        self.assertIn("helby compute --survey copenhagen", p.stderr)

    def test_barometer_shows_all_six_goals_with_direction_and_verdicts(self):
        p = run("barometer", "--run", "1", "--register", REGISTER, "--lang", "en", db=self.db,
                check=0)
        lines = {l.split(":")[0]: l for l in p.stdout.splitlines() if re.match(r"Goal \d:", l)}
        self.assertEqual(sorted(lines), ["Goal %d" % i for i in range(1, 7)])
        # By hand from register_indicators.csv: goal 2 ends at 70.3 >= 70 (met, up from 68.1
        # and from 61.0 in 2011H1); goal 3 at 80.6 < 85 (not met, down from 81.0, up from
        # 78.5); goal 1 at 15.1 > 15 (lower is better: not met, improving from 15.4 and from
        # 17.8); goal 5 at 23.1 > 20 (not met; worse than 22.9 in 2014H1, better than 24.1 in
        # 2011H1). The national rule (rounded latest against the base period) calls goals 1,
        # 3 and 5 forward while the verdict says not met: flagged.
        reg = r"Register periods 2011H1–2014H2\s+"
        self.assertRegex(lines["Goal 2"], reg + r"70\.3 \(2014H2\)\s+≥ 70\.0\s+improving "
                         r"\(2014H1→2014H2\)\s+improving \(2011H1→2014H2\)\s+met\s+forward "
                         r"\(2011H1→2014H2\)$")
        self.assertRegex(lines["Goal 3"], r"80\.6 \(2014H2\)\s+≥ 85\.0\s+worsening "
                         r"\(2014H1→2014H2\)\s+improving \(2011H1→2014H2\)\s+not met\s+"
                         r"forward \(2011H1→2014H2\) ⚑$")
        self.assertRegex(lines["Goal 1"], r"15\.1 \(2014H2\)\s+≤ 15\.0\s+improving "
                         r"\(2014H1→2014H2\)\s+improving \(2011H1→2014H2\)\s+not met\s+"
                         r"forward \(2011H1→2014H2\) ⚑$")
        self.assertRegex(lines["Goal 5"], r"23\.1 \(2014H2\)\s+≤ 20\.0\s+worsening "
                         r"\(2014H1→2014H2\)\s+improving \(2011H1→2014H2\)\s+not met\s+"
                         r"forward \(2011H1→2014H2\) ⚑$")
        # Goal 4's own quantity by wave: the reduction of the gap against 2011, from R's
        # means by group (copenhagen_estimate.csv; group 0 Danes, 1 minorities).
        est = {(g["group"], g["wave"]): float(g["estimate"])
               for g in read_gold("copenhagen_estimate.csv") if g["measure"] == "inclusion"}
        gap = {w: est[("0", w)] - est[("1", w)] for w in ("2011", "2012", "2013", "2014")}
        red = {w: 100 * (gap["2011"] - gap[w]) / gap["2011"] for w in gap}
        self.assertGreater(red["2012"], red["2013"])  # 2013 fell back: the line is not flat
        rel = [g for g in read_gold("copenhagen_compare_ci.csv")
               if g["quantity"] == "rel_gap_change"][0]
        want = "%.1f \\[%.1f; %.1f\\] %%" % tuple(-100 * float(rel[k])
                                                for k in ("estimate", "high", "low"))
        self.assertRegex(lines["Goal 4"], r"Survey waves 2011–2014\s+" + want +
                         r"\s+≥ 10 %\s+improving \(2013→2014\)\s+improving \(2011→2014\)\s+"
                         r"met\s+forward \(2011→2014\)$")
        out = os.path.join(self.tmp.name, "b.html")
        run("barometer", "--run", "1", "--register", REGISTER, "--format", "html", "-o", out,
            db=self.db, check=0)
        with open(out, encoding="utf-8") as f:
            html = f.read()
        self.assertIn("Integrationsbarometer", html)
        self.assertEqual(html.count("<tr><td"), 6)
        rows_html = {int(m.group(1)): m.group(0) for m in
                     re.finditer(r"<tr><td class=\"l\">Mål (\d):.*?</tr>", html)}
        self.assertEqual(sorted(rows_html), [1, 2, 3, 4, 5, 6])
        for k, row in rows_html.items():  # a chart on every goal with y ticks and periods
            svg = re.search(r'<svg class="spark".*?</svg>', row).group(0)
            self.assertGreaterEqual(len(re.findall(r'class="yt"', svg)), 2, k)
            xt = re.findall(r'class="xt"[^>]*>([^<]*)<', svg)
            self.assertEqual(xt[0], "2011" if k in (4, 6) else "2011H1", k)
            self.assertEqual(xt[-1], "2014" if k in (4, 6) else "2014H2", k)
            self.assertEqual(len(re.findall(r'class="zero"', svg)), 1, k)  # the target line
        self.assertIn("Spørgeskema, bølger 2011–2014", rows_html[4])
        self.assertIn("Register, perioder 2011H1–2014H2", rows_html[5])
        self.assertNotIn("survey", html.lower().replace("survey definition", ""))
        # Goal 4's line is its own quantity, the reduction of the gap (%), against the target
        # 10 %: rising 2013 -> 2014, up and better, in both directions.
        lab = "; ".join("%s: %s" % (w, ("%.1f" % red[w]).replace(".", ",")) for w in
                        ("2011", "2012", "2013")) + "; 2014: " + ("%.1f" % (
                            -100 * float(rel["estimate"]))).replace(".", ",")
        self.assertIn('aria-label="%s; Målværdi 10,0"' % lab, rows_html[4])
        self.assertEqual(rows_html[4].count(
            '<td class="better"><span aria-hidden="true">↗</span> bedre'), 2)
        # Goal 6's line (all residents' safety, change since 2011) rises: up, and better.
        self.assertIn('<td class="better"><span aria-hidden="true">↗</span> bedre (2013→2014)',
                      rows_html[6])
        # Goal 5 (lower is better) rose from 22.9 to 23.1 (register file): up, and worse;
        # over the whole period it fell from 24.1: down, and better. Flagged.
        self.assertIn('<td class="worse"><span aria-hidden="true">↗</span> dårligere '
                      '(2014H1→2014H2)</td><td class="better"><span aria-hidden="true">↘</span> '
                      'bedre (2011H1→2014H2)</td>', rows_html[5])
        self.assertIn("⚑ reglerne er uenige", rows_html[5])
        self.assertNotIn("⚑", rows_html[4] + rows_html[2])
        rows = report_rows(run("barometer", "--run", "1", "--register", REGISTER, "--format",
                               "csv", db=self.db, check=0).stdout)
        self.assertEqual([r["goal"] for r in rows], ["goal%d" % i for i in range(1, 7)])
        self.assertEqual((rows[2]["value"], rows[2]["target"], rows[2]["direction"],
                          rows[2]["verdict"], rows[2]["direction_whole"], rows[2]["base_period"],
                          rows[2]["travel"], rows[2]["rules_disagree"]),
                         ("80.599999999999994", "85", "worsening", "not met", "improving",
                          "2011H1", "forward", "1"))
        self.assertEqual([r["rules_disagree"] for r in rows], ["1", "0", "1", "0", "1", "0"])
        doc = json.loads(run("barometer", "--run", "1", "--register", REGISTER, "--format",
                             "json", db=self.db, check=0).stdout)
        self.assertEqual([d["verdict"] for d in doc],
                         ["not met", "met", "not met", "met", "not met", "met"])
        self.assertEqual([d["travel"] for d in doc], ["forward"] * 6)
        self.assertIs(doc[3]["rules_disagree"], False)
        bad = os.path.join(self.tmp.name, "bad.csv")
        with open(bad, "w", encoding="utf-8") as f:
            f.write("goal;indicator;label_da;label_en;better;period;value;target\n"
                    "goal1;x;a;b;higher;2011H1;12,5;\n")
        p = run("barometer", "--run", "1", "--register", bad, db=self.db, check=2)
        self.assertIn("bad.csv:2:7: value: '12,5' is not a number", p.stderr)
        # A goal id longer than the report keeps (15 bytes) is refused, never cut.
        with open(bad, "w", encoding="utf-8") as f:
            f.write("goal;indicator;label_da;label_en;better;period;value;target\n"
                    "goal_integration_7;x;a;b;higher;2011H1;12.5;\n")
        p = run("barometer", "--run", "1", "--register", bad, db=self.db, check=2)
        self.assertIn("bad.csv:2:1: goal: 'goal_integration_7': a goal id of at most 15 bytes",
                      p.stderr)

    def test_golden_text_and_csv(self):
        for name, args in (("report_copenhagen.txt", ()),
                           ("report_copenhagen_en.md", ("--format", "md", "--lang", "en")),
                           ("report_copenhagen.csv", ("--format", "csv"))):
            with open(os.path.join(GOLDEN, name), encoding="utf-8") as f:
                want = f.read()
            self.assertEqual(normalize(self.report(*args).stdout), want, name)


if __name__ == "__main__":
    main()
