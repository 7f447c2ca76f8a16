"""The helby program as a user meets it: help, mistakes, init, survey, import."""
import os
import re
import sqlite3
import stat
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import (EXAMPLE, SURVEY, WAVES, StoreCase, main, run,  # noqa: E402
                     store_fingerprint)
import tempfile  # noqa: E402
import unittest  # noqa: E402


class Help(unittest.TestCase):
    def test_main_help_lists_commands_and_an_example(self):
        p = run("--help", check=0)
        for word in ("Usage", "init", "survey", "import", "Example", "Exit codes"):
            self.assertIn(word, p.stdout)

    def test_every_command_has_help_with_an_example(self):
        for cmd in ("init", "survey", "import"):
            p = run(cmd, "--help", check=0)
            self.assertIn("Usage: helby " + cmd, p.stdout)
            self.assertIn("Example", p.stdout)

    def test_unknown_command_is_one_line_and_a_hint(self):
        p = run("imprt", check=1)
        lines = p.stderr.strip().splitlines()
        self.assertEqual(len(lines), 2, p.stderr)
        self.assertIn("unknown command 'imprt'", lines[0])
        self.assertIn("--help", lines[1])

    def test_unknown_option_is_a_usage_error(self):
        p = run("import", "--survey", "x", "--frobnicate", "f.csv", check=1)
        self.assertIn("unknown option '--frobnicate'", p.stderr)

    def test_missing_argument_is_a_usage_error(self):
        p = run("import", "--survey", check=1)
        self.assertIn("needs a value", p.stderr)
        p = run("import", "f.csv", check=1)
        self.assertIn("missing --survey", p.stderr)

    def test_version_is_printed(self):
        self.assertRegex(run("--version", check=0).stdout, r"^helby \d+\.\d+\.\d+")


class Init(unittest.TestCase):
    def test_init_creates_a_private_store_and_refuses_to_overwrite(self):
        with tempfile.TemporaryDirectory() as d:
            db = os.path.join(d, "x.db")
            run("init", db=db, check=0)
            self.assertEqual(stat.S_IMODE(os.stat(db).st_mode), 0o600)
            p = run("init", db=db, check=2)
            self.assertIn("already exists", p.stderr)

    def test_a_missing_store_is_named_with_a_hint(self):
        with tempfile.TemporaryDirectory() as d:
            p = run("survey", "list", db=os.path.join(d, "nope.db"), check=2)
            self.assertIn("helby init", p.stderr)

    def test_a_text_file_is_not_a_store(self):
        with tempfile.TemporaryDirectory() as d:
            db = os.path.join(d, "x.db")
            with open(db, "w") as f:
                f.write("hello\n" * 200)
            p = run("survey", "list", db=db, check=3)
            self.assertIn("not a helby store", p.stderr)


class Upgrade(StoreCase):
    def test_a_store_of_an_older_schema_is_upgraded_in_place(self):
        import sqlite3
        run("import", "--survey", "copenhagen", WAVES[0], db=self.db, check=0)
        con = sqlite3.connect(self.db)  # make it look like a schema-1 store
        con.executescript("DROP TABLE wave_codes; DROP TABLE weight_set; DROP TABLE run_estimate; "
                          "DROP TABLE run; DROP TABLE weight_set_version; DROP TABLE run_dropped; "
                          "PRAGMA user_version = 1;")
        con.close()
        p = run("survey", "list", db=self.db, check=0)
        self.assertIn("upgraded", p.stderr)
        con = sqlite3.connect(self.db)
        self.assertEqual(con.execute("PRAGMA user_version").fetchone()[0], 6)
        con.close()
        run("compute", "--survey", "copenhagen", db=self.db, check=0)


class Import(StoreCase):
    def test_all_example_waves_import_with_a_summary(self):
        p = run("import", "--survey", "copenhagen", *WAVES, db=self.db, check=0)
        for w in (2011, 2012, 2013, 2014):
            self.assertIn("as wave %d of copenhagen" % w, p.stdout)
        self.assertIn("respondents by group", p.stdout)
        self.assertIn("Østerbro", p.stdout)
        self.assertIn("item nonresponse", p.stdout)
        self.assertIn("BOM", p.stdout)
        listing = run("survey", "list", db=self.db, check=0).stdout
        self.assertRegex(listing, r"copenhagen\s+4\s+\d+")

    def test_the_same_file_twice_is_refused_and_replace_allows_it(self):
        run("import", "--survey", "copenhagen", WAVES[0], db=self.db, check=0)
        before = store_fingerprint(self.db)
        p = run("import", "--survey", "copenhagen", WAVES[0], db=self.db, check=2)
        self.assertIn("already imported", p.stderr)
        self.assertIn("--replace", p.stderr)
        self.assertEqual(before, store_fingerprint(self.db))
        run("import", "--survey", "copenhagen", "--replace", WAVES[0], db=self.db, check=0)
        show = run("survey", "show", "copenhagen", db=self.db, check=0).stdout
        self.assertEqual(len(re.findall(r"^\s+2011\s", show, re.M)), 1, show)

    def test_check_validates_without_importing(self):
        before = store_fingerprint(self.db)
        p = run("import", "--check", "--survey", "copenhagen", WAVES[1], db=self.db, check=0)
        self.assertIn("valid", p.stdout)
        self.assertEqual(before, store_fingerprint(self.db))

    def test_several_files_are_all_or_nothing(self):
        with tempfile.TemporaryDirectory() as d:
            bad = os.path.join(d, "bad.csv")
            with open(WAVES[1], "rb") as f:
                data = f.read()
            with open(bad, "wb") as f:
                f.write(data.replace(b"\r\n", b"\r\n\"unclosed", 1))
            before = store_fingerprint(self.db)
            run("import", "--survey", "copenhagen", WAVES[0], bad, db=self.db, check=2)
            self.assertEqual(before, store_fingerprint(self.db))

    def test_errors_of_several_files_are_each_files_own_in_order(self):
        # Later files are validated by other threads while one is written
        # (ingest_files.c): the errors must still be exactly those of checking each file
        # alone (one file: no threads), file after file in the order given.
        with tempfile.TemporaryDirectory() as d:
            bad = []
            for k, (src, rows) in enumerate([(WAVES[0], (3, 7)), (WAVES[1], (2,)),
                                             (WAVES[3], (5, 6, 9))]):
                with open(src, "rb") as f:
                    lines = f.read().split(b"\r\n")
                for r in rows:
                    cells = lines[r].split(b";")
                    cells[-1] = b"77"  # no item's code
                    lines[r] = b";".join(cells)
                path = os.path.join(d, "bad%d.csv" % k)
                with open(path, "wb") as f:
                    f.write(b"\r\n".join(lines))
                bad.append(path)
            order = [bad[0], WAVES[2], bad[1], WAVES[1], bad[2]]
            want = []
            for path in order:
                p = run("import", "--check", "--survey", "copenhagen", path, db=self.db)
                want += p.stderr.splitlines()[:-1]  # less "nothing imported: ..."
            self.assertEqual(len(want), 7, want)  # 6 errors and bad2.csv's digest line
            before = store_fingerprint(self.db)
            p = run("import", "--survey", "copenhagen", *order, db=self.db, check=2)
            got = p.stderr.splitlines()
            self.assertEqual(got[:-1], want)
            self.assertEqual(got[-1], "helby: nothing imported: 6 errors in 5 files")
            self.assertEqual(before, store_fingerprint(self.db))
            # --sequential (no threads: the least memory) says exactly the same
            q = run("import", "--sequential", "--survey", "copenhagen", *order, db=self.db,
                    check=2)
            self.assertEqual((q.stdout, q.stderr), (p.stdout, p.stderr))
            self.assertEqual(before, store_fingerprint(self.db))
        p = run("import", "--survey", "copenhagen", WAVES[3], WAVES[1], WAVES[0], WAVES[2],
                db=self.db, check=0)
        waves = [int(w) for w in re.findall(r"as wave (\d+) of copenhagen", p.stdout)]
        self.assertEqual(waves, [2014, 2012, 2011, 2013])
        # the same files one at a time store the same bits and say the same
        seq = os.path.join(os.path.dirname(self.db), "seq.db")
        run("init", db=seq, check=0)
        run("survey", "add", SURVEY, db=seq, check=0)
        q = run("import", "--sequential", "--survey", "copenhagen", WAVES[3], WAVES[1],
                WAVES[0], WAVES[2], db=seq, check=0)
        self.assertEqual(q.stdout, p.stdout)
        con = [sqlite3.connect(x) for x in (self.db, seq)]
        sql = ("SELECT w.wave, c.variable, c.kind, c.data FROM wave_column c JOIN wave w "
               "ON w.id = c.wave_id ORDER BY w.wave, c.variable")
        blobs = [c.execute(sql).fetchall() for c in con]
        for c in con:
            c.close()
        self.assertTrue(blobs[0])
        self.assertEqual(blobs[0], blobs[1])

    def test_unknown_survey_is_named(self):
        p = run("import", "--survey", "aarhus", WAVES[0], db=self.db, check=2)
        self.assertIn("no survey 'aarhus'", p.stderr)

    def test_missing_file_is_named(self):
        p = run("import", "--survey", "copenhagen", "/nonexistent/x.csv", db=self.db, check=2)
        self.assertIn("/nonexistent/x.csv", p.stderr)


class Survey(StoreCase):
    def test_show_prints_indices_and_reversed_items(self):
        p = run("survey", "show", "copenhagen", db=self.db, check=0)
        self.assertIn("index inclusion", p.stdout)
        self.assertIn("(reversed)", p.stdout)

    def test_adding_the_same_definition_again_changes_nothing(self):
        before = store_fingerprint(self.db)
        p = run("survey", "add", SURVEY, db=self.db, check=0)
        self.assertIn("unchanged", p.stdout)
        self.assertEqual(before, store_fingerprint(self.db))

    def test_a_changed_definition_needs_update(self):
        with tempfile.TemporaryDirectory() as d:
            import shutil
            copy = os.path.join(d, "copenhagen")
            shutil.copytree(SURVEY, copy, ignore=shutil.ignore_patterns("example"))
            with open(os.path.join(copy, "survey.ini"), "a", encoding="utf-8") as f:
                f.write("\n; a comment changes the hash\n")
            p = run("survey", "add", copy, db=self.db, check=2)
            self.assertIn("--update", p.stderr)
            run("survey", "add", "--update", copy, db=self.db, check=0)

    def test_check_prints_the_definition_hash(self):
        p = run("survey", "check", SURVEY, check=0)
        self.assertRegex(p.stdout, r"[0-9a-f]{64}")


if __name__ == "__main__":
    main()
