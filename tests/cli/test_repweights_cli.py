"""Producer replicate weights (issue 22): a survey whose codebook declares replicate weights
(role repweight) with survey.ini [replicates] as R svrepdesign, used by `--variance supplied`
in estimate and compute, against R (tests/golden/repweights_values.csv from
scripts/r-golden-repweights.R on tests/data/repweights/), and the definition's checks."""
import csv
import io
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import ROOT, SURVEY, main, run  # noqa: E402

DATA = os.path.join(ROOT, "tests", "data", "repweights")
FILES = [os.path.join(DATA, "wave_%d.csv" % w) for w in (2013, 2014)]
R = 20
SPECS = {  # as scripts/r-golden-repweights.R's specs
    "bootstrap": "type = bootstrap\n",
    "other": "type = other\nscale = 0.07\nrscales = %s\n" % ", ".join(["1", "0.5"] * (R // 2)),
    "jk1_mse": "type = JK1\nmse = 1\n",
}


def close(a, b, rel=1e-8):
    return abs(a - b) <= max(rel * abs(b), 1e-12)


def gold():
    with open(os.path.join(ROOT, "tests", "golden", "repweights_values.csv"),
              encoding="utf-8") as f:
        f.readline()
        return {(g["spec"], g["wave"], g["measure"], g["group"], g["quantity"]): float(g["value"])
                for g in csv.DictReader(f, delimiter=";")}


def make_survey(tmp, replicates, codebook_rows=R):
    """The example's definition as survey copenhagen_rep with codebook rows rw1..rwN (role
    repweight) and the [replicates] section given (None: none)."""
    d = os.path.join(tmp, "copenhagen_rep")
    shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(SURVEY, d, ignore=shutil.ignore_patterns("example"))
    ini = os.path.join(d, "survey.ini")
    with open(ini, encoding="utf-8") as f:
        text = f.read().replace("id = copenhagen\n", "id = copenhagen_rep\n")
    if replicates is not None:
        text += "\n[replicates]\n" + replicates
    with open(ini, "w", encoding="utf-8") as f:
        f.write(text)
    tg = os.path.join(d, "targets.csv")  # the data are waves 2013 and 2014
    with open(tg, encoding="utf-8") as f:
        text = f.read().replace(";2011;2014;", ";2013;2014;")
    with open(tg, "w", encoding="utf-8") as f:
        f.write(text)
    with open(os.path.join(d, "codebook.csv"), "a", encoding="utf-8") as f:
        for k in range(1, codebook_rows + 1):
            f.write("rw%d;Replikatvægt %d;Replicate weight %d;repweight;real;0;1000000;;0;1;;\n"
                    % (k, k, k))
    return d


class Repweights(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="helby-rep-")
        self.db = os.path.join(self.tmp.name, "t.db")
        self.gold = gold()

    def tearDown(self):
        self.tmp.cleanup()

    def store(self, spec):
        if os.path.exists(self.db):
            os.remove(self.db)
        run("init", db=self.db, check=0)
        run("survey", "add", make_survey(self.tmp.name, SPECS[spec]), db=self.db, check=0)
        run("import", "--survey", "copenhagen_rep", *FILES, db=self.db, check=0)

    def test_estimates_match_r_svrepdesign_for_each_type(self):
        checked = 0
        for spec in SPECS:
            self.store(spec)
            for by, key in (("group,wave", lambda r: r["group"]), ("wave", lambda r: "all")):
                p = run("estimate", "--survey", "copenhagen_rep", "--index", "safety", "--share",
                        "share_discriminated", "--by", by, "--variance", "supplied",
                        "--format", "csv", db=self.db, check=0)
                for r in csv.DictReader(io.StringIO(p.stdout), delimiter=";"):
                    g = (spec, r["wave"], r["measure"], key(r))
                    self.assertTrue(close(float(r["estimate"]), self.gold[g + ("estimate",)]),
                                    (spec, r))
                    self.assertTrue(close(float(r["se"]), self.gold[g + ("se",)]), (spec, r))
                    # R degf on a replicate design: the replicate weights' rank - 1
                    self.assertEqual(float(r["df"]), self.gold[(spec, r["wave"], "", "",
                                                                "degf")])
                    checked += 1
        self.assertEqual(checked, 3 * 2 * (2 * 2 + 2))  # specs x waves x (groups + all) x 2

    def test_a_run_with_supplied_replicates_reruns_and_reports(self):
        self.store("bootstrap")
        p = run("compute", "--survey", "copenhagen_rep", "--variance", "supplied", db=self.db,
                check=0)
        self.assertIn("run 1", p.stdout)
        p = run("compute", "--rerun", "1", db=self.db, check=0)
        self.assertIn("reproduced", p.stdout)
        rows = list(csv.DictReader(io.StringIO(
            run("report", "--run", "1", "--format", "csv", db=self.db, check=0).stdout),
            delimiter=";"))
        lv = {(r["measure"], r["group"], r["wave"]): r for r in rows if r["section"] == "level"}
        for w in ("2013", "2014"):
            for g, k in (("danes", "0"), ("minorities", "1"), ("all", "all")):
                r = lv[("safety", g, w)]
                self.assertTrue(close(float(r["se"]),
                                      self.gold[("bootstrap", w, "safety", k, "se")]), r)
        text = run("report", "--run", "1", "--lang", "en", db=self.db, check=0).stdout
        self.assertIn("replicate weights", text)

    def test_definition_mistakes_are_named(self):
        cases = [
            (None, "replicate weights (role repweight) but survey.ini has no [replicates]"),
            ("type = Fay\n", "type Fay needs rho"),
            ("type = JKn\n", "type JKn needs rscales"),
            ("type = BRR\nscale = 0.5\n", "type BRR sets scale itself"),
            ("type = other\n", "type other needs scale"),
            ("type = bootstrap\nrscales = 1, 2\n", "rscales must be one number >= 0 or one for "
                                                  "each of the 20 replicate weights"),
            ("type = JK1\nrho = 0.5\n", "rho is Fay's alone"),
            ("type = jackknife\n", "type must be JK1, JKn, BRR, Fay, bootstrap"),
            ("type = bootstrap\nmse = maybe\n", "mse must be 0 or 1"),
        ]
        for replicates, message in cases:
            d = make_survey(self.tmp.name, replicates)
            p = run("survey", "check", d, check=2)
            self.assertIn(message, p.stderr, (replicates, p.stderr))
        d = make_survey(self.tmp.name, "type = bootstrap\n", codebook_rows=0)
        p = run("survey", "check", d, check=2)
        self.assertIn("[replicates] needs at least 2 replicate weights", p.stderr)
        d = make_survey(self.tmp.name, "type = bootstrap\n")
        run("survey", "check", d, check=0)

    def test_supplied_variance_on_a_survey_without_replicate_weights_is_refused(self):
        run("init", db=self.db, check=0)
        run("survey", "add", SURVEY, db=self.db, check=0)
        run("import", "--survey", "copenhagen", os.path.join(SURVEY, "example", "wave_2014.csv"),
            db=self.db, check=0)
        p = run("estimate", "--survey", "copenhagen", "--index", "safety", "--variance",
                "supplied", db=self.db)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("survey copenhagen supplies no replicate weights", p.stderr)


if __name__ == "__main__":
    main()
