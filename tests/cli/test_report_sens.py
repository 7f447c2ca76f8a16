"""The sensitivity analysis of a run (compute --sensitivity 16 on the example) in its reports:
every number the report shows is the run's stored row (runs show), with its sign (goal 4:
the reduction of the gap, as the policy words it, compare prints it and the run stores it);
the HTML has the three charts with <title> and <desc> and table
fallbacks in Danish and English; text, Markdown, CSV, JSON and the workbook carry the same
numbers; a run without the analysis has no trace of it."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import SURVEY, WAVES, main, run  # noqa: E402
from test_report import read_xlsx, report_rows, table  # noqa: E402


def num(v, dec, da):
    """helby_report_num by hand: fixed decimals, decimal comma in Danish, a real minus."""
    s = "%.*f" % (dec, v)
    if re.fullmatch(r"-0[.0]*", s):
        s = s[1:]
    if da:
        s = s.replace(".", ",")
    return s.replace("-", "\u2212")


class ReportSensitivity(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="helby-rsens-")
        cls.db = os.path.join(cls.tmp.name, "s.db")
        run("init", db=cls.db, check=0)
        run("survey", "add", SURVEY, db=cls.db, check=0)
        run("import", "--survey", "copenhagen", *WAVES, db=cls.db, check=0)
        run("compute", "--survey", "copenhagen", "--sensitivity", "16", db=cls.db, check=0)
        run("compute", "--survey", "copenhagen", db=cls.db, check=0)  # run 2: none
        cls.stored = {(r["measure"], r["domain"]): r for r in report_rows(
            run("runs", "show", "1", "--format", "csv", db=cls.db, check=0).stdout)}

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def report(self, *args, run_id="1"):
        return run("report", "--run", run_id, *args, db=self.db, check=0).stdout

    def s(self, measure, dom, col="estimate"):
        return float(self.stored[(measure, dom)][col])

    def goal_spread(self, measure, goal):
        """(reference, ci_low, ci_high, median, p05, p95) as the report shows them."""
        ref = "sensitivity=%s,quantity=reference" % goal
        sc = "sensitivity=%s,quantity=scenarios" % goal
        v = [self.s(measure, ref), self.s(measure, ref, "ci_low"), self.s(measure, ref, "ci_high"),
             self.s(measure, sc), self.s(measure, sc, "ci_low"), self.s(measure, sc, "ci_high")]
        return v  # goal 4: the stored reduction, as every command shows it

    def test_csv_and_json_numbers_are_the_runs_stored_rows(self):
        rows = [r for r in report_rows(self.report("--format", "csv"))
                if r["section"] == "sensitivity"]
        by_q = {(r["measure"], r["quantity"], r["district"]): r for r in rows}
        js = json.loads(self.report("--format", "json"))["sensitivity"]
        self.assertEqual(js["N"], 16)
        jgoals = {g["goal"]: g for g in js["goals"]}
        for measure, goal in (("inclusion", "goal4"), ("safety", "goal6")):
            ref, lo, hi, med, p05, p95 = self.goal_spread(measure, goal)
            r = by_q[(measure, goal + " reference", "")]
            self.assertEqual([float(r[k]) for k in ("estimate", "ci_low", "ci_high")],
                             [ref, lo, hi])
            self.assertEqual(r["flag"], "met")
            r = by_q[(measure, goal + " scenarios", "")]
            self.assertEqual([float(r[k]) for k in ("estimate", "ci_low", "ci_high")],
                             [med, p05, p95])
            self.assertEqual(r["n"], "32")  # 2N scenarios of A and B
            g = jgoals[goal]
            self.assertEqual([g["reference"]["estimate"], g["scenarios"]["median"],
                              g["scenarios"]["p05"], g["scenarios"]["p95"]],
                             [ref, med, p05, p95])
            for v in ("met", "not met", "inconclusive", "undefined"):
                want = self.s(measure, "sensitivity=%s,quantity=share,verdict=%s" % (goal, v))
                self.assertEqual(float(by_q[(measure, "%s share %s" % (goal, v), "")]
                                       ["estimate"]), want)
                self.assertEqual(g["share"][v], want)
            choices = [k[1].split("choice=")[1] for k in self.stored
                       if k[0] == measure and "quantity=first_order" in k[1]]
            self.assertEqual([c["choice"] for c in g["choices"]], choices)
            for c in g["choices"]:
                for q, key in (("first_order", "first_order"), ("total", "total")):
                    want = self.s(measure, "sensitivity=%s,quantity=%s,choice=%s"
                                  % (goal, q, c["choice"]))
                    self.assertEqual(c[key], want)
                    row = by_q[(measure, "%s %s %s" % (goal, q, c["choice"]), "")]
                    self.assertEqual(float(row["estimate"]), want)
                    # The bootstrap CI (issue 25): S +- z se at 95 %, as SALib's conf, the
                    # stored row's, in CSV and JSON alike.
                    dom = "sensitivity=%s,quantity=%s,choice=%s" % (goal, q, c["choice"])
                    se = self.s(measure, dom, "se")
                    self.assertGreater(se, 0)
                    for side, sign in (("ci_low", -1), ("ci_high", 1)):
                        self.assertAlmostEqual(self.s(measure, dom, side),
                                               want + sign * 1.959963984540054 * se, delta=1e-12)
                        self.assertEqual(float(row[side]), self.s(measure, dom, side))
                        self.assertEqual(c[key + "_" + side], self.s(measure, dom, side))
        ranks = [r for r in rows if r["quantity"] == "rank"]
        self.assertEqual(len(ranks), 20)  # ten districts, two indices
        self.assertEqual(len(js["ranks"]), 20)
        for k in js["ranks"]:
            dom = "sensitivity=rank,wave=%d,district=%g" % (k["wave"], k["district"])
            self.assertEqual([k["median"], k["p05"], k["p95"]],
                             [self.s(k["measure"], dom), self.s(k["measure"], dom, "ci_low"),
                              self.s(k["measure"], dom, "ci_high")])
            self.assertEqual(k["reference"], self.s(
                k["measure"], dom.replace("=rank,", "=reference_rank,")))
        self.assertEqual(js["ranks"][0]["label"], "Indre By")

    def test_html_has_the_charts_with_title_desc_and_tables_in_both_languages(self):
        ref, lo, hi, med, p05, p95 = self.goal_spread("inclusion", "goal4")
        share = self.s("inclusion", "sensitivity=goal4,quantity=share,verdict=met")
        for lang, da in (("da", True), ("en", False)):
            html = self.report("--format", "html", "--lang", lang)
            self.assertIn("<h2>%s</h2>" % ("Hvor robust er målopfyldelsen?" if da
                                          else "How robust is the verdict?"), html)
            for gi in range(2):
                for kind in ("spread", "idx"):
                    cid = "s-%d-%s" % (gi, kind)
                    self.assertIn('aria-labelledby="%s-t %s-d"' % (cid, cid), html)
                    self.assertRegex(html, r'<desc id="%s-d">[^<]{80,}</desc>' % cid)
            for m in ("inclusion", "safety"):
                self.assertRegex(html, r'<desc id="s-%s-ranks-d">[^<]{200,}</desc>' % m)
            desc = re.search(r'<desc id="s-0-spread-d">([^<]*)</desc>', html).group(1)
            # The numbers in words, formatted by hand from the stored rows (percent, 1 dec.).
            for v in (med, p05, p95, ref, lo, hi):
                self.assertIn(num(100 * v, 1, da), desc)
            self.assertIn("≥ 10 %", desc)  # the target
            words = ("Målet er opfyldt i %s %% af 32 scenarier" if da
                     else "The goal is met in %s %% of 32 scenarios") % num(100 * share,
                                                                          0, da)
            self.assertIn(words, desc)
            self.assertIn('<p class="gs">' + words, html)  # also as a paragraph
            # The dashed target line, and the table fallbacks with caption and scoped heads.
            self.assertIn('stroke-dasharray="6 3"', html)
            # The goal by its name for readers, never its id (issue 25).
            self.assertGreaterEqual(html.count('<caption>%s ' % ("Mål 4" if da else "Goal 4")), 2)
            self.assertNotIn("goal4", re.sub(r"<[^>]*>", "", html.split("<footer")[0]))
            self.assertIn('<th scope="row">Indre By</th>', html)
            sec = html[html.index("<h2>%s" % ("Hvor robust" if da else "How robust")):]
            sec = sec[:sec.index("<h2>", 5)]
            self.assertEqual(sec.count("<table>"), sec.count("<caption>"))
            self.assertEqual(sec.count("<svg"), 6)  # 2 goals x 2 charts, 2 rank charts
        self.assertNotIn("How robust", self.report("--format", "html", "--lang", "en",
                                                   run_id="2"))

    def test_html_says_what_the_scenarios_were_and_what_s_and_st_mean(self):
        # Issue 25 item 5. By hand from the definition: drop_item '*' of each index draws
        # "none" or one of its items with equal chance, so 1 / (items + 1) of the scenarios
        # keep every item; compute --sensitivity 16 makes 2 x 16 scenarios.
        items = {}
        with open(os.path.join(SURVEY, "indices.csv"), encoding="utf-8") as f:
            for line in f:
                c = line.rstrip("\n").split(";")
                if len(c) > 9 and not line.startswith("#") and c[0] != "index":
                    items[c[0]] = items.get(c[0], 0) + 1
        html = self.report("--format", "html", "--lang", "en")
        for goal, index in (("Goal 4", "inclusion"), ("Goal 6", "safety")):
            k = items[index]
            want = ("The scenarios: 32 constructions of the index; in about %d %% of them every "
                    "item is kept (the item choice leaves none out in one of its %d equally "
                    "likely alternatives), in the rest one item is left out."
                    % (round(100 / (k + 1)), k + 1))
            self.assertIn(want, html, (goal, k))
        self.assertIn("The first-order index S of a choice is the share of that spread the "
                      "choice causes on its own.", html)
        self.assertIn("The total index ST is the share it causes on its own and together "
                      "with the other choices", html)
        self.assertIn("carry Monte Carlo error: a small negative value", html)
        # The Method paragraph names the analysis (compute --sensitivity 16: 2 x 16 scenarios).
        self.assertIn("Robustness: the index was computed again in 32 scenarios of other "
                      "defensible constructions (Saltelli design, N = 16)", html)
        self.assertNotIn("Robustness:", self.report("--lang", "en", run_id="2"))
        da = self.report("--format", "html")
        self.assertIn("Førsteordensindekset S for et valg", da)
        self.assertIn("Scenarierne: 32 konstruktioner af indekset", da)

    def test_rank_charts_open_circle_keeps_clear_of_the_names(self):
        # Issue 25 item 5: the definition's rank (an open circle of radius 8) at rank 1 sat at
        # the plot's left edge, 8 px from the right-aligned names: it touched them.
        html = self.report("--format", "html", "--lang", "en")
        for m in ("inclusion", "safety"):
            svg = re.search(r'<svg class="chart"[^>]*s-%s-ranks-t.*?</svg>' % m, html,
                            re.S).group(0)
            names = [float(x) for x in re.findall(r'<text x="([0-9.]+)"[^>]*class="dl"', svg)]
            circles = [(float(cx), float(rr)) for cx, rr in re.findall(
                r'<circle cx="([0-9.]+)" cy="[0-9.]+" r="([0-9.]+)" fill="none"', svg)]
            self.assertTrue(names and circles, m)
            left = min(cx - rr for cx, rr in circles)
            self.assertGreaterEqual(left - max(names), 4, m)

    def test_text_and_markdown_show_the_same_numbers(self):
        ref, lo, hi, med, p05, p95 = self.goal_spread("inclusion", "goal4")
        want = "%s [%s; %s] %%" % tuple(num(100 * v, 1, False) for v in (med, p05, p95))
        text = self.report("--lang", "en")
        self.assertIn("How robust is the verdict?", text)
        self.assertIn("32 scenarios: median [5 %; 95 %]", text)
        self.assertIn(want, text)
        md = self.report("--format", "md", "--lang", "en")
        self.assertIn("## How robust is the verdict?", md)
        self.assertIn("| " + want + " |", md)
        first = self.s("inclusion", "sensitivity=goal4,quantity=first_order,choice=drop_item")
        dom = "sensitivity=goal4,quantity=first_order,choice=drop_item"
        self.assertIn("| One item left out | %s [%s; %s] |" % tuple(
            num(v, 3, False) for v in (first, self.s("inclusion", dom, "ci_low"),
                                       self.s("inclusion", dom, "ci_high"))), md)
        self.assertIn("First-order S [95 % CI]", md)
        self.assertIn("cannot be told from zero", md)
        da = self.report("--lang", "da")
        self.assertIn("Hvor robust er målopfyldelsen?", da)
        self.assertIn("Inklusionsindeks: bydelenes rang 2014 (1 = bedst)", da)
        for fmt in ("text", "md", "csv"):
            self.assertNotIn("sensitivity" if fmt == "csv" else "robust",
                             self.report("--format", fmt, "--lang", "en", run_id="2"))
        self.assertNotIn('"sensitivity"', self.report("--format", "json", run_id="2"))

    def test_pdf_prints_the_robustness_charts_at_the_full_text_width(self):
        """Issue 25: in print a chart is as wide as the text (A4 595 pt less 2 x 12 mm), not
        a thumbnail. Measured by pdftotext -bbox: the tick labels under a spread chart's
        'Reference' row span the plot area, (560 - 190 - 16) / 560 of the chart's width; at
        80 % of the text width that is at least 0.8 * 527 * 354 / 560 = 266 pt (the old
        58 mm chart gave about 105 pt). pdftoppm rasterises every page."""
        for tool in ("chromium", "pdftotext", "pdftoppm"):
            if not shutil.which(tool):
                self.skipTest("%s is not installed (scripts/setup installs it)" % tool)
        pdf = os.path.join(self.tmp.name, "r.pdf")
        self.report("--format", "pdf", "--lang", "en", "-o", pdf)
        x = subprocess.run(["pdftotext", "-bbox", pdf, "-"], capture_output=True, text=True,
                           check=True).stdout
        pages = re.findall(r'<page width="([\d.]+)"[^>]*>(.*?)</page>', x, flags=re.S)
        spans = []
        for pw, body in pages:
            words = [(float(a), float(b), float(c), w) for a, b, c, w in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">'
                r'([^<]*)</word>', body)]
            for a, b, c, w in words:
                if w != "Reference":
                    continue
                nums = [v for v in words if re.fullmatch(r"[−-]?\d+", v[3]) and
                        b + 5 < v[1] < b + 60]
                y = min((v[1] for v in nums), default=0)
                row = [v for v in nums if abs(v[1] - y) < 2]
                if len(row) >= 3:
                    spans.append(max(v[2] for v in row) - min(v[0] for v in row))
        self.assertEqual(len(spans), 2, spans)  # goal 4 and goal 6
        text_width = 595.28 - 2 * 12 * 72 / 25.4
        for s in spans:
            self.assertGreaterEqual(s, 0.8 * text_width * 354 / 560, spans)
        # Pages are filled (issue 25): a chart too tall for the rest of a page used to leave
        # it empty (14 pages with line charts printed 164 mm tall). Now the line charts
        # stand two side by side and every page but the last is filled as far as its
        # largest unsplittable block allows.
        # 11 pages while the eleven-column tables shrank every page to about 67 %, their
        # text to 6 pt, 12 with each measure's table of changes between waves (issue 22);
        # at full size, tables at 8 pt: 17; every chart at the full text width: 18.
        self.assertLessEqual(len(pages), 18, "pages")
        # A page is broken early only before a block that cannot split and does not fit; the
        # tallest is a rank chart (560 x 326 at the 527 pt text width: 307 pt) with its
        # h3 (about 32 pt), so the page's text reaches at least the top margin (14 mm) plus
        # the body (842 pt less 14 + 16 mm) less that block.
        mm = 72 / 25.4
        fill = 14 * mm + (841.89 - 30 * mm) - (326 / 560 * text_width + 32)
        for i, (pw, body) in enumerate(pages[:-1]):
            ph = float(re.search(r'height="([\d.]+)"', x.split("<page ")[i + 1]).group(1))
            ys = [float(v) for v in re.findall(r'yMax="([\d.]+)"', body)]
            body_ys = [v for v in ys if v < ph - 16 * 72 / 25.4]  # above the footer margin
            self.assertGreater(max(body_ys), fill, "page %d ends at %.0f of %.0f pt"
                               % (i + 1, max(body_ys), ph))
        png = os.path.join(self.tmp.name, "p")
        subprocess.run(["pdftoppm", "-r", "20", "-png", pdf, png], check=True)
        n = len([f for f in os.listdir(self.tmp.name) if f.startswith("p-")])
        self.assertEqual(n, len(pages))
        self.assertGreaterEqual(n, 3)

    def test_workbook_has_a_localized_robustness_sheet_printed_like_the_others(self):
        for lang, name in (("da", "Robusthed"), ("en", "Robustness")):
            out = os.path.join(self.tmp.name, "r_%s.xlsx" % lang)
            self.report("--format", "xlsx", "--lang", lang, "-o", out)
            book = read_xlsx(out)
            self.assertEqual(list(book)[5], name)  # after goals, estimates, comparisons, changes, districts
            self.assertTrue(book[name]["_frozen"])
            rows = table(book[name])
            self.assertEqual(rows[0][:2], ["Mål", "Størrelse"] if lang == "da"
                             else ["Goal", "Quantity"])
        ref, lo, hi, med, p05, p95 = self.goal_spread("inclusion", "goal4")
        g4 = [r for r in rows if r[0] == "Goal 4"]  # the goal's name, not its id (issue 25)
        self.assertNotIn("goal4", [r[0] for r in rows])
        self.assertEqual(g4[0][2], "Inclusion index")  # the measure's label
        # libxlsxwriter writes 16 significant digits.
        for got, want in zip(g4[0][4:7] + g4[1][4:7], [ref, lo, hi, med, p05, p95]):
            self.assertAlmostEqual(got, want, delta=1e-14)
        self.assertEqual(g4[0][8], "met")
        ranks = [r for r in rows if r[3] == "Bispebjerg" and r[2] == "Safety index"]
        dom = "sensitivity=rank,wave=2014,district=8"
        self.assertEqual(ranks[0][4:7], [self.s("safety", dom), self.s("safety", dom, "ci_low"),
                                         self.s("safety", dom, "ci_high")])
        z = zipfile.ZipFile(out)
        xml = z.read("xl/worksheets/sheet5.xml").decode()
        self.assertRegex(xml, r'<pageSetup[^>]*paperSize="9"')
        self.assertRegex(xml, r'<pageSetup[^>]*orientation="landscape"')
        self.assertIn('<pageSetUpPr fitToPage="1"/>', xml)
        out2 = os.path.join(self.tmp.name, "none.xlsx")
        run("report", "--run", "2", "--format", "xlsx", "-o", out2, db=self.db, check=0)
        self.assertNotIn("Robusthed", read_xlsx(out2))


if __name__ == "__main__":
    main()
