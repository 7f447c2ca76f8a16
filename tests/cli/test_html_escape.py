"""Hostile text in every label of a survey definition (codebook, value labels, indices,
shares, derived variables, goals, the title) and in every field of a register CSV (labels and
period) must come out of every HTML report and barometer as text: parsed with Python's
html.parser, no element and no attribute that the hostile text introduced, no <script>, and
the hostile text present (decoded) as character data, so that it was not simply dropped.

The PDF path starts Chromium with scripts disabled, a timeout and a private temporary
profile: a fake browser ($HELBY_CHROMIUM) records its arguments and environment."""
import csv
import html.parser
import os
import re
import shutil
import stat
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import SURVEY, WAVES, main, run  # noqa: E402

# No ';' (the files' delimiter), '|' or '=' (value-label syntax): otherwise anything that
# breaks out of text or of a quoted attribute, in both quote styles.
HOSTILE = "Ø\"'><hx hx><script>alert(1)</script>&amp</hx>"
# A register period is at most 15 bytes: three chained periods made a working script.
PERIODS = ["<script>/*", "*/alert(1)/*", "*/</script>", "\"'><hx hx>"]
LABEL_FILES = {  # file: columns holding labels
    "codebook.csv": ("label_da", "label_en"),
    "indices.csv": ("index_label_da", "index_label_en", "dimension_label_da",
                    "dimension_label_en"),
    "shares.csv": ("label_da", "label_en"),
    "derived.csv": ("label_da", "label_en"),
    "targets.csv": ("label_da", "label_en"),
}


def read_table(path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    comments = [ln for ln in lines if ln.startswith("#")]
    rows = list(csv.reader([ln for ln in lines if not ln.startswith("#")], delimiter=";"))
    return comments, rows


def write_table(path, comments, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        for c in comments:
            f.write(c + "\n")
        csv.writer(f, delimiter=";", lineterminator="\n").writerows(rows)


def hostile_values(values, k):
    """code=label|... with each label made hostile (and distinct)."""
    if not values:
        return values
    out = []
    for part in values.split("|"):
        code, _, _ = part.partition("=")
        out.append("%s=%s%d" % (code, HOSTILE, k))
        k += 1
    return "|".join(out)


def hostile_survey(dest):
    shutil.copytree(SURVEY, dest, ignore=shutil.ignore_patterns("example"))
    k = 0
    for name, cols in LABEL_FILES.items():
        comments, rows = read_table(os.path.join(dest, name))
        head = rows[0]
        for r in rows[1:]:
            for c in cols:
                i = head.index(c)
                if i < len(r) and r[i]:
                    r[i] = "%s%d" % (HOSTILE, k)
                    k += 1
            if "values" in head and head.index("values") < len(r):
                i = head.index("values")
                r[i] = hostile_values(r[i], k)
                k += 20
        write_table(os.path.join(dest, name), comments, rows)
    ini = os.path.join(dest, "survey.ini")
    with open(ini, encoding="utf-8") as f:
        lines = f.read().splitlines()
    for i, ln in enumerate(lines):
        if ln.startswith("title_da =") or ln.startswith("title_en ="):
            lines[i] = ln.split("=")[0] + "= " + HOSTILE.replace("=", "")
    with open(ini, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return dest


def hostile_register(src, dest):
    comments, rows = read_table(src)
    head = rows[0]
    periods = {}
    for r in rows[1:]:
        for c in ("label_da", "label_en"):
            if r[head.index(c)]:
                r[head.index(c)] = HOSTILE
        key = (r[0], r[1])
        n = periods.get(key, 0)
        periods[key] = n + 1
        r[head.index("period")] = PERIODS[n % len(PERIODS)] + ("" if n < 4 else str(n))
    with open(dest, "w", encoding="utf-8") as f:  # the register is split on ';', unquoted
        f.write("\n".join(comments + [";".join(r) for r in rows]) + "\n")
    return dest


class Collect(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(a for a, _ in attrs)
        self.text.extend(v for _, v in attrs if v)

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


class HtmlEscape(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="helby-esc-")
        d = cls.tmp.name
        cls.db = os.path.join(d, "s.db")
        survey = hostile_survey(os.path.join(d, "copenhagen"))
        cls.register = hostile_register(os.path.join(SURVEY, "register_indicators.csv"),
                                        os.path.join(d, "register.csv"))
        run("init", db=cls.db, check=0)
        run("survey", "add", survey, db=cls.db, check=0)
        run("import", "--survey", "copenhagen", *WAVES, db=cls.db, check=0)
        run("compute", "--survey", "copenhagen", db=cls.db, check=0)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def check_html(self, text, what):
        p = Collect()
        p.feed(text)
        p.close()
        self.assertNotIn("hx", p.tags, what + ": the hostile text made an element")
        self.assertNotIn("script", p.tags, what + ": a script element")
        self.assertNotIn("hx", p.attrs, what + ": the hostile text made an attribute")
        self.assertFalse([a for a in p.attrs if a.startswith("on")], what + ": an event handler")
        data = "\n".join(p.text)
        self.assertIn("<hx hx><script>alert(1)</script>", data, what + ": the label was dropped")
        return data

    def test_every_report_and_barometer_parses_with_the_hostile_text_as_text(self):
        for lang in ("da", "en"):
            for barometer in (0, 1):
                args = ["barometer", "--register", self.register] if barometer else ["report"]
                p = run(*args, "--run", "1", "--format", "html", "--lang", lang,
                        db=self.db, check=0)
                what = "%s --lang %s" % (args[0], lang)
                data = self.check_html(p.stdout, what)
                if barometer:
                    for period in PERIODS:
                        self.assertIn(period, data, what + ": period " + period)

    def test_pdf_starts_chromium_without_scripts_with_a_timeout_and_a_private_profile(self):
        d = self.tmp.name
        log = os.path.join(d, "chromium.log")
        fake = os.path.join(d, "fake-chromium")
        with open(fake, "w") as f:
            f.write("#!/bin/sh\n"
                    "for a in \"$@\"; do echo \"arg $a\"; done > '%s'\n"
                    "echo \"home $HOME\" >> '%s'\n"
                    "for a in \"$@\"; do case $a in --user-data-dir=*) "
                    "cat \"${a#--user-data-dir=}/Default/Preferences\" >> '%s';; "
                    "--print-to-pdf=*) echo '%%PDF-1.4' > \"${a#--print-to-pdf=}\";; "
                    "esac; done\n" % (log, log, log))
        os.chmod(fake, stat.S_IRWXU)
        out = os.path.join(d, "b.pdf")
        env = dict(os.environ, HELBY_CHROMIUM=fake)
        import subprocess
        from clitest import HELBY
        p = subprocess.run([HELBY, "--db", self.db, "barometer", "--run", "1", "--register",
                            self.register, "--format", "pdf", "-o", out],
                           capture_output=True, text=True, env=env, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(log) as f:
            lines = f.read().splitlines()
        args = [ln[4:] for ln in lines if ln.startswith("arg ")]
        prof = [a for a in args if a.startswith("--user-data-dir=")]
        self.assertEqual(len(prof), 1, args)
        # made before the browser started, JavaScript blocked on every page
        self.assertIn('{"profile":{"default_content_setting_values":{"javascript":2}}}', lines)
        self.assertFalse(os.path.exists(prof[0].split("=", 1)[1]), "profile left behind")
        self.assertIn("--disable-extensions", args)
        self.assertIn("--no-first-run", args)
        self.assertTrue(os.path.exists(out))

    @unittest.skipUnless(shutil.which("chromium"), "no chromium")
    def test_real_chromium_runs_no_script_of_the_page_it_prints(self):
        """The flags and profile helby gives the real browser, on a page whose script would
        make it 12 pages long: printed on 1 page, the script did not run."""
        d = self.tmp.name
        page = os.path.join(d, "script.html")
        with open(page, "w") as f:
            f.write('<html><body><p>x</p><script>document.body.style.height="3000mm"'
                    '</script></body></html>')
        wrap = os.path.join(d, "swap-url-chromium")
        with open(wrap, "w") as f:  # helby's arguments, the URL swapped for the test page
            f.write('#!/bin/sh\nn=$#; i=0\nfor a in "$@"; do i=$((i+1)); '
                    'if [ $i -lt $n ]; then set -- "$@" "$a"; fi; done\n'
                    'shift $n\nexec chromium "$@" "file://%s"\n' % page)
        os.chmod(wrap, stat.S_IRWXU)
        out = os.path.join(d, "script.pdf")
        env = dict(os.environ, HELBY_CHROMIUM=wrap)
        import subprocess
        from clitest import HELBY
        p = subprocess.run([HELBY, "--db", self.db, "report", "--run", "1", "--format", "pdf",
                            "-o", out], capture_output=True, text=True, env=env, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(out, "rb") as f:
            pages = len(re.findall(rb"/Type\s*/Page\b", f.read()))
        self.assertEqual(pages, 1, "the page's script ran")

    def test_pdf_of_a_browser_that_hangs_is_killed_and_refused(self):
        d = self.tmp.name
        fake = os.path.join(d, "hanging-chromium")
        with open(fake, "w") as f:
            f.write("#!/bin/sh\nexec sleep 600\n")
        os.chmod(fake, stat.S_IRWXU)
        out = os.path.join(d, "hang.pdf")
        env = dict(os.environ, HELBY_CHROMIUM=fake, HELBY_CHROMIUM_TIMEOUT="2")
        import subprocess
        from clitest import HELBY
        p = subprocess.run([HELBY, "--db", self.db, "report", "--run", "1", "--format", "pdf",
                            "-o", out], capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("did not finish", p.stderr)
        self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    main()
