"""The store's file and the files helby writes beside it (issue 27, Low):

- a store in a directory helby may not write is read (SQLite mode=ro / immutable=1), and a
  write command there names the cause; a store whose -wal file cannot be read that way
  names it too;
- read-only commands leave no -wal or -shm file behind;
- a 0-byte file given to --db is refused, not made a store; a store readable by others is
  warned about;
- report and xlsx outputs are written to a temporary file beside the target and renamed
  (no partial file, nothing left behind on failure); `report -o` onto the store is refused.

A directory "helby may not write" needs a user other than root: run as root, the test drops
to nobody with setpriv for those commands (as any other user it uses chmod alone)."""
import glob
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import HELBY, SURVEY, WAVES, main, run, store_fingerprint  # noqa: E402

NOBODY = 65534
LIMIT = 40960


def as_other(*args, db):
    """helby as a user who may not write db's directory (nobody when we are root)."""
    cmd = [HELBY, "--db", db] + list(args)
    if os.geteuid() == 0:
        cmd = ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY, "--clear-groups"] + cmd
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


def side_files(db):
    return sorted(os.path.basename(p) for p in glob.glob(db + "-*"))


class StoreFiles(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="helby-store-")
        os.chmod(cls.tmp.name, 0o755)  # the other user passes through it
        cls.db = os.path.join(cls.tmp.name, "s.db")
        run("init", db=cls.db, check=0)
        run("survey", "add", SURVEY, db=cls.db, check=0)
        run("import", "--survey", "copenhagen", *WAVES, db=cls.db, check=0)
        run("compute", "--survey", "copenhagen", db=cls.db, check=0)

    @classmethod
    def tearDownClass(cls):
        for d, _, _ in os.walk(cls.tmp.name):
            os.chmod(d, 0o755)
        cls.tmp.cleanup()

    READS = [["runs", "list"], ["estimate", "--survey", "copenhagen", "--index", "inclusion"],
             ["report", "--run", "1", "--format", "csv"]]

    def test_read_only_commands_leave_no_wal_or_shm_file(self):
        self.assertEqual(side_files(self.db), [])
        for args in self.READS:
            p = run(*args, db=self.db)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(side_files(self.db), [], args)

    def read_only_dir(self, name):
        d = os.path.join(self.tmp.name, name)
        os.mkdir(d)
        db = os.path.join(d, "s.db")
        shutil.copy(self.db, db)
        if os.geteuid() == 0:
            os.chown(d, NOBODY, NOBODY)
            os.chown(db, NOBODY, NOBODY)
        return d, db

    def test_a_store_in_a_read_only_directory_is_read_and_a_write_names_the_cause(self):
        d, db = self.read_only_dir("ro")
        before = store_fingerprint(db)
        os.chmod(d, 0o555)
        try:
            for args in self.READS:
                p = as_other(*args, db=db)
                self.assertEqual(p.returncode, 0, "%s: %s" % (args, p.stderr))
                self.assertTrue(p.stdout)
            self.assertEqual(side_files(db), [])
            p = as_other("compute", "--survey", "copenhagen", db=db)
            self.assertEqual(p.returncode, 3, p.stderr)
            self.assertIn("cannot write store %s" % db, p.stderr)
            self.assertIn("may not write the file or its directory", p.stderr)
        finally:
            os.chmod(d, 0o755)
        self.assertEqual(store_fingerprint(db), before)

    def test_a_wal_file_that_cannot_be_read_read_only_is_named(self):
        d, db = self.read_only_dir("ro-wal")
        with open(db + "-wal", "wb"):
            pass
        if os.geteuid() == 0:
            os.chown(db + "-wal", NOBODY, NOBODY)
        os.chmod(d, 0o555)
        try:
            p = as_other("runs", "list", db=db)
        finally:
            os.chmod(d, 0o755)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("cannot read store %s" % db, p.stderr)
        self.assertIn("-wal file", p.stderr)

    def test_an_empty_file_is_not_made_a_store(self):
        empty = os.path.join(self.tmp.name, "empty.db")
        open(empty, "wb").close()
        for args in (["survey", "list"], ["survey", "add", SURVEY], ["runs", "list"]):
            p = run(*args, db=empty)
            self.assertEqual(p.returncode, 3, p.stderr)
            self.assertIn("empty.db is an empty file (0 bytes), not a helby store", p.stderr)
            self.assertEqual(os.path.getsize(empty), 0)
        p = run("init", db=empty)
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual(os.path.getsize(empty), 0)

    def test_a_store_readable_by_others_is_warned_about(self):
        db = os.path.join(self.tmp.name, "open.db")
        shutil.copy(self.db, db)
        os.chmod(db, 0o644)
        p = run("runs", "list", db=db, check=0)
        self.assertIn("warning: store %s is readable by others (mode 0644)" % db, p.stderr)
        os.chmod(db, 0o600)
        p = run("runs", "list", db=db, check=0)
        self.assertNotIn("readable by others", p.stderr)
        self.assertEqual(stat.S_IMODE(os.stat(self.db).st_mode), 0o600)

    def test_report_and_export_onto_the_store_are_refused(self):
        db = os.path.join(self.tmp.name, "own.db")
        shutil.copy(self.db, db)
        link = os.path.join(self.tmp.name, "link.db")
        os.symlink(db, link)
        before = store_fingerprint(db)
        for out in (db, link, os.path.join(self.tmp.name, ".", "own.db")):
            for args in (["report", "--run", "1", "--format", "html", "-o", out],
                         ["report", "--run", "1", "--format", "xlsx", "-o", out],
                         ["export", "--survey", "copenhagen", "-o", out + ".csv"],
                         ["export", "--survey", "copenhagen", "--format", "csv", "-o", out]):
                p = run(*args, db=db)
                if args[-1].endswith(".csv"):
                    self.assertEqual(p.returncode, 0, p.stderr)  # another file: written
                    os.unlink(args[-1])
                    for extra in glob.glob(args[-1] + ".design.txt"):
                        os.unlink(extra)
                    continue
                self.assertEqual(p.returncode, 1, "%s: %s" % (args, p.stderr))
                self.assertIn("is the store itself", p.stderr)
        self.assertEqual(store_fingerprint(db), before)

    def test_a_report_killed_while_written_leaves_the_older_file_whole(self):
        """RLIMIT_FSIZE kills helby (SIGXFSZ) once it has written 40 KiB of its output (SQLite
        needs 32 KiB for the -shm file): the
        file that was there stays as it was, not cut at 40 KiB."""
        import resource

        def small_files():
            resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))

        for fmt in ("html", "xlsx", "csv"):
            out = os.path.join(self.tmp.name, "old." + fmt)
            with open(out, "wb") as f:
                f.write(b"the older report")
            p = subprocess.run([HELBY, "--db", self.db, "report", "--run", "1", "--format", fmt,
                                "-o", out], capture_output=True, preexec_fn=small_files,
                               timeout=300)
            self.assertNotEqual(p.returncode, 0, fmt)
            with open(out, "rb") as f:
                self.assertEqual(f.read(), b"the older report", fmt)
            for left in glob.glob(out + ".*"):  # a killed process cannot clean up
                os.unlink(left)
            p = run("report", "--run", "1", "--format", fmt, "-o", out, db=self.db, check=0)
            self.assertGreater(os.path.getsize(out), LIMIT)
            self.assertEqual(glob.glob(out + ".*"), [], "a temporary file left behind")
            self.assertEqual(stat.S_IMODE(os.stat(out).st_mode), 0o666 & ~self.umask())

    @staticmethod
    def umask():
        u = os.umask(0)
        os.umask(u)
        return u


if __name__ == "__main__":
    main()
