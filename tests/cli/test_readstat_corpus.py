"""Import is all or nothing for SPSS, Stata and SAS files too: every file of the corrupt
corpus that scripts/make-readstat-corpus makes from tests/data/readstat/ (truncations at many
offsets, header row counts that disagree with the data, .dta files cut inside their value
labels) is refused with exit status 2 and the file named, and the store's logical dump
(its SHA-256) is unchanged; the only files accepted are those the format cannot tell from a
valid file (a transport file cut at a record boundary that is also a row boundary; in this corpus only
the one cut right after the header, 0 rows, which is refused as empty). A file imported as
if whole (identical to the good file's import: a .dta cut inside its labels, the labels'
check skipped) is a failure too. The counts are printed (cases, refused,
identical-to-good, valid-shorter, failures).

Under HELBY_TEST_WRAPPER (valgrind) every 15th case runs."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import ROOT, SURVEY, WRAPPER, main, run, store_fingerprint  # noqa: E402

DATA = os.path.join(ROOT, "tests", "data", "readstat")
SCRIPT = os.path.join(ROOT, "scripts", "make-readstat-corpus")


def stored_rows(db):
    import sqlite3
    con = sqlite3.connect(db)
    rows = con.execute("SELECT w.wave, c.variable, c.n, c.data FROM wave_column c JOIN wave w "
                       "ON w.id = c.wave_id ORDER BY w.wave, c.position").fetchall()
    con.close()
    return rows


class Corpus(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="helby-corpus-")
        self.dir = os.path.join(self.tmp.name, "corpus")
        subprocess.run([sys.executable, SCRIPT, DATA, self.dir], check=True,
                       capture_output=True)
        self.base = os.path.join(self.tmp.name, "base.db")
        run("init", db=self.base, check=0)
        run("survey", "add", SURVEY, db=self.base, check=0)

    def tearDown(self):
        self.tmp.cleanup()

    def fresh(self, name):
        db = os.path.join(self.tmp.name, name)
        shutil.copy(self.base, db)
        return db

    def good_rows(self, ext):
        db = self.fresh("good-%s.db" % ext)
        run("import", "--survey", "copenhagen", os.path.join(DATA, "wave_2011_head." + ext),
            db=db, check=0)
        return stored_rows(db)

    def test_every_corrupt_file_is_refused_whole_and_the_store_is_unchanged(self):
        with open(os.path.join(self.dir, "manifest.tsv")) as f:
            cases = [line.rstrip("\n").split("\t") for line in f]
        if WRAPPER:
            cases = cases[::15]
        good = {}
        db = self.fresh("store.db")
        before = store_fingerprint(db)
        counts = {"cases": 0, "refused": 0, "identical-to-good": 0, "valid-shorter": 0,
                  "failures": 0}
        failures = []
        for name, source, kind, expect in cases:
            counts["cases"] += 1
            path = os.path.join(self.dir, name)
            p = run("import", "--survey", "copenhagen", path, db=db)
            changed = store_fingerprint(db) != before
            if p.returncode == 2 and path in p.stderr and not changed:
                counts["refused"] += 1
                continue
            ext = name.rsplit(".", 1)[1]
            if p.returncode == 0:
                if ext not in good:
                    good[ext] = self.good_rows(ext)
                got = stored_rows(db)
                if expect.startswith("valid:"):
                    counts["valid-shorter"] += 1
                    rows = int(expect[6:])
                    if rows:  # the first rows of the good file, no more
                        failures.append("%s: a valid shorter file; not checked" % name)
                elif got == good[ext]:  # a file that is not whole is refused, even so
                    counts["identical-to-good"] += 1
                    failures.append("%s (%s, from %s): imported as if whole" % (name, kind,
                                                                                source))
                else:
                    failures.append("%s (%s): imported, different from the good file"
                                    % (name, kind))
                os.unlink(db)
                db = self.fresh("store.db")
                continue
            failures.append("%s (%s): exit %d, named %s, store %s\n%s"
                            % (name, kind, p.returncode, path in p.stderr,
                               "changed" if changed else "unchanged", p.stderr.strip()))
        counts["failures"] = len(failures)
        print("readstat corpus: " + ", ".join("%s %d" % kv for kv in counts.items()),
              file=sys.stderr)
        self.assertEqual(failures, [], "\n".join(failures[:20]))
        self.assertGreater(counts["refused"], 0)


if __name__ == "__main__":
    main()
