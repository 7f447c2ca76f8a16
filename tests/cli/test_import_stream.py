"""A CSV is read in blocks (issue 26): what the whole-file read found is still found where
only later blocks show it — the encoding of the whole file, a NUL byte — and the import
record holds the hash and size of every byte."""
import hashlib
import os
import re
import sqlite3
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import SURVEY, WAVES, main, run  # noqa: E402

PAD = b"\r\n" * (600 * 1024)  # 1.2 MB of blank lines: past the first MiB the sniffer sees


class Stream(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="helby-stream-")
        self.db = os.path.join(self.tmp.name, "s.db")
        run("init", db=self.db, check=0)
        run("survey", "add", SURVEY, db=self.db, check=0)
        with open(WAVES[0], "rb") as f:
            self.wave = f.read()
        self.last = self.wave.rstrip(b"\r\n").split(b"\r\n")[-1]

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, data):
        path = os.path.join(self.tmp.name, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def test_a_windows_1252_byte_after_the_first_mib_reads_the_whole_file_as_windows_1252(self):
        # One more respondent after the padding, its id with 'æ' as Windows-1252 writes it.
        row = self.last.replace(self.last.split(b";")[0], b"2011-99\xe6", 1)
        data = self.wave + PAD + row + b"\r\n"
        path = self.write("late_cp1252.csv", data)
        p = run("import", "--survey", "copenhagen", path, db=self.db, check=0)
        n = self.wave.count(b"\r\n")  # data rows + the header line
        self.assertIn("%d respondents" % n, p.stdout)
        con = sqlite3.connect(self.db)
        sha, size, dialect = con.execute("SELECT sha256, bytes, dialect FROM import").fetchone()
        con.close()
        self.assertEqual(sha, hashlib.sha256(data).hexdigest())
        self.assertEqual(size, len(data))
        self.assertIn("encoding=windows-1252", dialect)

    def test_a_nul_byte_after_the_first_mib_is_the_only_error(self):
        # A value error on line 2, then a NUL byte far on: a whole read reports the NUL alone.
        lines = self.wave.split(b"\r\n")
        lines[1] = lines[1].replace(b";2011;", b";20x1;", 1)
        head = b"\r\n".join(lines)
        data = head + PAD + b"\0" + self.last + b"\r\n"
        path = self.write("late_nul.csv", data)
        p = run("import", "--survey", "copenhagen", path, db=self.db, check=2)
        nul_line = (head + PAD).count(b"\n") + 1
        self.assertRegex(p.stderr, re.escape("late_nul.csv:%d:1:" % nul_line) + " NUL byte")
        self.assertNotIn("20x1", p.stderr)
        self.assertIn("1 error", p.stderr)

    def test_a_quote_error_then_a_late_nul_byte_reports_the_nul_byte(self):
        lines = self.wave.split(b"\r\n")
        lines[3] = lines[3].replace(b";", b';a"b;', 1)
        data = b"\r\n".join(lines) + PAD + self.last[:5] + b"\0" + self.last[5:] + b"\r\n"
        path = self.write("late_nul_2.csv", data)
        p = run("import", "--survey", "copenhagen", path, db=self.db, check=2)
        self.assertIn("NUL byte", p.stderr)
        self.assertNotIn("unquoted field", p.stderr)
        self.assertIn("1 error", p.stderr)


if __name__ == "__main__":
    main()
