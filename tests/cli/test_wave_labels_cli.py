"""Issue 24 item 5: the codebook's labels of the wave variable's codes name the waves in every
output, as `compare` first did: text shows the label, CSV and JSON get a wave_label column
right after wave, and only where the codebook labels waves (estimate and table, whose domain
columns always carry a label, keep theirs: the code when nothing labels it).

One store holds the example survey twice: `copenhagen` as it is (no wave labels) and `wlab`,
a copy whose codebook labels the waves with words that do not contain the code (so a code
shown where the label belongs is caught). The expected labels are the ones written into the
copy below; the two definitions differ in nothing else, so the labelled CSV without its
wave_label column must be the unlabelled CSV byte for byte."""
import csv
import io
import json
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import SURVEY, WAVES, main, run  # noqa: E402

LABEL = {"2011": "Første bølge", "2012": "Anden bølge", "2013": "Tredje bølge",
         "2014": "Fjerde bølge"}
LABEL_EN = {"2011": "First wave", "2012": "Second wave", "2013": "Third wave",
            "2014": "Fourth wave"}
PLAIN_ROW = "wave;Bølge;Wave;wave;code;2011;2014;;0;1;;"


def labelled_survey(tmp, sid="wlab"):
    """surveys/copenhagen as survey `sid` with the wave codes labelled (LABEL, LABEL_EN)."""
    d = os.path.join(tmp, sid)
    shutil.copytree(SURVEY, d, ignore=shutil.ignore_patterns("example"))
    ini = os.path.join(d, "survey.ini")
    with open(ini, encoding="utf-8") as f:
        text = f.read()
    assert "id = copenhagen\n" in text
    with open(ini, "w", encoding="utf-8") as f:
        f.write(text.replace("id = copenhagen\n", "id = %s\n" % sid))
    cb = os.path.join(d, "codebook.csv")
    with open(cb, encoding="utf-8") as f:
        text = f.read()
    assert PLAIN_ROW in text
    da = "|".join("%s=%s" % kv for kv in sorted(LABEL.items()))
    en = "|".join("%s=%s" % kv for kv in sorted(LABEL_EN.items()))
    with open(cb, "w", encoding="utf-8") as f:
        f.write(text.replace(PLAIN_ROW, PLAIN_ROW[:-2] + ";%s;%s" % (da, en)))
    return d


def table(text):
    """(header, rows as dicts) of ';' CSV output."""
    r = csv.reader(io.StringIO(text), delimiter=";")
    rows = list(r)
    return rows[0], [dict(zip(rows[0], x)) for x in rows[1:]]


def without_label(text):
    """CSV text with its wave_label column taken out."""
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    i = rows[0].index("wave_label")
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerows(r[:i] + r[i + 1:]
                                                                   for r in rows)
    return out.getvalue()


class WaveLabelsEverywhere(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="helby-wlab-")
        cls.db = os.path.join(cls.tmp.name, "s.db")
        run("init", db=cls.db, check=0)
        os.chmod(cls.db, 0o600)
        cls.imported = {}
        for sid, path in (("wlab", labelled_survey(cls.tmp.name)), ("copenhagen", SURVEY)):
            run("survey", "add", path, db=cls.db, check=0)
            cls.imported[sid] = run("import", "--survey", sid, *WAVES, db=cls.db, check=0).stdout
        cls.created = {}
        for sid in ("wlab", "copenhagen"):
            cls.created[sid] = run("weight", "create", "--survey", sid, "--name", "raked",
                                   "--waves", "2011,2012", db=cls.db, check=0).stdout
        run("compute", "--survey", "wlab", "--sensitivity", "4", db=cls.db, check=0)  # run 1

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def out(self, *args, sid="wlab"):
        """stdout of helby CMD [SUB] --survey sid ARGS..."""
        n = 2 if args[0] in ("weight", "wave") else 1
        return run(*args[:n], "--survey", sid, *args[n:], db=self.db, check=0).stdout

    def assert_labelled(self, args, same=True):
        """CSV: wave_label right after wave, each row's the codebook's label of its wave; JSON
        the same keys in that order; without labels neither has the column and (same) the CSV
        is the labelled one without it."""
        head, rows = table(self.out(*args, "--format", "csv"))
        self.assertEqual(head[head.index("wave") + 1], "wave_label", (args, head))
        self.assertTrue(rows, args)
        for r in rows:
            self.assertEqual(r["wave_label"], LABEL.get(r["wave"], r["wave"]), (args, r))
        js = json.loads(self.out(*args, "--format", "json"))
        for o in js:
            keys = list(o)
            self.assertEqual(keys[keys.index("wave") + 1], "wave_label", args)
            self.assertEqual(o["wave_label"], LABEL.get(str(o["wave"]), str(o["wave"])), args)
        plain = self.out(*args, "--format", "csv", sid="copenhagen")
        self.assertNotIn("wave_label", plain.splitlines()[0], args)
        if same:
            self.assertEqual(without_label(self.out(*args, "--format", "csv")), plain, args)
        self.assertFalse(any("wave_label" in o for o in
                             json.loads(self.out(*args, "--format", "json", sid="copenhagen"))))
        return rows

    def assert_text_rows(self, args, waves=("2011", "2012")):
        """Text: every line naming a wave's code as a column names its label beside it; the
        unlabelled survey's text shows no label."""
        text = self.out(*args)
        for w in waves:
            lines = [l for l in text.splitlines() if (" %s " % w) in " %s " % l]
            self.assertTrue(lines, (args, w))
            for l in lines:
                self.assertIn(LABEL[w], l, (args, w))
        plain = self.out(*args, sid="copenhagen")
        for w in waves:
            self.assertNotIn(LABEL[w], plain)
            self.assertIn(w, plain)

    # ---- the commands' tables ----

    def test_estimate_means_quantiles_totals_and_ratios(self):
        for extra in ((), ("--quantiles", "0.25,0.5"), ("--total",)):
            args = ("estimate", "--var", "tillid_politi", "--by", "wave") + extra
            head, rows = table(self.out(*args, "--format", "csv"))
            self.assertEqual(head[head.index("wave") + 1], "wave_label")
            self.assertEqual({(r["wave"], r["wave_label"]) for r in rows}, set(LABEL.items()))
            _, plain = table(self.out(*args, "--format", "csv", sid="copenhagen"))
            self.assertTrue(all(r["wave_label"] == r["wave"] for r in plain))  # the code
            self.assert_text_rows(args, waves=tuple(LABEL))
        args = ("estimate", "--ratio", "tillid_politi/tillid_kommune", "--by", "group,wave")
        _, rows = table(self.out(*args, "--format", "csv"))
        self.assertEqual(len(rows), 8)
        self.assertTrue(all(r["wave_label"] == LABEL[r["wave"]] for r in rows))
        _, rows = table(self.out(*args, "--format", "csv", "--lang", "en"))
        self.assertTrue(all(r["wave_label"] == LABEL_EN[r["wave"]] for r in rows))

    def test_table_by_wave(self):
        head, rows = table(self.out("table", "--var", "disk_12m", "--by", "wave", "--format",
                                    "csv"))
        self.assertEqual(head[head.index("wave") + 1], "wave_label")
        self.assertEqual({(r["wave"], r["wave_label"]) for r in rows if r["wave"]},
                         set(LABEL.items()))
        self.assert_text_rows(("table", "--var", "disk_12m", "--by", "wave"), waves=tuple(LABEL))

    def test_compare(self):
        rows = self.assert_labelled(("compare", "-m", "inclusion"))
        self.assertEqual({r["wave"] for r in rows}, set(LABEL))
        text = self.out("compare", "-m", "inclusion")
        self.assertIn("baseline 2011 (Første bølge)", text)
        for w, l in LABEL.items():
            self.assertIn("\nwave %s (%s)\n" % (w, l), text)
        self.assertIn("\nwave 2012\n", self.out("compare", "-m", "inclusion", sid="copenhagen"))

    def test_compare_by(self):
        rows = self.assert_labelled(("compare", "-m", "inclusion", "--by", "sex"))
        self.assertEqual({r["wave"] for r in rows}, set(LABEL))
        self.assert_text_rows(("compare", "-m", "inclusion", "--by", "sex"), waves=tuple(LABEL))

    def test_regress_per_wave_and_stacked(self):
        rows = self.assert_labelled(("regress", "--model", "inclusion ~ group + sex", "--waves",
                                     "2011,2012"))
        self.assertEqual({r["wave"] for r in rows}, {"2011", "2012"})
        self.assert_text_rows(("regress", "--model", "inclusion ~ group", "--waves", "2011,2012"))
        _, rows = table(self.out("regress", "--model", "inclusion ~ group + wave", "--stacked",
                                 "--format", "csv"))
        self.assertTrue(rows and all(r["wave"] == r["wave_label"] == "stacked" for r in rows))

    def test_explain(self):
        args = ("explain", "--measure", "inclusion", "--covariates", "sex", "--waves",
                "2011,2012")
        rows = self.assert_labelled(args)
        self.assertEqual({r["wave"] for r in rows}, {"2011", "2012"})
        text = self.out(*args)
        self.assertIn("inclusion — wave 2011 (Første bølge): ", text)
        self.assertIn("inclusion — wave 2012 (Anden bølge): ", text)
        self.assertIn("Since 2011 (Første bølge) the gap changed", text)
        plain = self.out(*args, sid="copenhagen")
        self.assertIn("inclusion — wave 2012: ", plain)
        self.assertIn("Since 2011 the gap changed", plain)

    def test_sensitivity_names_the_goals_waves_and_the_rank_wave(self):
        text = self.out("sensitivity", "-n", "4")
        self.assertIn("(2011 (Første bølge) -> 2014 (Fjerde bølge), target 10 %)", text)
        self.assertIn("district ranks on inclusion in 2014 (Fjerde bølge) (1 = best)", text)
        plain = self.out("sensitivity", "-n", "4", sid="copenhagen")
        self.assertIn("(2011 -> 2014, target 10 %)", plain)
        self.assertIn("district ranks on inclusion in 2014 (1 = best)", plain)
        # CSV has no wave column: nothing to label, the same as without labels
        self.assertEqual(self.out("sensitivity", "-n", "4", "--format", "csv"),
                         self.out("sensitivity", "-n", "4", "--format", "csv",
                                  sid="copenhagen"))

    def test_reliability_prints_no_waves(self):
        for f in ("text", "csv"):
            self.assertEqual(self.out("reliability", "--format", f),
                             self.out("reliability", "--format", f, sid="copenhagen"))

    def test_weight_create_and_show(self):
        for w in ("2011", "2012"):
            line = [l for l in self.created["wlab"].splitlines() if l.startswith(w + " ")]
            self.assertEqual(len(line), 1)
            self.assertIn(LABEL[w], line[0])
            self.assertNotIn("bølge", self.created["copenhagen"])
        rows = self.assert_labelled(("weight", "show", "--name", "raked"))
        self.assertEqual([r["wave"] for r in rows], ["2011", "2012"])
        self.assert_text_rows(("weight", "show", "--name", "raked"))
        self.assertIn("raked        wave 2012 (Anden bølge) version 1",
                      self.out("weight", "list"))

    def test_wave_list(self):
        rows = self.assert_labelled(("wave", "list"), same=False)  # imports, runs differ
        self.assertEqual([r["wave"] for r in rows], sorted(LABEL))
        self.assert_text_rows(("wave", "list"), waves=tuple(LABEL))

    def test_import_and_survey_show(self):
        for w, l in LABEL.items():
            self.assertIn("wave_%s.csv as wave %s (%s) of wlab" % (w, w, l), self.imported["wlab"])
            self.assertIn("wave_%s.csv as wave %s of copenhagen" % (w, w),
                          self.imported["copenhagen"])
        show = run("survey", "show", "wlab", db=self.db, check=0).stdout
        self.assertIn("    2013 (Tredje bølge)  2955 respondents", show)

    # ---- the report of a run with its sensitivity rows ----

    def test_report_csv_rows_keep_their_columns(self):
        """The sensitivity rows came after the others without the wave_label column: their
        baseline stood under wave_label."""
        head, rows = table(run("report", "--run", "1", "--format", "csv", db=self.db,
                               check=0).stdout)
        self.assertEqual(head[3:6], ["wave", "wave_label", "baseline"])
        sens = [r for r in rows if r["section"] == "sensitivity"]
        self.assertTrue(sens)
        for r in rows:
            self.assertEqual(len(r), len(head))
            self.assertEqual(r["wave_label"], LABEL[r["wave"]] if r["wave"] else "", r)
            # a change since the previous wave is measured from that wave (issue 22)
            prev = str(int(r["wave"]) - 1) if r["quantity"] == "change_previous" else "2011"
            self.assertIn(r["baseline"], ("", prev), r)
        self.assertTrue(any(r["quantity"] == "rank" and r["wave"] == "2014" for r in sens))

    def test_report_json_text_and_html_name_the_rank_wave(self):
        js = json.loads(run("report", "--run", "1", "--format", "json", db=self.db,
                            check=0).stdout)
        ranks = js["sensitivity"]["ranks"]
        self.assertTrue(ranks)
        for k in ranks:
            keys = list(k)
            self.assertEqual(keys[keys.index("wave") + 1], "wave_label")
            self.assertEqual(k["wave_label"], LABEL[str(k["wave"])])
        text = run("report", "--run", "1", "--format", "text", db=self.db, check=0).stdout
        self.assertIn("Inklusionsindeks: bydelenes rang Fjerde bølge (1 = bedst)", text)
        en = run("report", "--run", "1", "--format", "md", "--lang", "en", db=self.db,
                 check=0).stdout
        self.assertIn("district ranks Fourth wave (1 = best)", en)
        html = run("report", "--run", "1", "--format", "html", db=self.db, check=0).stdout
        self.assertIn("bydelenes rang Fjerde bølge (1 = bedst)</title>", html)
        self.assertNotIn("bydelenes rang 2014", html)
        ticks = [l for l in html.splitlines() if "<text" in l and "bølge<" in l]
        self.assertTrue(any(">Første bølge</text>" in l for l in ticks))
        self.assertFalse(any(">2011</text>" in l for l in html.splitlines()))

    def test_barometer_periods_of_survey_goals(self):
        reg = os.path.join(SURVEY, "register_indicators.csv")
        text = run("report", "--run", "1", "--barometer", "--register", reg, "--format", "text",
                   db=self.db, check=0).stdout
        self.assertIn("Spørgeskema, bølger Første bølge–Fjerde bølge", text)
        self.assertIn("(Første bølge→Fjerde bølge)", text)


class InterimVerdict(unittest.TestCase):
    def test_the_target_wave_not_yet_in_is_named_by_its_label(self):
        with tempfile.TemporaryDirectory(prefix="helby-wlab-") as tmp:
            db = os.path.join(tmp, "s.db")
            run("init", db=db, check=0)
            os.chmod(db, 0o600)
            run("survey", "add", labelled_survey(tmp), db=db, check=0)
            run("import", "--survey", "wlab", *WAVES[:3], db=db, check=0)
            run("compute", "--survey", "wlab", db=db, check=0)
            text = run("report", "--run", "1", "--format", "text", "--lang", "en", db=db,
                       check=0).stdout
            self.assertIn("Interim: target wave Fourth wave not yet in; judged on Third wave.",
                          text)


if __name__ == "__main__":
    main()
