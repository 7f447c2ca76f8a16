"""Write failures are errors: a full disk (a 256 KB tmpfs mounted by the test when run as
root, and a file-size limit, RLIMIT_FSIZE, that needs no root) makes `export` exit 3 naming
the file, without its microdata note, without a partial file and without harming an older
export at the same path; output on a full standard output (/dev/full) makes the command
exit 3 with a message."""
import contextlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import HELBY, SURVEY, WAVES, WRAPPER, main, run  # noqa: E402

FSIZE = 100 * 1024


def limit_file_size():
    """In the child: files may not grow past FSIZE bytes, and the signal that would kill the
    process is ignored (ignored stays ignored across exec), so write() fails with EFBIG."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (FSIZE, FSIZE))


@contextlib.contextmanager
def tiny_tmpfs(parent):
    d = tempfile.mkdtemp(dir=parent)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", d],
                   check=True, capture_output=True)
    try:
        yield d
    finally:
        if subprocess.run(["umount", d], capture_output=True).returncode:
            subprocess.run(["umount", "-l", d], capture_output=True)
        os.rmdir(d)


class WriteErrors(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="helby-full-")
        cls.db = os.path.join(cls.tmp.name, "s.db")
        run("init", db=cls.db, check=0)
        run("survey", "add", SURVEY, db=cls.db, check=0)
        run("import", "--survey", "copenhagen", WAVES[0], db=cls.db, check=0)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def export(self, out, limit=False):
        cmd = WRAPPER + [HELBY, "--db", self.db, "export", "--survey", "copenhagen", "-o", out]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=600,
                              preexec_fn=limit_file_size if limit else None)

    def refused(self, d, name, p):
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn(os.path.join(d, name), p.stderr)
        self.assertIn("writing the export failed", p.stderr)
        self.assertNotIn("note:", p.stderr)  # no microdata note for a file not written

    def test_export_onto_a_full_disk_exits_3_and_leaves_no_file(self):
        if os.geteuid() != 0:
            self.skipTest("mounting a tmpfs needs root (CI runs as root)")
        for ext in ("sav", "dta", "csv"):
            with self.subTest(ext=ext), tiny_tmpfs(self.tmp.name) as d:
                p = self.export(os.path.join(d, "x." + ext))
                self.refused(d, "x." + ext, p)
                self.assertIn("No space left on device", p.stderr)
                self.assertEqual(os.listdir(d), [], "a partial or temporary file is left")

    def test_export_past_a_file_size_limit_exits_3_and_keeps_the_older_file(self):
        d = os.path.join(self.tmp.name, "limited")
        os.makedirs(d, exist_ok=True)
        for ext in ("sav", "dta", "csv"):
            with self.subTest(ext=ext):
                out = os.path.join(d, "x." + ext)
                with open(out, "wb") as f:
                    f.write(b"an older export")
                p = self.export(out, limit=True)
                self.refused(d, "x." + ext, p)
                with open(out, "rb") as f:
                    self.assertEqual(f.read(), b"an older export")
                self.assertEqual(os.listdir(d), ["x." + ext])
                os.unlink(out)

    def test_export_that_fits_is_complete_and_0600(self):
        d = os.path.join(self.tmp.name, "fits")
        os.makedirs(d, exist_ok=True)
        out = os.path.join(d, "ok.sav")
        p = self.export(out)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(os.stat(out).st_mode & 0o777, 0o600)
        self.assertGreater(os.path.getsize(out), FSIZE)
        # beside it only its design calls (issue 24), no temporary file
        self.assertEqual(sorted(os.listdir(d)), ["ok.sav", "ok.sav.design.txt"])
        os.unlink(out)


class StdoutFull(unittest.TestCase):
    """Issue 27 item 8: 'helby estimate ... > result.csv' on a full disk exited 0 with a
    truncated file. Every command's standard output is checked at exit (fflush, ferror,
    fclose): /dev/full makes each exit 3 with a message, the store unchanged."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="helby-devfull-")
        cls.db = os.path.join(cls.tmp.name, "s.db")
        run("init", db=cls.db, check=0)
        run("survey", "add", SURVEY, db=cls.db, check=0)
        run("import", "--survey", "copenhagen", WAVES[0], WAVES[1], db=cls.db, check=0)
        run("compute", "--survey", "copenhagen", db=cls.db, check=0)
        run("weight", "create", "--survey", "copenhagen", "--name", "raked", db=cls.db, check=0)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def full(self, *args):
        with open("/dev/full", "w") as out:
            return subprocess.run(WRAPPER + [HELBY, "--db", self.db] + list(args), stdout=out,
                                  stderr=subprocess.PIPE, text=True, timeout=600)

    def test_every_kind_of_output_on_a_full_stdout_exits_3(self):
        cases = [
            ["--help"], ["--version"], ["estimate", "--help"],
            ["survey", "list"], ["survey", "show", "copenhagen"],
            ["wave", "list", "--survey", "copenhagen"],
            ["estimate", "--survey", "copenhagen", "--by", "group"],
            ["estimate", "--survey", "copenhagen", "--by", "group", "--format", "csv"],
            ["compare", "--survey", "copenhagen"],
            ["runs", "list"], ["runs", "show", "1"],
            ["report", "--run", "1"], ["report", "--run", "1", "--format", "csv"],
            ["report", "--run", "1", "--format", "json"],
            ["barometer", "--run", "1", "--format", "html"],
            ["weight", "export", "--survey", "copenhagen", "--name", "raked", "--stdout"],
            ["weight", "show", "--survey", "copenhagen", "--name", "raked", "--format", "csv"],
        ]
        for args in cases:
            with self.subTest(args=args):
                p = self.full(*args)
                self.assertEqual(p.returncode, 3, p.stderr)
                # report and weight export name their own write; the others say stdout
                self.assertRegex(p.stderr, r"^helby: writing (standard output|the export"
                                 r"|the report) failed")
                if args[0] not in ("report", "barometer"):
                    self.assertIn("No space left on device", p.stderr)
                self.assertEqual(len(p.stderr.splitlines()), 1, p.stderr)

    def test_an_error_exit_keeps_its_code(self):
        p = self.full("estimate", "--survey", "nosuch")
        self.assertEqual(p.returncode, 2, p.stderr)  # the unknown survey's, not the write's 3

    def test_a_command_that_writes_nothing_to_stdout_exits_0(self):
        out = os.path.join(self.tmp.name, "r.csv")
        p = self.full("-q", "report", "--run", "1", "--format", "csv", "-o", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr, "")
        self.assertGreater(os.path.getsize(out), 100)


if __name__ == "__main__":
    main()
