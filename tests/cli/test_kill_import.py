"""Killing helby with SIGKILL at any moment of an import leaves a store that opens and holds
all of the file or none of it (every import is one SQLite transaction: docs/import.md,
"Errors: all or nothing"; src/lib/store/store_write.c)."""
import configparser
import os
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import HELBY, SURVEY, WAVES, StoreCase, main, run  # noqa: E402

COPIES = int(os.environ.get("HELBY_KILL_COPIES", "60"))


def big_wave(path, copies):
    """The 2011 example wave repeated `copies` times with distinct respondent ids."""
    ini = configparser.ConfigParser(inline_comment_prefixes=(";", "#"))
    ini.read(os.path.join(SURVEY, "survey.ini"), encoding="utf-8")
    id_col = ini["survey"]["id_column"].strip()
    with open(WAVES[0], "rb") as f:
        data = f.read()
    bom = data.startswith(b"\xef\xbb\xbf")
    lines = data[3 if bom else 0:].split(b"\r\n")
    header, rows = lines[0], [r for r in lines[1:] if r]
    k = header.split(b";").index(id_col.encode())
    with open(path, "wb") as out:
        out.write(b"\xef\xbb\xbf" + header + b"\r\n")
        for c in range(copies):
            for r in rows:
                f = r.split(b";")
                f[k] = f[k] + b"-%d" % c
                out.write(b";".join(f) + b"\r\n")
    return len(rows) * copies


def wave_state(db):
    """(rows recorded for wave 2011 or None, rows in each stored column) after a kill."""
    con = sqlite3.connect(db)
    ok = con.execute("PRAGMA integrity_check").fetchone()[0]
    row = con.execute("SELECT id, n_rows FROM wave WHERE wave = 2011").fetchone()
    cols = []
    if row:
        cols = [n for (n,) in con.execute("SELECT n FROM wave_column WHERE wave_id = ?",
                                          (row[0],))]
    imports = con.execute("SELECT count(*) FROM import").fetchone()[0]
    con.close()
    return ok, (row[1] if row else None), cols, imports


class KillDuringImport(StoreCase):
    def test_sigkill_at_many_points_leaves_all_or_nothing(self):
        path = os.path.join(self.tmp.name, "big.csv")
        n = big_wave(path, COPIES)
        # How long does a whole import take here? Kill points spread over it.
        probe = os.path.join(self.tmp.name, "probe.db")
        run("init", db=probe, check=0)
        run("survey", "add", SURVEY, db=probe, check=0)
        t0 = time.monotonic()
        run("import", "--survey", "copenhagen", path, db=probe, check=0)
        full = time.monotonic() - t0
        outcomes = {"none": 0, "all": 0}
        for frac in (0.05, 0.2, 0.4, 0.6, 0.75, 0.85, 0.9, 0.95, 0.98, 1.0):
            db = os.path.join(self.tmp.name, "k%d.db" % int(frac * 100))
            run("init", db=db, check=0)
            run("survey", "add", SURVEY, db=db, check=0)
            p = subprocess.Popen([HELBY, "--db", db, "import", "--survey", "copenhagen", path],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(full * frac)
            p.send_signal(signal.SIGKILL)
            p.wait()
            # The store opens with helby and passes SQLite's integrity check.
            run("survey", "list", db=db, check=0)
            ok, rows, cols, imports = wave_state(db)
            self.assertEqual(ok, "ok")
            if rows is None:
                self.assertEqual(cols, [])
                self.assertEqual(imports, 0)
                outcomes["none"] += 1
            else:
                self.assertEqual(rows, n)
                self.assertTrue(cols and all(c == n for c in cols), cols)
                self.assertEqual(imports, 1)
                outcomes["all"] += 1
            # After a kill the same file imports (or is already there), never half.
            p2 = run("import", "--survey", "copenhagen", path, db=db)
            self.assertIn(p2.returncode, (0, 2), p2.stderr)
            self.assertEqual(wave_state(db)[1], n)
        print("kill outcomes over %d rows (full import %.2f s): %s" % (n, full, outcomes))
        self.assertGreater(outcomes["none"], 0)


if __name__ == "__main__":
    main()
