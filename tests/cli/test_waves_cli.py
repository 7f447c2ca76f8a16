"""Issue 24: waves as the survey team meets them over a year (a file without its wave
column, a wave imported by mistake, computing on chosen waves, a weight set made by mistake). Each test reproduced its
problem on the code before the fix."""
import csv
import os
import sqlite3
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import WAVES, StoreCase, main, run, store_fingerprint  # noqa: E402


def write_without(src, dst, column):
    """Copy a ';' response file without one of its columns."""
    with open(src, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    i = rows[0].index(column)
    with open(dst, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=";", lineterminator="\n")
        for r in rows:
            w.writerow(r[:i] + r[i + 1:])


class WaveGivenOnTheCommandLine(StoreCase):
    def test_import_wave_then_compute_and_export(self):
        # Item 1: `import --wave W` of a file without the wave column succeeded, and then
        # compute and export failed with "wave 2011 of copenhagen has no variable wave".
        path = os.path.join(self.tmp.name, "nowave.csv")
        write_without(WAVES[0], path, "wave")
        p = run("import", "--survey", "copenhagen", "--wave", "2011", path, db=self.db, check=0)
        self.assertIn("column 'wave' added: 2011 in every row", p.stdout)
        run("compute", "--survey", "copenhagen", db=self.db, check=0)
        out = os.path.join(self.tmp.name, "x.csv")
        run("export", "--survey", "copenhagen", "-o", out, db=self.db, check=0)
        with open(out, encoding="utf-8") as f:
            text = f.read()
        sep = ";" if text.split("\n", 1)[0].count(";") else ","
        rows = list(csv.DictReader(text.splitlines(), delimiter=sep))
        self.assertEqual({r["wave"] for r in rows}, {"2011"})
        self.assertGreater(len(rows), 2000)


def rows_of(db, run_id):
    import sqlite3
    con = sqlite3.connect(db)
    out = {(m, d): (e, se) for m, d, e, se in con.execute(
        "SELECT measure, domain, estimate, se FROM run_estimate WHERE run_id = ?", (run_id,))}
    con.close()
    return out


class WavesAsManagedObjects(StoreCase):
    def test_import_refuses_a_wave_outside_waves_with_the_fix(self):
        # Item 2: `--wave 2105` (a typo of 2015... or 2011) was accepted: the respondents of
        # a file without a wave column were stored twice under two waves.
        path = os.path.join(self.tmp.name, "nowave.csv")
        write_without(WAVES[0], path, "wave")
        p = run("import", "--survey", "copenhagen", "--wave", "2105", path, db=self.db, check=2)
        self.assertIn("wave 2105 is not one of the survey's waves (2011, 2012, 2013, 2014)",
                      p.stderr)
        self.assertIn("Add it to 'waves =' in survey.ini", p.stderr)
        p = run("wave", "list", "--survey", "copenhagen", "--format", "csv", db=self.db, check=0)
        self.assertEqual(p.stdout.strip().splitlines()[1:], [])

    def test_drop_refuses_while_runs_use_the_wave_then_forced_names_them(self):
        run("import", "--survey", "copenhagen", WAVES[0], WAVES[1], db=self.db, check=0)
        run("compute", "--survey", "copenhagen", db=self.db, check=0)
        path = os.path.join(self.tmp.name, "nowave.csv")
        write_without(WAVES[0], path, "wave")
        # the same respondents imported again as a wrong (but declared) wave
        run("import", "--survey", "copenhagen", "--wave", "2013", path, db=self.db, check=0)
        run("weight", "create", "--survey", "copenhagen", "--name", "raked", "--method", "rake",
            "--margins", "district,origin", db=self.db, check=0)
        run("compute", "--survey", "copenhagen", db=self.db, check=0)  # run 2 uses 2013
        p = run("wave", "list", "--survey", "copenhagen", "--format", "csv", db=self.db, check=0)
        listed = list(csv.DictReader(p.stdout.splitlines(), delimiter=";"))
        self.assertEqual([(r["wave"], r["runs"]) for r in listed],
                         [("2011", "1 2"), ("2012", "1 2"), ("2013", "2")])
        before = store_fingerprint(self.db)
        p = run("wave", "drop", "--survey", "copenhagen", "2013", db=self.db, check=2)
        self.assertIn("wave 2013 of copenhagen is used by run 2", p.stderr)
        self.assertIn("--force", p.stderr)
        self.assertEqual(store_fingerprint(self.db), before)  # nothing dropped
        p = run("wave", "drop", "--survey", "copenhagen", "2013", "--force", db=self.db,
                check=0)
        self.assertIn("dropped wave 2013 of copenhagen: 2975 respondents", p.stdout)
        self.assertIn("1 weight set", p.stdout)
        self.assertIn("can no longer be rerun (their estimates stay): 2", p.stdout)
        p = run("wave", "list", "--survey", "copenhagen", "--format", "csv", db=self.db, check=0)
        self.assertEqual([l.split(";")[0] for l in p.stdout.strip().splitlines()[1:]],
                         ["2011", "2012"])
        p = run("compute", "--rerun", "2", db=self.db, check=2)
        self.assertIn("wave 2013 is in run but not in now", p.stdout)
        run("compute", "--rerun", "1", db=self.db, check=0)  # untouched by the drop
        run("wave", "drop", "--survey", "copenhagen", "2013", db=self.db, check=2)

    def test_a_dropped_file_may_be_imported_again(self):
        path = os.path.join(self.tmp.name, "nowave.csv")
        write_without(WAVES[0], path, "wave")
        run("import", "--survey", "copenhagen", "--wave", "2012", path, db=self.db, check=0)
        run("wave", "drop", "--survey", "copenhagen", "2012", db=self.db, check=0)
        run("import", "--survey", "copenhagen", "--wave", "2011", path, db=self.db, check=0)

    def test_compute_waves_computes_those_waves_and_the_rerun_keeps_them(self):
        # Item 2: compute had no --waves, so a stray wave entered every later run.
        run("import", "--survey", "copenhagen", *WAVES[:3], db=self.db, check=0)
        run("compute", "--survey", "copenhagen", db=self.db, check=0)
        p = run("compute", "--survey", "copenhagen", "--waves", "2013,2011", db=self.db, check=0)
        self.assertIn("waves=2011|2013", p.stdout)
        self.assertNotIn("2012=", p.stdout.split("inputs", 1)[1].split("\n")[0])
        full, some = rows_of(self.db, 1), rows_of(self.db, 2)
        waves = {d for (_m, d) in some}
        self.assertFalse([d for d in waves if "wave=2012" in d])
        # each wave has its own design: wave 2011's estimates are the full run's, bit for bit
        keys = [k for k in some if k[1] == "group=1,wave=2011"]
        self.assertGreater(len(keys), 5)
        for k in keys:
            self.assertEqual(some[k], full[k], k)
        run("import", "--survey", "copenhagen", WAVES[3], db=self.db, check=0)
        p = run("compute", "--rerun", "2", db=self.db, check=0)
        self.assertIn("reproduced bit for bit", p.stdout)
        p = run("compute", "--survey", "copenhagen", "--waves", "2011,2015", db=self.db, check=2)
        self.assertIn("has no wave 2015", p.stderr)

    def test_compare_reliability_and_estimate_take_waves(self):
        # What to build: --waves on every computing command (a stray wave kept out).
        run("import", "--survey", "copenhagen", *WAVES[:3], db=self.db, check=0)
        n = {}
        for w in WAVES[:3]:
            with open(w, encoding="utf-8-sig") as f:
                n[os.path.basename(w)[5:9]] = sum(1 for _ in f) - 1
        p = run("compare", "--survey", "copenhagen", "-m", "inclusion", "--waves", "2011,2013",
                "--format", "csv", db=self.db, check=0)
        waves = {r["wave"] for r in csv.DictReader(p.stdout.splitlines(), delimiter=";")}
        self.assertEqual(waves, {"2011", "2013"})
        p = run("estimate", "--survey", "copenhagen", "--index", "inclusion", "--by", "wave",
                "--waves", "2012", "--format", "csv", db=self.db, check=0)
        self.assertEqual([r["wave"] for r in csv.DictReader(p.stdout.splitlines(),
                                                            delimiter=";")], ["2012"])
        alpha = {}
        for waves in ("2012", "2011,2013"):
            p = run("reliability", "--survey", "copenhagen", "--waves", waves, "--format", "csv",
                    db=self.db, check=0)
            rows = list(csv.DictReader(p.stdout.splitlines(), delimiter=";"))
            alpha[waves] = int(rows[0]["n"])
        # complete cases of a dimension's items: at most the waves' respondents, most of them
        self.assertLessEqual(alpha["2012"], n["2012"])
        self.assertGreater(alpha["2012"], n["2012"] * 0.7)
        self.assertLessEqual(alpha["2011,2013"], n["2011"] + n["2013"])
        self.assertGreater(alpha["2011,2013"], n["2012"] * 1.4)

    def test_sensitivity_takes_waves(self):
        run("import", "--survey", "copenhagen", *WAVES, db=self.db, check=0)
        p = run("sensitivity", "--survey", "copenhagen", "--waves", "2011", "-n", "4",
                db=self.db)
        self.assertEqual(p.returncode, 2, p.stderr)  # one wave: no goal to judge (bad input)
        run("sensitivity", "--survey", "copenhagen", "--waves", "2011,2014", "-n", "4",
            "--format", "csv", db=self.db, check=0)


class RunsDropped(StoreCase):
    """A run made by mistake (issue 24 item 2): `runs drop N` deletes its estimates, keeps its
    number from being given again, and then a wave only it used drops without --force."""

    def test_a_run_made_by_mistake_is_dropped_and_its_number_not_reused(self):
        run("import", "--survey", "copenhagen", WAVES[0], WAVES[1], db=self.db, check=0)
        run("compute", "--survey", "copenhagen", db=self.db, check=0)                  # run 1
        run("compute", "--survey", "copenhagen", db=self.db, check=0)                  # run 2
        p = run("runs", "drop", "2", db=self.db, check=0)
        self.assertIn("dropped run 2", p.stdout)
        # the newest run dropped: the next is run 3, not 2 again
        p = run("compute", "--survey", "copenhagen", db=self.db, check=0)
        self.assertTrue(p.stdout.startswith("run 3:"), p.stdout)
        p = run("runs", "list", "--format", "csv", db=self.db, check=0)
        ids = [r["run"] for r in csv.DictReader(p.stdout.splitlines(), delimiter=";")]
        self.assertEqual(ids, ["1", "3"])
        for cmd in (("report", "--run", "2"), ("runs", "show", "2"), ("compute", "--rerun", "2"),
                    ("runs", "drop", "2")):
            p = run(*cmd, db=self.db, check=2)
            self.assertIn("run 2 was dropped", p.stderr, cmd)
        p = run("runs", "drop", "9", db=self.db, check=2)
        self.assertIn("no run 9 in the store", p.stderr)
        run("runs", "drop", db=self.db, check=1)
        run("runs", "drop", "x", db=self.db, check=1)
        con = sqlite3.connect(self.db)
        left = con.execute("SELECT count(*) FROM run_estimate WHERE run_id = 2").fetchone()[0]
        con.close()
        self.assertEqual(left, 0)
        # with the runs that used it dropped, a wave drops without --force
        run("runs", "drop", "1", db=self.db, check=0)
        run("runs", "drop", "3", db=self.db, check=0)
        p = run("wave", "drop", "--survey", "copenhagen", "2012", db=self.db, check=0)
        self.assertIn("dropped wave 2012", p.stdout)


class WeightSetsDropped(StoreCase):
    def test_a_weight_set_made_by_mistake_is_dropped_refused_while_runs_use_it(self):
        # Item 2: no command removed a weight set; only `--replace` remade one, keeping every
        # version. Now `weight drop` removes it and its versions, as `wave drop` a wave.
        run("import", "--survey", "copenhagen", *WAVES[:2], db=self.db, check=0)
        run("weight", "create", "--survey", "copenhagen", "--name", "raked", db=self.db, check=0)
        run("weight", "create", "--survey", "copenhagen", "--name", "raked", "--replace",
            "--margins", "district", db=self.db, check=0)
        run("weight", "create", "--survey", "copenhagen", "--name", "oops", "--method",
            "poststratify", "--margins", "district", db=self.db, check=0)
        run("compute", "--survey", "copenhagen", "--weights", "raked", db=self.db, check=0)
        p = run("weight", "drop", "--survey", "copenhagen", "--name", "oops", db=self.db, check=0)
        self.assertIn("dropped weight set 'oops' of copenhagen: 2 waves, 0 replaced versions",
                      p.stdout)
        p = run("weight", "drop", "--survey", "copenhagen", "--name", "oops", db=self.db, check=2)
        self.assertIn("survey copenhagen has no weight set 'oops'", p.stderr)
        before = store_fingerprint(self.db)
        p = run("weight", "drop", "--survey", "copenhagen", "--name", "raked", db=self.db,
                check=2)
        self.assertIn("weight set 'raked' of copenhagen is used by run 1", p.stderr)
        self.assertIn("--force", p.stderr)
        self.assertEqual(store_fingerprint(self.db), before)  # nothing dropped
        run("compute", "--rerun", "1", db=self.db, check=0)
        p = run("weight", "drop", "--survey", "copenhagen", "--name", "raked", "--force",
                db=self.db, check=0)
        self.assertIn("2 waves, 2 replaced versions", p.stdout)
        self.assertIn("can no longer be rerun (their estimates stay): 1", p.stdout)
        import sqlite3
        con = sqlite3.connect(self.db)
        try:
            left = [con.execute("SELECT count(*) FROM %s" % t).fetchone()[0]
                    for t in ("weight_set", "weight_set_version")]
            estimates = con.execute("SELECT count(*) FROM run_estimate").fetchone()[0]
        finally:
            con.close()
        self.assertEqual(left, [0, 0])
        self.assertGreater(estimates, 0)  # the run's estimates stay
        p = run("weight", "list", "--survey", "copenhagen", db=self.db, check=0)
        self.assertIn("no weight sets", p.stdout)
        run("compute", "--rerun", "1", db=self.db, check=2)
        p = run("weight", "drop", "--survey", "nosuch", "--name", "x", db=self.db, check=2)
        self.assertIn("no survey 'nosuch'", p.stderr)
        p = run("weight", "drop", "--survey", "copenhagen", db=self.db, check=1)
        self.assertIn("drop needs --survey and --name", p.stderr)


if __name__ == "__main__":
    main()
