"""helby import of SPSS, Stata and SAS files (ReadStat), checked against the CSV import.

Usage: test_readstat.py HELBY WRITE_READSTAT
The fixtures in tests/data/readstat/ are made by scripts/make-readstat-fixtures from the
first 20 rows of the example's wave 2011; WRITE_READSTAT (tests/tools/write_readstat.c,
ReadStat's writer, sharing no code with helby) converts the whole example waves here.
"""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest

WRITER = os.path.abspath(sys.argv.pop(2)) if len(sys.argv) > 2 else None
from clitest import ROOT, SURVEY, WAVES, StoreCase, main, run, store_fingerprint  # noqa: E402

DATA = os.path.join(ROOT, "tests", "data", "readstat")
CODEBOOK = os.path.join(SURVEY, "codebook.csv")
GOOD = ["wave_2011_head." + e for e in ("sav", "zsav", "dta", "sas7bdat", "xpt")]


def stored_columns(db):
    """Every stored wave column, bytes and all: equal means the same numbers bit for bit."""
    con = sqlite3.connect(db)
    rows = con.execute(
        "SELECT w.wave, c.variable, c.position, c.kind, c.n, c.data FROM wave_column c "
        "JOIN wave w ON w.id = c.wave_id ORDER BY w.wave, c.position").fetchall()
    con.close()
    return rows


def import_dialect(db):
    con = sqlite3.connect(db)
    rows = [r[0] for r in con.execute("SELECT dialect FROM import ORDER BY id")]
    con.close()
    return rows


class ReadStatImport(StoreCase):
    def head_csv(self):
        """The same 20 rows as the fixtures, as the CSV they were made from."""
        path = os.path.join(self.tmp.name, "wave_2011_head.csv")
        with open(WAVES[0], "rb") as src, open(path, "wb") as dst:
            for i, line in enumerate(src):
                if i > 20:
                    break
                dst.write(line)
        return path

    def test_every_format_stores_the_same_bits_as_the_csv(self):
        run("import", "--survey", "copenhagen", self.head_csv(), db=self.db, check=0)
        want = stored_columns(self.db)
        self.assertEqual(len(want), 23)
        for name in GOOD:
            with self.subTest(name=name):
                p = run("import", "--survey", "copenhagen", "--replace",
                        os.path.join(DATA, name), db=self.db, check=0)
                self.assertIn("20 respondents", p.stdout)
                self.assertIn("read by ReadStat", p.stdout)
                self.assertEqual(stored_columns(self.db), want)
                if name.endswith(".dta"):
                    note = ("tillid_naboer: extended missing value .a ('Ved ikke') read as "
                            "missing code 98 on 1 rows")
                    self.assertIn(note, p.stdout)
                    self.assertIn(note, import_dialect(self.db)[-1])
        self.assertEqual([d.split(";")[0] for d in import_dialect(self.db)[1:]],
                         ["format=spss-sav", "format=spss-sav", "format=stata-dta",
                          "format=sas7bdat", "format=sas-xpt"])

    def test_an_spss_file_without_its_extension_is_known_by_its_magic(self):
        path = os.path.join(self.tmp.name, "export.bin")
        shutil.copy(os.path.join(DATA, "wave_2011_head.sav"), path)
        p = run("import", "--check", "--survey", "copenhagen", path, db=self.db, check=0)
        self.assertIn("spss-sav", p.stdout)

    def test_bad_files_are_clear_errors_and_import_nothing(self):
        cases = {
            "label_mismatch.sav":
                "label_mismatch.sav: disk_12m: value label of code 1 is 'Yes' in the file "
                "but 'Ja' in the codebook",
            "user_missing_not_in_codebook.sav":
                "user_missing_not_in_codebook.sav:3:18: tillid_politi: '7': declared "
                "user-missing in the file but not a missing code of the codebook "
                "(8=Ved ikke, 9=Ønsker ikke at svare)",
            "out_of_range.sav":
                "out_of_range.sav:5:18: tillid_politi: '6': expected an integer 1–5 or a "
                "missing code (8, 9)",
            "unlabelled_extended_missing.dta":
                "unlabelled_extended_missing.dta:2:18: tillid_politi: '.c': extended missing "
                "value without a value label in the file",
            "wrong_wave.dta":
                "wrong_wave.dta:7:2: wave: '2012': expected wave 2011 as on row 1",
        }
        before = store_fingerprint(self.db)
        for name, message in cases.items():
            with self.subTest(name=name):
                p = run("import", "--survey", "copenhagen", os.path.join(DATA, name),
                        db=self.db, check=2)
                self.assertIn(message, p.stderr)
                self.assertIn("nothing imported: 1 error", p.stderr)
        self.assertEqual(store_fingerprint(self.db), before)

    def test_a_truncated_file_is_an_error_not_a_crash(self):
        path = os.path.join(self.tmp.name, "cut.sav")
        with open(os.path.join(DATA, "wave_2011_head.sav"), "rb") as f:
            data = f.read()
        with open(path, "wb") as f:
            f.write(data[:len(data) // 2])
        p = run("import", "--survey", "copenhagen", path, db=self.db, check=2)
        self.assertIn("cut.sav: not a readable SPSS system (.sav/.zsav) file", p.stderr)

    def test_bytes_after_the_data_are_refused(self):
        # A good file with something after its data: NULs (which a .sav's bytecode skips as
        # padding, so ReadStat reads the same rows), one byte, a second copy of the data.
        before = store_fingerprint(self.db)
        for name, tail, message in [
                ("wave_2011_head.sav", b"\0" * (1 << 20),
                 "1048576 bytes follow the data of its 20 rows"),
                ("wave_2011_head.zsav", b"x", "1 bytes follow the data of its 20 rows"),
                ("wave_2011_head.sas7bdat", b"\0", "1 bytes follow its last page"),
                ("wave_2011_head.sas7bdat", None, "20480 bytes follow its last page")]:
            with self.subTest(name=name, tail=tail and tail[:1]):
                with open(os.path.join(DATA, name), "rb") as f:
                    data = f.read()
                path = os.path.join(self.tmp.name, "appended_" + name)
                with open(path, "wb") as f:
                    f.write(data + (data if tail is None else tail))
                p = run("import", "--survey", "copenhagen", path, db=self.db, check=2)
                self.assertIn("appended_%s: %s" % (name, message), p.stderr)
                self.assertIn("refused whole", p.stderr)
                self.assertIn("nothing imported: 1 error", p.stderr)
        self.assertEqual(store_fingerprint(self.db), before)


@unittest.skipUnless(WRITER, "needs tests/tools/write_readstat")
class ExampleWavesAsSpss(unittest.TestCase):
    """The acceptance test of issue 14: the example waves as .sav (and .dta, whose missing
    codes are Stata extended missing values) give the CSV import's estimates exactly."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="helby-readstat-")

    def tearDown(self):
        self.tmp.cleanup()

    def store(self, name, files):
        db = os.path.join(self.tmp.name, name + ".db")
        run("init", db=db, check=0)
        run("survey", "add", SURVEY, db=db, check=0)
        run("import", "--survey", "copenhagen", *files, db=db, check=0)
        return db

    def estimates(self, db):
        out = []
        for args in (["--index", "inclusion,safety", "--by", "group,wave"],
                     ["--by", "group,wave"],
                     ["--var", "tillid_politi", "--by", "group,district", "--variance", "jkn"]):
            out.append(run("estimate", "--survey", "copenhagen", "--format", "csv", *args,
                           db=db, check=0).stdout)
        return out

    def test_estimates_are_bit_identical_to_the_csv_import(self):
        csv_db = self.store("csv", WAVES)
        want_cols, want_est = stored_columns(csv_db), self.estimates(csv_db)
        self.assertGreater(sum(len(e.splitlines()) for e in want_est), 50)
        for ext in ("sav", "dta"):
            with self.subTest(ext=ext):
                files = []
                for w in WAVES:
                    out = os.path.join(self.tmp.name,
                                       os.path.basename(w).replace(".csv", "." + ext))
                    subprocess.run([WRITER, CODEBOOK, w, out], check=True)
                    files.append(out)
                db = self.store(ext, files)
                self.assertEqual(stored_columns(db), want_cols)
                self.assertEqual(self.estimates(db), want_est)


def codebook_rows(path):
    with open(path, encoding="utf-8") as f:
        lines = [l.rstrip("\n") for l in f if not l.startswith("#")]
    return [l.split(";") for l in lines[1:]]


@unittest.skipUnless(WRITER, "needs tests/tools/write_readstat")
class SurveyDraft(unittest.TestCase):
    """helby survey draft from the example waves as SPSS files: what it takes from the file
    is the codebook's own (the files were written from it), what it cannot know is TODO."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="helby-draft-")
        self.sav = []
        for w in WAVES[:2]:
            out = os.path.join(self.tmp.name, os.path.basename(w).replace(".csv", ".sav"))
            subprocess.run([WRITER, CODEBOOK, w, out], check=True)
            self.sav.append(out)

    def tearDown(self):
        self.tmp.cleanup()

    def test_a_draft_from_spss_files_holds_their_labels_and_missing_codes_and_todo(self):
        d = os.path.join(self.tmp.name, "draft")
        p = run("survey", "draft", *self.sav, "-o", d, check=0)
        self.assertIn("from 2 files (6003 rows): 23 variables", p.stdout)
        want = codebook_rows(CODEBOOK)
        got = codebook_rows(os.path.join(d, "codebook.csv"))
        self.assertEqual([r[0] for r in got], [r[0] for r in want])
        for g, w in zip(got, want):
            with self.subTest(variable=w[0]):
                self.assertEqual(g[1], w[1])               # label_da: the variable label
                self.assertEqual(g[3], "TODO")             # role: never guessed
                self.assertEqual(g[8:10], ["0", "1"])      # reverse, required
                if w[3] == "item":
                    # type, min, max, missing, values: from the data and the SPSS dictionary
                    # (not values_en: an SPSS file's labels are one language)
                    self.assertEqual(g[4:8] + g[10:11], w[4:8] + w[10:11])
        # fpc holds whole numbers only: a code by the data, real by the codebook; the
        # comment says what the draft saw, and the team decides.
        self.assertEqual(got[5][4], "code")
        with open(os.path.join(d, "codebook.csv"), encoding="utf-8") as f:
            self.assertIn("# fpc: type code: 6003 values, all whole numbers, observed 89 to "
                          "2059", f.read())
        # Every TODO is an error of survey check, all listed in one run.
        p = run("survey", "check", d, check=2)
        # (issue 24: named as TODOs left, not as "unknown role 'TODO'")
        self.assertEqual(p.stderr.count("TODO left: role is still TODO"), 23)
        self.assertIn("TODO left: [survey] id is still TODO", p.stderr)
        # Filled in (roles, English labels, the design columns' types and ranges as the
        # example survey has them), the draft loads.
        filled = [w[:1] + g[1:2] + w[2:4] + g[4:] for g, w in zip(got, want)]
        for r, w in zip(filled, want):
            if w[3] != "item":
                r[4:8] = w[4:8]
        with open(os.path.join(d, "codebook.csv"), "w", encoding="utf-8") as f:
            f.write("variable;label_da;label_en;role;type;min;max;missing;reverse;required;"
                    "values\n")
            f.write("".join(";".join(r) + "\n" for r in filled))
        for name in ("survey.ini", "indices.csv", "shares.csv", "targets.csv", "margins"):
            src, dst = os.path.join(SURVEY, name), os.path.join(d, name)
            if os.path.isdir(src):
                shutil.copytree(src, dst)
            else:
                shutil.copy(src, dst)
        run("survey", "check", d, check=0)

    def test_a_draft_from_a_csv_says_which_codes_it_saw_and_never_overwrites(self):
        d = os.path.join(self.tmp.name, "from_csv")
        run("survey", "draft", WAVES[0], "-o", d, check=0)
        with open(os.path.join(d, "codebook.csv"), encoding="utf-8") as f:
            text = f.read()
        self.assertIn("# tillid_politi: type code: 2942 values, all whole numbers, observed 1 "
                      "to 9, codes seen 1 2 3 4 5 8 9, 33 empty, role TODO", text)
        self.assertIn("tillid_politi;TODO;TODO;TODO;code;1;9;;0;1;\n", text)
        self.assertIn("TODO: codes meaning 'missing'", text)
        self.assertIn("# weight: type real", text)
        p = run("survey", "draft", WAVES[0], "-o", d)
        self.assertEqual(p.returncode, 2, p.stderr)  # a definition there already: bad input
        self.assertIn("exists already", p.stderr)


@unittest.skipUnless(WRITER, "needs tests/tools/write_readstat")
class InvalidUtf8(StoreCase):
    """Text that is not UTF-8 is refused from a ReadStat file as from a CSV (issue 27 item
    5): a Stata file's strings, variable labels and value labels were stored as they came
    and went out in exports. The error names the file, the row and the variable."""

    def write(self, ext, rows=None, extra=()):
        src = os.path.join(self.tmp.name, "in.csv")
        with open(WAVES[0], "rb") as f:
            lines = f.read().split(b"\n")[:6]
        for i, line in (rows or {}).items():
            lines[i] = line(lines[i])
        with open(src, "wb") as f:
            f.write(b"\n".join(lines) + b"\n")
        out = os.path.join(self.tmp.name, "bad." + ext)
        subprocess.run([WRITER.encode(), CODEBOOK.encode(), src.encode(), out.encode(),
                        *extra], check=True)
        return out

    def refused(self, path, *want):
        before = store_fingerprint(self.db)
        p = run("import", "--survey", "copenhagen", path, db=self.db)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn(os.path.basename(path), p.stderr)
        self.assertIn("invalid UTF-8 (byte 0xFF)", p.stderr)
        for w in want:
            self.assertIn(w, p.stderr)
        self.assertEqual(store_fingerprint(self.db), before)
        return p.stderr

    def test_a_text_value_that_is_not_utf8_is_refused_with_its_row_and_variable(self):
        def bad_stratum(line):
            f = line.split(b";")
            f[2] = b"D01-\xff"
            return b";".join(f)
        # the CSV refuses these bytes (as UTF-8) ...
        csv = os.path.join(self.tmp.name, "bad.csv")
        with open(WAVES[0], "rb") as f:
            lines = f.read().split(b"\n")[:6]
        lines[3] = bad_stratum(lines[3])
        with open(csv, "wb") as f:
            f.write(b"\n".join(lines) + b"\n")
        p = run("import", "--survey", "copenhagen", "--encoding", "utf-8", csv, db=self.db)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("invalid UTF-8", p.stderr)
        # ... and so does a Stata file, on the file's row 3, variable stratum
        err = self.refused(self.write("dta", {3: bad_stratum}), "on row 3", ":3:3: stratum:")
        self.assertIn("Stata", err)

    def test_a_label_that_is_not_utf8_is_refused(self):
        err = self.refused(self.write("dta", extra=[b"--label", b"origin:1:Dansk \xff"]),
                           "value label of 1")
        self.assertIn("Stata", err)


def dta_without_variables():
    """A Stata 118 file with K = 0 variables and no rows, every section in place: ReadStat
    reads 0 bytes into a NULL buffer for its variable table (UBSan saw memcpy(NULL, ..., 0) in
    helby's reader; the sanitizer CI run replays this as tests/fuzz/readstat/
    regress-dta-no-variables)."""
    import struct
    head = (b"<stata_dta><header><release>118</release><byteorder>LSF</byteorder><K>"
            + struct.pack("<H", 0) + b"</K><N>" + struct.pack("<Q", 0) + b"</N><label>"
            + struct.pack("<H", 0) + b"</label><timestamp>" + bytes([17])
            + b"01 Jan 2020 00:00</timestamp></header>")
    parts = [("variable_types", b""), ("varnames", b""), ("sortlist", b"\0\0"),
             ("formats", b""), ("value_label_names", b""), ("variable_labels", b""),
             ("characteristics", b""), ("data", b""), ("strls", b""), ("value_labels", b"")]
    pos = len(head) + len(b"<map>") + 14 * 8 + len(b"</map>")
    offs, body = [0, len(head)], b""
    for name, content in parts:
        offs.append(pos)
        chunk = b"<" + name.encode() + b">" + content + b"</" + name.encode() + b">"
        body += chunk
        pos += len(chunk)
    offs += [pos, pos + len(b"</stata_dta>")]
    return (head + b"<map>" + b"".join(struct.pack("<Q", o) for o in offs) + b"</map>"
            + body + b"</stata_dta>")


class NoVariables(StoreCase):
    def test_a_stata_file_without_variables_is_refused(self):
        path = os.path.join(self.tmp.name, "empty.dta")
        with open(path, "wb") as f:
            f.write(dta_without_variables())
        with open(os.path.join(ROOT, "tests", "fuzz", "readstat",
                               "regress-dta-no-variables"), "rb") as f:
            self.assertEqual(f.read(), dta_without_variables())
        before = store_fingerprint(self.db)
        p = run("import", "--survey", "copenhagen", path, db=self.db)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("empty.dta: the Stata (.dta) file has no variables", p.stderr)
        self.assertEqual(store_fingerprint(self.db), before)


B30 = "0123456789ABCDEFGHIJKLMNOPQRST"


def por_file(header, rows, strings):
    """An SPSS portable file written here by the format's description (ReadStat 1.1.8's .por
    writer crashes on strings): the 200-byte splash, a translation table that maps each
    character to its ASCII byte, SPSSPORT, then the records in base 30, 80-character lines.
    header: variable names; rows: lists of values (str for the names in strings)."""
    ascii = ("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz .<(+|&[]!$*);"
             "^-/|,%_>?`:#@'=\"")
    table = bytearray(b"0" * 256)
    for i, ch in enumerate(ascii):
        table[64 + i] = ord(ch)

    def num(x):
        x, neg = (-x, "-") if x < 0 else (x, "")
        d = ""
        while True:
            d = B30[x % 30] + d
            x //= 30
            if not x:
                return neg + d + "/"

    def text(t):
        return num(len(t)) + t

    out = "A" + text("20261203") + text("120000") + "1" + text("helby test")
    out += "4" + num(len(header)) + "5" + num(11)
    for name in header:
        w = max(len(r[header.index(name)]) for r in rows) if name in strings else 0
        fmt = (1, w, 0) if name in strings else (5, 8, 2)
        out += "7" + num(w) + text(name) + "".join(num(v) for v in fmt * 2)
    out += "F"
    for r in rows:
        for name, v in zip(header, r):
            out += text(v) if name in strings else num(int(v))
    out += "Z"
    out += "Z" * (-len(out) % 80)
    body = out.encode("ascii")
    lines = [body[i:i + 80] for i in range(0, len(body), 80)]
    splash = b"ASCII SPSS PORT FILE".ljust(40) + b" " * 160
    head = splash + bytes(table) + b"SPSSPORT"
    # the 264 bytes of the header run on in the 80-character lines like everything else
    whole = head + b"".join(lines)
    return b"\r\n".join(whole[i:i + 80] for i in range(0, len(whole), 80)) + b"\r\n"


class PortableLongStrings(StoreCase):
    """ReadStat cuts a .por text value at 255 bytes without a word (issue 27, Low): two
    respondent ids that differ after byte 255 were called duplicates, and a long id was stored
    cut. helby cannot see the rest, so such a value refuses the file; shorter ones import."""

    def write(self, ids):
        with open(WAVES[0], encoding="utf-8-sig") as f:
            lines = [l.rstrip("\r\n").split(";") for l in f][:4]
        header, rows = lines[0], []
        for i, r in enumerate(lines[1:]):
            r = list(r)
            r[4] = r[4].split(",")[0]  # weight 699,0000 -> 699
            r[0] = ids[i]
            rows.append(r)
        path = os.path.join(self.tmp.name, "wave.por")
        with open(path, "wb") as f:
            f.write(por_file(header, rows, {"resp_id", "stratum", "psu"}))
        # a portable file's names have at most 8 characters (ReadStat cuts them)
        self.renames = [a for n in header if len(n) > 8 for a in ("--rename", n[:8] + "=" + n)]
        return path

    def test_short_ids_import_and_a_possibly_cut_one_is_refused(self):
        ok = self.write(["2011-00001", "2011-00002", "x" * 252])
        p = run("import", "--check", "--survey", "copenhagen", *self.renames, ok, db=self.db,
                check=0)
        self.assertIn("3 respondents", p.stdout)
        self.assertIn("spss-por", p.stdout)
        before = store_fingerprint(self.db)
        long_a, long_b = "x" * 255 + "a", "x" * 255 + "b"
        bad = self.write(["2011-00001", long_a, long_b])
        p = run("import", "--survey", "copenhagen", *self.renames, bad, db=self.db)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn("wave.por:2:1: resp_id: a text value of 255 bytes on row 2", p.stderr)
        self.assertIn("save the data as an SPSS system file (.sav)", p.stderr)
        self.assertNotIn("duplicate", p.stderr)
        self.assertEqual(store_fingerprint(self.db), before)


class BidiInData(StoreCase):
    """A bidirectional control character in the text a file brings in (a text value, a
    column name, a value label) is refused at its place as in definitions (issue 27, Low);
    an error message shows it escaped, not raw."""

    def csv(self, edit):
        with open(WAVES[0], "rb") as f:
            lines = f.read().split(b"\n")[:6]
        edit(lines)
        path = os.path.join(self.tmp.name, "bidi.csv")
        with open(path, "wb") as f:
            f.write(b"\n".join(lines) + b"\n")
        return path

    def refused(self, path, *want):
        before = store_fingerprint(self.db)
        p = run("import", "--survey", "copenhagen", path, db=self.db)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        for w in want:
            self.assertIn(w, p.stderr)
        self.assertNotIn("\u202e", p.stderr)
        self.assertNotIn("\u2066", p.stderr)
        self.assertEqual(store_fingerprint(self.db), before)
        return p.stderr

    def test_a_text_value_or_column_name_in_a_csv(self):
        rlo = "\u202e".encode()

        def stratum(lines):
            f = lines[3].split(b";")
            f[2] = b"D01" + rlo + b"O1"
            lines[3] = b";".join(f)
        self.refused(self.csv(stratum), "bidi.csv:4:3: stratum: 'D01\\u202EO1': a bidirectional "
                     "control character (U+202E) in the text")

        def name(lines):
            for i in range(len(lines) - 1):
                lines[i] = lines[i].rstrip(b"\r") + (b";x" + "\u2066".encode() if i == 0
                                                     else b";1") + b"\r"
        self.refused(self.csv(name), "bidi.csv:1:24:", "(U+2066)")

        def number(lines):  # not text: not a number, shown escaped
            f = lines[2].split(b";")
            f[10] = b"1" + rlo
            lines[2] = b";".join(f)
        self.refused(self.csv(number), "bidi.csv:3:11: disk_12m: '1\\u202E'")

    def test_a_text_value_or_value_label_in_a_stata_file(self):
        src = os.path.join(self.tmp.name, "in.csv")

        def stratum(lines):
            f = lines[3].split(b";")
            f[2] = b"D01" + "\u202e".encode() + b"O1"
            lines[3] = b";".join(f)
        shutil.copy(self.csv(stratum), src)
        out = os.path.join(self.tmp.name, "bidi.dta")
        subprocess.run([WRITER.encode(), CODEBOOK.encode(), src.encode(), out.encode()],
                       check=True)
        self.refused(out, "bidi.dta:3:3: stratum: a bidirectional control character (U+202E) "
                     "in its text value on row 3")
        subprocess.run([WRITER.encode(), CODEBOOK.encode(), WAVES[0].encode(), out.encode(),
                        b"--rows", b"5", b"--label", "origin:1:Dansk\u2067".encode()],
                       check=True)
        self.refused(out, "(U+2067) in the value label of 1")


if __name__ == "__main__":
    main()
