"""Shared helpers for the CLI tests: run the real helby binary on temporary stores."""
import hashlib
import os
import shlex
import sqlite3
import subprocess
import sys
import tempfile
import unittest

HELBY = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.environ.get("HELBY", "helby")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SURVEY = os.path.join(ROOT, "surveys", "copenhagen")
EXAMPLE = os.path.join(SURVEY, "example")
WAVES = [os.path.join(EXAMPLE, "wave_%d.csv" % w) for w in (2011, 2012, 2013, 2014)]


# HELBY_TEST_WRAPPER runs helby under another program, e.g. valgrind (.ci/run):
#   HELBY_TEST_WRAPPER="valgrind --error-exitcode=99 --leak-check=full
#                       --errors-for-leak-kinds=definite,indirect"
# Exit status 99 is then the wrapper's: a memory error or leak fails the test whatever the
# test expected.
WRAPPER = shlex.split(os.environ.get("HELBY_TEST_WRAPPER", ""))
WRAPPER_EXIT = 99


def run(*args, db=None, check=None):
    cmd = WRAPPER + [HELBY] + (["--db", db] if db else []) + list(args)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300 * (10 if WRAPPER else 1))
    if WRAPPER and p.returncode == WRAPPER_EXIT:
        raise AssertionError("%s: %s reported errors\nstderr:\n%s"
                             % (" ".join(cmd), WRAPPER[0], p.stderr))
    if check is not None and p.returncode != check:
        raise AssertionError("%s exited %d, expected %d\nstdout:\n%s\nstderr:\n%s"
                             % (" ".join(cmd), p.returncode, check, p.stdout, p.stderr))
    return p


def survey_with_fpc(tmpdir):
    """A copy of the example survey, id copenhagen_fpc, that declares its fpc column as the
    design's fpc (the example itself does not: its sample has two stages), for the tests of
    fpc checks. Returns the directory."""
    import shutil
    d = os.path.join(tmpdir, "copenhagen_fpc")
    shutil.copytree(SURVEY, d, ignore=shutil.ignore_patterns("example"))
    ini = os.path.join(d, "survey.ini")
    with open(ini, encoding="utf-8") as f:
        text = f.read()
    text = text.replace("id = copenhagen\n", "id = copenhagen_fpc\n")
    text = text.replace("weight = weight\n", "weight = weight\nfpc = fpc\n", 1)
    with open(ini, "w", encoding="utf-8") as f:
        f.write(text)
    cb = os.path.join(d, "codebook.csv")
    with open(cb, encoding="utf-8") as f:
        text = f.read()
    text = text.replace(";Clusters in stratum;covariate;", ";Clusters in stratum;fpc;")
    with open(cb, "w", encoding="utf-8") as f:
        f.write(text)
    return d


def store_fingerprint(db):
    """SHA-256 of a logical dump of the store: equal means nothing changed."""
    con = sqlite3.connect(db)
    h = hashlib.sha256()
    for line in con.iterdump():
        h.update(line.encode("utf-8", "surrogatepass"))
    con.close()
    return h.hexdigest()


class StoreCase(unittest.TestCase):
    """A fresh store with the example survey added, per test."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="helby-cli-")
        self.db = os.path.join(self.tmp.name, "test.db")
        run("init", db=self.db, check=0)
        run("survey", "add", SURVEY, db=self.db, check=0)

    def tearDown(self):
        self.tmp.cleanup()


SKIP = 77  # meson's exit status for a skipped test


def main():
    """Run the file's tests. A skipped case (skipTest, skipUnless) makes the whole file exit
    77, which meson counts as a skip, instead of a pass that hides it; a failure still exits
    1. The last stdout line counts the cases for scripts/test's closing line:
    "unittest: N passed, N failed, N skipped"."""
    prog = unittest.main(argv=[sys.argv[0]], verbosity=2, exit=False)
    r = prog.result
    failed = len(r.failures) + len(r.errors) + len(r.unexpectedSuccesses)
    skipped = len(r.skipped)
    for case, why in r.skipped:
        print("skipped: %s: %s" % (case.id(), why))
    print("unittest: %d passed, %d failed, %d skipped"
          % (max(r.testsRun - failed - skipped, 0), failed, skipped))
    sys.stdout.flush()
    if failed or not r.wasSuccessful():
        sys.exit(1)
    sys.exit(SKIP if skipped else 0)
