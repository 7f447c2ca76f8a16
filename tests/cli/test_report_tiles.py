"""Issue 25: the HTML report's tile map of the districts (the definition's districts.csv) and
goal 6 by group. The map: one tile per district at its place in districts.csv, the name and
the value the report's own CSV gives, darker for higher, a withheld cell hatched and said in
words, hostile labels escaped, no map without districts.csv. Goal 6 by group: the Danes' and
minorities' change against a hand computation from the CSV's level rows (formula below, with
a t distribution written out here), withheld where their cells are. districts.csv: its
checks, with file, line and column, and its place in the definition hash."""
import csv
import html
import io
import json
import math
import os
import re
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import SURVEY, WAVES, main, run  # noqa: E402

LABELS = {1: "Indre By", 2: "Østerbro", 3: "Nørrebro", 4: "Vesterbro/Kongens Enghave",
          5: "Valby", 6: "Vanløse", 7: "Brønshøj-Husum", 8: "Bispebjerg", 9: "Amager Øst",
          10: "Amager Vest"}
# surveys/copenhagen/districts.csv, as (row, col): Indre By in the centre, Østerbro north-east,
# Nørrebro north, Vesterbro west of the centre, Valby and Vanløse west, Brønshøj-Husum and
# Bispebjerg north-west, Amager Øst south-east, Amager Vest south.
PLACES = {1: (3, 3), 2: (2, 4), 3: (2, 3), 4: (3, 2), 5: (3, 1), 6: (2, 1), 7: (1, 2),
          8: (1, 3), 9: (4, 4), 10: (4, 3)}
HOSTILE = "</text></svg><script>alert(1)</script>&amp;\"V'bro\""


# ---- Student's t, independent of helby: the regularized incomplete beta by Lentz's
# continued fraction (Numerical Recipes 6.4), the CDF from it, the quantile by bisection. ----

def betacf(a, b, x):
    tiny, c, d = 1e-300, 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 500):
        for num in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                    -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1 + num * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + num / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1) < 1e-15:
            break
    return h


def betainc(a, b, x):
    if x <= 0 or x >= 1:
        return 0.0 if x <= 0 else 1.0
    lbt = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) \
        + b * math.log(1 - x)
    if x < (a + 1) / (a + b + 2):
        return math.exp(lbt) * betacf(a, b, x) / a
    return 1 - math.exp(lbt) * betacf(b, a, 1 - x) / b


def t_cdf(t, df):
    p = 0.5 * betainc(df / 2, 0.5, df / (df + t * t))
    return 1 - p if t > 0 else p


def t_quantile(p, df):
    lo, hi = 0.0, 100.0
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if t_cdf(mid, df) < p else (lo, mid)
    return (lo + hi) / 2


def df_of_quantile(t, p=0.975):
    """The df whose p-quantile is t (t falls as df grows): a level cell's df from its CI."""
    lo, hi = 1.0, 1e7
    for _ in range(200):
        mid = math.sqrt(lo * hi)
        lo, hi = (lo, mid) if t_quantile(p, mid) < t else (mid, hi)
    return math.sqrt(lo * hi)


def esc(s):
    """HTML text as the report escapes it: & < > " (docs/reports.md)."""
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace(
        '"', "&quot;")


def rows_of(text):
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def tile_svg(page, measure="inclusion"):
    m = re.search(r'<svg class="chart"[^>]*c-%s-tiles-t.*?</svg>' % measure, page, re.S)
    return m.group(0) if m else None


def tiles(svg):
    """{code: (x, y, fill, [texts unescaped])} of the map's tiles."""
    out = {}
    for code, body in re.findall(r'<g class="tile" data-code="([^"]+)">(.*?)</g>', svg, re.S):
        rect = re.search(r'<rect x="([0-9.]+)" y="([0-9.]+)"[^>]* fill="([^"]+)"', body)
        texts = [html.unescape(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", body, re.S)]
        out[int(float(code))] = (float(rect.group(1)), float(rect.group(2)), rect.group(3),
                                 texts)
    return out


def luminance(hexcolor):
    c = [int(hexcolor[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    c = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in c]
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]


class TileMap(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.base = tempfile.TemporaryDirectory(prefix="helby-tiles-")
        cls.db = os.path.join(cls.base.name, "t.db")
        run("init", db=cls.db, check=0)
        run("survey", "add", SURVEY, db=cls.db, check=0)
        run("import", "--survey", "copenhagen", *WAVES, db=cls.db, check=0)
        run("compute", "--survey", "copenhagen", db=cls.db, check=0)

    @classmethod
    def tearDownClass(cls):
        cls.base.cleanup()

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="helby-tiles-t-")
        self.store = os.path.join(self.tmp.name, "c.db")
        shutil.copy(self.db, self.store)

    def tearDown(self):
        self.tmp.cleanup()

    def html(self, *args, db=None):
        out = os.path.join(self.tmp.name, "r.html")
        run("report", "--run", "1", "--format", "html", *args, "-o", out, db=db or self.store,
            check=0)
        with open(out, encoding="utf-8") as f:
            return f.read()

    def csv(self, *args, db=None):
        return rows_of(run("report", "--run", "1", "--format", "csv", *args,
                           db=db or self.store, check=0).stdout)

    def definition_copy(self, name="def"):
        d = os.path.join(self.tmp.name, name)
        shutil.copytree(SURVEY, d, ignore=shutil.ignore_patterns("example"))
        return d

    def test_one_tile_per_district_at_its_place_with_its_name_and_the_csvs_value(self):
        page = self.html("--lang", "en")
        rows = self.csv("--lang", "en")
        for measure in ("inclusion", "safety"):
            svg = tile_svg(page, measure)
            self.assertIsNotNone(svg, measure)
            self.assertIn('role="img"', svg)
            self.assertRegex(svg, r"<title id=\"c-%s-tiles-t\">[^<]+ethnic minorities 2014"
                             % measure)
            t = tiles(svg)
            self.assertEqual(sorted(t), list(range(1, 11)))
            want = {r["district"]: float(r["estimate"]) for r in rows
                    if r["section"] == "district" and r["measure"] == measure
                    and r["wave"] == "2014" and r["group"] == "minorities"}
            self.assertEqual(len(want), 10)
            for code, (x, y, fill, texts) in t.items():
                value = "%.1f" % want[LABELS[code]]
                # the name (on one or two lines) then the value
                self.assertEqual("".join(texts).replace(" ", ""),
                                 (LABELS[code] + value).replace(" ", ""), code)
                desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg, re.S).group(1)
                self.assertIn(esc(LABELS[code]) + " " + value, desc)
            # places: the same row is the same y, columns left to right, rows top to bottom
            for a in t:
                for b in t:
                    (ra, ca), (rb, cb) = PLACES[a], PLACES[b]
                    self.assertEqual(ra == rb, t[a][1] == t[b][1])
                    self.assertEqual(ca == cb, t[a][0] == t[b][0])
                    if ca < cb:
                        self.assertLess(t[a][0], t[b][0])
                    if ra < rb:
                        self.assertLess(t[a][1], t[b][1])
            # darker is higher: a tile's fill never lighter than a lower value's
            by_value = sorted(t, key=lambda c: want[LABELS[c]])
            lum = [luminance(t[c][2]) for c in by_value]
            self.assertEqual(lum, sorted(lum, reverse=True))
            self.assertGreater(lum[0], lum[-1])
            # the legend: five ranges from the lowest to the highest value shown
            lo, hi = min(want.values()), max(want.values())
            self.assertIn(">%.1f–" % lo, svg)
            self.assertIn("–%.1f</text>" % hi, svg)

    def test_a_withheld_cell_is_hatched_and_said_in_words_never_a_number(self):
        # With --min-cell 180 Brønshøj-Husum's minorities of 2014 (171 respondents for the
        # inclusion index, in the CSV) are withheld, and a second district with them.
        rows = self.csv("--lang", "en", "--min-cell", "180")
        cells = {r["district"]: r for r in rows if r["section"] == "district"
                 and r["measure"] == "inclusion" and r["wave"] == "2014"
                 and r["group"] == "minorities"}
        self.assertEqual(cells["Brønshøj-Husum"]["flag"], "suppressed")
        compl = [d for d, r in cells.items() if r["flag"] == "suppressed-complementary"]
        self.assertTrue(compl)
        for lang, primary, comp in (
                ("en", ["withheld", "(fewer than 180 respondents)"],
                 ["withheld", "(protects a small cell)"]),
                ("da", ["tilbageholdt", "(færre end 180 svarpersoner)"],
                 ["tilbageholdt", "(beskytter en lille celle)"])):
            svg = tile_svg(self.html("--lang", lang, "--min-cell", "180"))
            t = tiles(svg)
            self.assertEqual(len(t), 10)
            codes = {v: k for k, v in LABELS.items()}
            for name, r in cells.items():
                x, y, fill, texts = t[codes[name]]
                if r["flag"] == "suppressed":
                    self.assertEqual(texts[-2:], primary, name)
                elif r["flag"] == "suppressed-complementary":
                    self.assertEqual(texts[-2:], comp, name)
                else:
                    self.assertEqual(texts[-1], ("%.1f" % float(r["estimate"])).replace(
                        ".", "," if lang == "da" else "."), name)
                    continue
                self.assertTrue(fill.startswith("url(#c-inclusion-tiles-hatch"), name)
                self.assertFalse(any(re.search(r"\d[.,]\d", s) for s in texts), name)
            desc = html.unescape(re.search(r"<desc[^>]*>(.*?)</desc>", svg, re.S).group(1))
            self.assertIn("Brønshøj-Husum " + " ".join(primary), desc)
            self.assertIn(" ".join(primary), html.unescape(svg.split("</g>")[-1]))  # legend

    def test_hostile_district_labels_are_escaped(self):
        d = self.definition_copy()
        cb = os.path.join(d, "codebook.csv")
        with open(cb, encoding="utf-8") as f:
            text = f.read()
        self.assertEqual(text.count("4=Vesterbro/Kongens Enghave"), 2)
        lines = text.split("\n")
        for i, line in enumerate(lines):  # the row's fields quoted where they hold a quote
            if line.startswith("district;"):
                f = [c.replace("4=Vesterbro/Kongens Enghave", "4=" + HOSTILE)
                     for c in line.split(";")]
                lines[i] = ";".join('"%s"' % c.replace('"', '""') if '"' in c else c for c in f)
        with open(cb, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
        run("survey", "add", "--update", d, db=self.store, check=0)
        page = self.html("--lang", "en")
        self.assertNotIn("<script", page)
        self.assertEqual(page.count("<svg"), page.count("</svg>"))
        t = tiles(tile_svg(page))
        self.assertEqual(len(t), 10)
        self.assertEqual("".join(t[4][3][:-1]).replace(" ", ""), HOSTILE.replace(" ", ""))
        self.assertIn(esc(HOSTILE), tile_svg(page))

    def test_without_districts_csv_there_is_no_map_and_the_page_is_otherwise_the_same(self):
        with_map = self.html("--lang", "en")
        d = self.definition_copy()
        os.remove(os.path.join(d, "districts.csv"))
        run("survey", "add", "--update", d, db=self.store, check=0)
        without = self.html("--lang", "en")
        self.assertNotIn("-tiles", without)
        # the same page but the maps, and the notes (top, provenance) that the definition
        # changed since the run
        note = re.compile(r'<p class="meta">[^<]*</p>\n|<dt>Note</dt><dd>[^<]*</dd>')
        self.assertEqual(len(note.findall(without)), 2)
        self.assertEqual(note.sub("", without),
                         re.sub(r'<svg class="chart"[^>]*-tiles-t.*?</svg>\n', "", with_map,
                                flags=re.S))

    def test_goal_6_by_group_matches_a_hand_computation_from_the_csv_level_rows(self):
        # change = e_t - e_0; se = sqrt(se_t^2 + se_0^2) (independent waves); df by
        # Satterthwaite, (v_t + v_0)^2 / (v_t^2 / df_t + v_0^2 / df_0) with v = se^2 and each
        # level cell's df read off its own 95 % CI (half-width / se = t_{0.975, df}); CI =
        # change -/+ t_{0.975, df} se.
        rows = self.csv("--lang", "en")
        level = {(r["group"], r["wave"]): r for r in rows
                 if r["section"] == "level" and r["measure"] == "safety"}
        by = {r["group"]: r for r in rows if r["section"] == "goal_by_group"}
        goal = [r for r in rows if r["section"] == "goal" and r["quantity"] == "goal6"][0]
        self.assertEqual(sorted(by), ["danes", "minorities"])
        want = {}
        for g in ("danes", "minorities", "all"):
            c0, c1 = level[(g, "2011")], level[(g, "2014")]
            e0, e1 = float(c0["estimate"]), float(c1["estimate"])
            s0, s1 = float(c0["se"]), float(c1["se"])
            df0 = df_of_quantile((float(c0["ci_high"]) - e0) / s0)
            df1 = df_of_quantile((float(c1["ci_high"]) - e1) / s1)
            v0, v1 = s0 * s0, s1 * s1
            df = (v0 + v1) ** 2 / (v1 * v1 / df1 + v0 * v0 / df0)
            se = math.sqrt(v0 + v1)
            q = t_quantile(0.975, df)
            want[g] = (e1 - e0, se, e1 - e0 - q * se, e1 - e0 + q * se)
            got = by.get(g, goal)
            self.assertAlmostEqual(float(got["estimate"]), want[g][0], places=10)
            self.assertAlmostEqual(float(got["se"]), want[g][1], places=10)
            self.assertAlmostEqual(float(got["ci_low"]), want[g][2], places=5)
            self.assertAlmostEqual(float(got["ci_high"]), want[g][3], places=5)
            if g != "all":
                self.assertEqual(got["flag"], "")  # informative: no verdict of its own
                self.assertEqual(int(got["n"]), min(int(c0["n"]), int(c1["n"])))
        line = "By group: ethnic Danes %+.1f points (95 %% CI %.1f–%.1f), ethnic minorities " \
               "%+.1f points (95 %% CI %.1f–%.1f)" % (want["danes"][0], *want["danes"][2:],
                                                       want["minorities"][0],
                                                       *want["minorities"][2:])
        text = run("report", "--run", "1", "--lang", "en", db=self.store, check=0).stdout
        self.assertIn("\n  " + line + "\n", text)
        md = run("report", "--run", "1", "--lang", "en", "--format", "md", db=self.store,
                 check=0).stdout
        self.assertIn("; " + line + " |", md)
        self.assertIn('<div class="gb">' + esc(line) + "</div>",
                      self.html("--lang", "en"))
        j = json.loads(run("report", "--run", "1", "--lang", "en", "--format", "json",
                           db=self.store, check=0).stdout)
        self.assertEqual([g.get("by_group") for g in j["goals"]], [None, line])
        jrows = [r for r in j["rows"] if r["section"] == "goal_by_group"]
        self.assertEqual([(r["group"], r["estimate"]) for r in jrows],
                         [(g, float(by[g]["estimate"])) for g in ("danes", "minorities")])

    def test_goal_6_by_group_is_withheld_with_its_cells(self):
        # --min-cell 1000: the Danes of 2014 (970 respondents) are withheld, the minorities
        # of that wave with them (the level table's complementary cell), so no number.
        rows = self.csv("--lang", "en", "--min-cell", "1000")
        level = {(r["group"], r["wave"]): r["flag"] for r in rows
                 if r["section"] == "level" and r["measure"] == "safety"}
        self.assertEqual(level[("danes", "2014")], "suppressed")
        self.assertEqual(level[("minorities", "2014")], "suppressed-complementary")
        by = {r["group"]: r for r in rows if r["section"] == "goal_by_group"}
        self.assertEqual(by["danes"]["flag"], "suppressed")
        self.assertEqual(by["minorities"]["flag"], "suppressed-complementary")
        for g in by.values():
            self.assertEqual([g[k] for k in ("estimate", "se", "ci_low", "ci_high", "n")],
                             [""] * 5)
        text = run("report", "--run", "1", "--lang", "en", "--min-cell", "1000", db=self.store,
                   check=0).stdout
        self.assertIn("\n  By group: ethnic Danes withheld (fewer than 1000 respondents), ethnic "
                      "minorities withheld (protects a cell of fewer than 1000 respondents)\n",
                      text)


class TileDefinition(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="helby-tiledef-")
        self.dir = os.path.join(self.tmp.name, "copenhagen")
        shutil.copytree(SURVEY, self.dir, ignore=shutil.ignore_patterns("example"))
        self.path = os.path.join(self.dir, "districts.csv")

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, text):
        with open(self.path, "w", encoding="utf-8") as f:
            f.write(text)

    def full(self, **change):
        """The ten districts as the example places them, with some rows changed."""
        places = dict(PLACES)
        places.update({int(k[1:]): v for k, v in change.items()})
        return "code;row;col\n" + "".join("%s;%s;%s\n" % (c, r, k)
                                          for c, (r, k) in places.items())

    def test_bad_tile_positions_are_refused_with_file_line_and_column(self):
        cases = [
            # a place taken twice: line 3 is code 2's row (code 1 on line 2)
            (self.full(c2=(3, 3)), "districts.csv:3:2: row 3, col 3 is already district 1's "
                                   "tile (line 2)"),
            ("code;row;col\n1;0;1\n", "districts.csv:2:2: row must be a whole number from 1 "
                                      "to 20, not '0'"),
            ("code;row;col\n1;1;21\n", "districts.csv:2:3: col must be a whole number from 1 "
                                       "to 20, not '21'"),
            ("code;row;col\n1;1;1.5\n", "districts.csv:2:3: col must be a whole number from 1 "
                                        "to 20, not '1.5'"),
            ("code;row;col\n1;-1;1\n", "districts.csv:2:2: row must be a whole number"),
            ("code;row;col\n11;1;1\n", "districts.csv:2:1: district: '11' is not a code of the "
                                       "district variable district"),
            ("code;row;col\n1;1;1\n1;1;2\n", "districts.csv:3:1: district: district 1 has a "
                                             "tile on line 2 already"),
            ("code;row;col\n1;1;1\n", "districts.csv: district: district 2 (Østerbro) has no "
                                      "tile"),
            ("code;row\n1;1\n", "districts.csv:1: col: required column is missing"),
            ("code;row;col\n", "districts.csv:2: no districts"),
        ]
        for text, want in cases:
            self.write(text)
            p = run("survey", "check", self.dir, check=2)
            self.assertIn(want, p.stderr, text)
            self.assertIn(self.dir, p.stderr)

    def test_districts_csv_is_part_of_the_definition_hash(self):
        def hash_of():
            out = run("survey", "check", self.dir, check=0).stdout
            return re.search(r"definition ([0-9a-f]{64})", out).group(1)
        with_tiles = hash_of()
        self.write(self.full(c1=(4, 1)))  # Indre By moved: a new place is a new definition
        moved = hash_of()
        os.remove(self.path)
        without = hash_of()
        self.assertEqual(len({with_tiles, moved, without}), 3)
        self.write(self.full())
        self.assertNotEqual(hash_of(), without)


if __name__ == "__main__":
    main()
