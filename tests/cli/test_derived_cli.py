"""derived.csv and standard.csv through the CLI (surveys/README.md).

`survey check` and `survey add` refuse broken files naming file, line and column. A derived
variable answers like a column: two stores of the example's wave 2011, one whose definition
derives ageband2 (ageband 1-2 / 3-4) and origin2 (origin 1 / 2,3) in derived.csv, the other
whose response file carries those columns, recoded here in Python and declared in its
codebook, give the same `estimate --by`, the same raking to margins of ageband2, the same
`regress` and the same `explain` output."""
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import SURVEY, WAVES, main, run  # noqa: E402

AGEBAND2 = {"1": "1", "2": "1", "3": "2", "4": "2"}
ORIGIN2 = {"1": "1", "2": "2", "3": "2"}
STANDARD2 = "sex;ageband2;population\n1;1;134000\n1;2;74000\n2;1;136000\n2;2;82000\n"
MARGINS2 = "ageband2;1;288260\nageband2;2;208740\n"


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def replace_in(path, old, new):
    text = read(path)
    if old not in text:
        raise AssertionError("%r is not in %s" % (old, path))
    write(path, text.replace(old, new, 1))


def wave_with_columns(src, dst):
    """The example's wave file with ageband2 and origin2 appended (same dialect)."""
    with open(src, "rb") as f:
        text = f.read().decode("utf-8-sig")
    lines = text.split("\r\n")
    head = lines[0].split(";")
    a, o = head.index("ageband"), head.index("origin")
    out = [lines[0] + ";ageband2;origin2"]
    for line in lines[1:]:
        if not line:
            continue
        f = line.split(";")
        out.append(line + ";" + AGEBAND2[f[a]] + ";" + ORIGIN2[f[o]])
    with open(dst, "wb") as f:
        f.write(("\ufeff" + "\r\n".join(out) + "\r\n").encode("utf-8"))


class DerivedCli(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="helby-derived-")
        self.t = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def copy(self, name):
        d = os.path.join(self.t, name)
        shutil.copytree(SURVEY, d, ignore=shutil.ignore_patterns("example"))
        return d

    def store(self, name, definition, wave):
        db = os.path.join(self.t, name + ".db")
        run("init", db=db, check=0)
        run("survey", "add", definition, db=db, check=0)
        run("import", "--survey", "copenhagen", wave, db=db, check=0)
        return db

    def test_check_and_add_name_file_line_and_column(self):
        cases = [
            ("derived.csv", "2,3=2", "2=2", "derived.csv:2:6:", "code 3 of origin is not merged"),
            ("derived.csv", ";ageband;bands", ";origin2;bands", "derived.csv:3:4:",
             "is a derived variable"),
            ("derived.csv", "1-2|3-4", "1-3|3-4", "derived.csv:3:6:", "without overlapping"),
            ("standard.csv", "2;4;33000", "2;5;33000", "standard.csv:10:2:",
             "'5' is not a code of ageband"),
            ("standard.csv", "2;4;33000", "#", "standard.csv:", "no row for the cell sex=2"),
        ]
        db = os.path.join(self.t, "bad.db")
        run("init", db=db, check=0)
        for i, (file, old, new, place, phrase) in enumerate(cases):
            d = self.copy("bad%d" % i)
            replace_in(os.path.join(d, file), old, new)
            p = run("survey", "check", d, check=2)
            self.assertIn(os.path.join(d, place), p.stderr)
            self.assertIn(phrase, p.stderr)
            p = run("survey", "add", d, db=db, check=2)
            self.assertIn(os.path.join(d, place), p.stderr)
        p = run("survey", "list", db=db, check=0)
        self.assertNotIn("copenhagen", p.stdout)

    def test_show_lists_derived_variables_and_the_standard(self):
        p = run("survey", "check", SURVEY, check=0)
        self.assertIn("is valid", p.stdout)
        db = os.path.join(self.t, "show.db")
        run("init", db=db, check=0)
        run("survey", "add", SURVEY, db=db, check=0)
        p = run("survey", "show", "copenhagen", db=db, check=0)
        self.assertIn("ageband2       bands of ageband: 1=18-44 år, 2=45 år og derover", p.stdout)
        self.assertIn("origin2        merge of origin", p.stdout)
        self.assertIn("standard population: sex x ageband, 8 cells, 426000 people", p.stdout)

    def test_a_derived_variable_answers_as_the_same_column_would(self):
        derived = self.copy("derived")
        write(os.path.join(derived, "standard.csv"), STANDARD2)
        with open(os.path.join(derived, "margins", "2011.csv"), "a", encoding="utf-8") as f:
            f.write(MARGINS2)
        column = self.copy("column")
        os.remove(os.path.join(column, "derived.csv"))
        write(os.path.join(column, "standard.csv"), STANDARD2)
        with open(os.path.join(column, "margins", "2011.csv"), "a", encoding="utf-8") as f:
            f.write(MARGINS2)
        with open(os.path.join(column, "codebook.csv"), "a", encoding="utf-8") as f:
            f.write("ageband2;Aldersgruppe (to grupper);Age band (two groups);covariate;code;1;2;"
                    ";0;1;1=18-44 år|2=45 år og derover\n"
                    "origin2;Herkomst (to grupper);Origin (two groups);covariate;code;1;2;;0;1;"
                    "1=Dansk oprindelse|2=Indvandrere og efterkommere\n")
        wave = os.path.join(self.t, "wave_2011.csv")
        wave_with_columns(WAVES[0], wave)
        a = self.store("a", derived, WAVES[0])
        b = self.store("b", column, wave)
        commands = [
            ["estimate", "--survey", "copenhagen", "--index", "inclusion,safety",
             "--by", "ageband2", "--format", "csv"],
            ["estimate", "--survey", "copenhagen", "--share", "share_discriminated",
             "--by", "origin2,ageband2", "--variance", "jkn", "--format", "csv"],
            ["estimate", "--survey", "copenhagen", "--var", "ageband2", "--by", "district",
             "--format", "csv"],
            ["regress", "--survey", "copenhagen", "--waves", "2011",
             "--model", "inclusion ~ group + ageband2 + sex", "--format", "csv"],
            ["explain", "--survey", "copenhagen", "--measure", "inclusion",
             "--covariates", "sex,ageband2", "--waves", "2011", "--format", "csv"],
        ]
        for cmd in commands:
            pa, pb = run(*cmd, db=a, check=0), run(*cmd, db=b, check=0)
            self.assertGreater(len(pa.stdout.splitlines()), 2, cmd)
            self.assertEqual(pa.stdout, pb.stdout, cmd)
        out = run(*commands[0], db=a, check=0).stdout
        self.assertIn(";ageband2;ageband2_label;", out.splitlines()[0])
        self.assertIn("inclusion;1;18-44 år;", out)
        self.assertIn("inclusion;2;45 år og derover;", out)
        # Raking to a margin of a derived variable: the same weights as to the column's.
        for db in (a, b):
            run("weight", "create", "--survey", "copenhagen", "--name", "r", "--margins",
                "district,ageband2", db=db, check=0)
        show = ["weight", "show", "--survey", "copenhagen", "--name", "r", "--format", "csv"]
        self.assertEqual(run(*show, db=a, check=0).stdout, run(*show, db=b, check=0).stdout)
        est = commands[0] + ["--weights", "r"]
        pa = run(*est, db=a, check=0)
        self.assertEqual(pa.stdout, run(*est, db=b, check=0).stdout)
        self.assertNotEqual(pa.stdout, run(*commands[0], db=a, check=0).stdout)


if __name__ == "__main__":
    main()
