"""The bad-input catalogue (tests/data/bad/, made by scripts/make-bad-inputs): every broken
file is refused with exit status 2, a message naming file, line and column, and a store that
is exactly as it was."""
import os
import re
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import ROOT, SURVEY, WAVES, main, run, store_fingerprint, survey_with_fpc  # noqa: E402,E501

BAD = os.path.join(ROOT, "tests", "data", "bad")


def catalogue():
    with open(os.path.join(BAD, "EXPECTED.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            name, ln, col, phrase, opts = (line.rstrip("\n").split("\t") + [""])[:5]
            yield name, int(ln), col, phrase, opts.split()


class BadInputs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="helby-bad-")
        cls.db = os.path.join(cls.tmp.name, "bad.db")
        run("init", db=cls.db, check=0)
        run("survey", "add", SURVEY, db=cls.db, check=0)
        # The fpc checks need a design with an fpc, which the example does not declare.
        run("survey", "add", survey_with_fpc(cls.tmp.name), db=cls.db, check=0)
        # A store with data in it, so "unchanged" means something.
        run("import", "--survey", "copenhagen", WAVES[1], db=cls.db, check=0)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def refused(self, path, line, col, phrase, opts):
        before = store_fingerprint(self.db)
        survey = "copenhagen_fpc" if os.path.basename(path).startswith("fpc_") else "copenhagen"
        p = run("import", "--survey", survey, *opts, path, db=self.db)
        self.assertEqual(p.returncode, 2, "%s: exit %d\n%s" % (path, p.returncode, p.stderr))
        self.assertEqual(before, store_fingerprint(self.db), path + ": store changed")
        # The first example (summary lines per column and kind, without a line, come first).
        first = [l for l in p.stderr.splitlines() if re.match(re.escape(path) + r":\d+:", l)][0]
        where = re.escape(path) + ":%d:" % line + ("" if col == "-" else "%s:" % col)
        self.assertRegex(first, "^" + where, p.stderr)
        if col == "-":
            # Still a line, and no made-up column.
            self.assertRegex(first, "^" + re.escape(path) + r":\d+: ")
        self.assertIn(phrase, p.stderr)
        self.assertIn("nothing imported", p.stderr)
        return p

    def test_catalogue_has_at_least_25_distinct_broken_files(self):
        names = [c[0] for c in catalogue()]
        self.assertGreaterEqual(len(set(names)), 25)
        for n in names:
            self.assertTrue(os.path.exists(os.path.join(BAD, n)), n)

    def test_every_broken_file_is_refused_where_it_is_broken(self):
        for name, line, col, phrase, opts in catalogue():
            with self.subTest(file=name):
                self.refused(os.path.join(BAD, name), line, col, phrase, opts)

    def test_errors_past_the_limit_are_counted_not_listed(self):
        p = run("import", "--survey", "copenhagen", "--max-errors", "5",
                os.path.join(BAD, "many_errors.csv"), db=self.db, check=2)
        self.assertEqual(len([l for l in p.stderr.splitlines()
                              if re.search(r"many_errors\.csv:\d+:", l)]), 5)
        self.assertIn("many_errors.csv: indfl_lokal: 160 rows (lines 2–161) fail the same way",
                      p.stderr.splitlines()[0])
        self.assertIn("and 155 more errors", p.stderr)

    def test_a_10_mb_line_is_refused_cleanly(self):
        path = os.path.join(self.tmp.name, "ten_mb_line.csv")
        with open(WAVES[0], "rb") as f:
            data = f.read()
        k = data.index(b"\r\n") + 2
        with open(path, "wb") as f:
            f.write(data[:k] + b"x" * (10 << 20) + data[k:])
        self.refused(path, 2, "1", "", [])

    def test_a_directory_is_refused_at_once(self):
        self.refused_at_once(self.tmp.name, "is a directory, not a file")

    def refused_at_once(self, path, phrase):
        """Exit 2 within a second (a FIFO without a writer must not hang the import), the
        path and the phrase in the message, the store unchanged."""
        import time
        before = store_fingerprint(self.db)
        t0 = time.monotonic()
        p = run("import", "--survey", "copenhagen", path, db=self.db)
        took = time.monotonic() - t0
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertLess(took, 1.0, "%s: %.2f s" % (path, took))
        self.assertIn(path + ":", p.stderr)
        self.assertIn(phrase, p.stderr)
        self.assertIn("nothing imported", p.stderr)
        self.assertEqual(before, store_fingerprint(self.db), path + ": store changed")

    def test_a_named_pipe_is_refused_at_once(self):
        path = os.path.join(self.tmp.name, "pipe.csv")
        os.mkfifo(path)
        self.refused_at_once(path, "named pipe (FIFO), not a file")

    def test_a_device_is_refused_at_once(self):
        self.refused_at_once("/dev/zero", "is a device, not a file")

    def test_a_2_gb_file_is_refused_by_its_size(self):
        path = os.path.join(self.tmp.name, "two_gb.csv")
        with open(path, "wb") as f:
            f.truncate(2 << 30)  # sparse: no disk, and nothing read
        try:
            self.refused_at_once(path, "more than the limit of 1073741824 (1 GiB)")
        finally:
            os.unlink(path)

    def test_a_binary_file_is_refused_by_its_first_block(self):
        # A NUL on line 1, field 2 of a 50 MB file: refused from its first 64 KiB, the rest
        # unread, at its line and column.
        path = os.path.join(self.tmp.name, "binary.csv")
        with open(path, "wb") as f:
            f.write(b"resp_id;wave\x00\x01\x02" + b"\xff" * (50 << 20))
        self.refused_at_once(path, "binary.csv:1:2: NUL byte in the file")

    def test_a_file_not_of_its_extensions_format_is_refused_by_its_first_bytes(self):
        for name, phrase in [("x.sav", "not an SPSS system file (.sav/.zsav)"),
                             ("x.dta", "not a Stata file (.dta)"),
                             ("x.sas7bdat", "not a SAS data set (.sas7bdat)"),
                             ("x.xpt", "not a SAS transport file (.xpt)")]:
            with self.subTest(name=name):
                path = os.path.join(self.tmp.name, name)
                with open(WAVES[0], "rb") as src, open(path, "wb") as f:
                    f.write(src.read())  # a CSV under another format's name
                self.refused_at_once(path, phrase)

    def test_windows_1252_export_is_converted_and_imported(self):
        # The same wave re-encoded as a Windows export would be: helby converts it to UTF-8.
        path = os.path.join(self.tmp.name, "wave_2013_cp1252.csv")
        with open(WAVES[2], "rb") as f:
            text = f.read()[3:].decode("utf-8")
        with open(path, "wb") as f:
            f.write(text.encode("cp1252"))
        p = run("import", "--check", "--survey", "copenhagen", path, db=self.db, check=0)
        self.assertIn("valid", p.stdout)

    def test_path_with_spaces_and_danish_letters_works(self):
        d = os.path.join(self.tmp.name, "Østerbro data æøå")
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, "bølge 2013.csv")
        with open(WAVES[2], "rb") as src, open(path, "wb") as dst:
            dst.write(src.read())
        run("import", "--check", "--survey", "copenhagen", path, db=self.db, check=0)


if __name__ == "__main__":
    main()
