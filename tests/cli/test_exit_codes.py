"""Every command x exit status (docs/commands.md, "Exit statuses"): 0 ok, 1 usage, 2 bad
input (an unknown survey, wave, run or variable), 3 store problem, 4 numerical failure where
a command can meet one (raking that does not converge). One store with the example imported
is shared by the table; each row asserts the documented code exactly, never "not 0"."""
import os
import shutil
import sys
import tempfile
import unittest

from clitest import SURVEY, WAVES, run

REGISTER = os.path.join(SURVEY, "register_indicators.csv")
S = ("--survey", "copenhagen")
N = ("--survey", "nosuch")

# command: (arguments that succeed, arguments that are bad input)
COMMANDS = {
    "survey list": ((), None),
    "survey show": (("copenhagen",), ("nosuch",)),
    "wave list": (S, N),
    "estimate": (S + ("--var", "tillid_politi"), N),
    "table": (S + ("--var", "district"), N + ("--var", "district")),
    "compare": (S, N),
    "regress": (S + ("--model", "inclusion ~ group"), N + ("--model", "inclusion ~ group")),
    "explain": (S + ("--measure", "inclusion", "--covariates", "sex"),
                S + ("--measure", "inclusion", "--covariates", "nosuch")),
    "sensitivity": (S + ("--waves", "2011,2014", "-n", "4"), N),
    "reliability": (S, N),
    "compute": (S, N),
    "runs list": ((), None),
    "runs show": (("1",), ("99",)),
    "weight list": (S, N),
    "export": (S + ("-o", "{tmp}/x.csv"), N + ("-o", "{tmp}/y.csv")),
    "report": (("--run", "1"), ("--run", "99")),
    "barometer": (("--run", "1", "--register", REGISTER),
                  ("--run", "99", "--register", REGISTER)),
    "import": (S + ("--check", WAVES[0]), N + (WAVES[0],)),
}

# Names the survey does not have, by command and option (each exits 2).
V = ("--var", "tillid_politi")
NAMES = [
    ("estimate", ("--var", "nosuch")),
    ("estimate", ("--var", "resp_id")),  # a text variable: not a numeric one
    ("estimate", ("--share", "nosuch")),
    ("estimate", ("--index", "nosuch")),
    ("estimate", ("--ratio", "nosuch/inclusion")),
    ("estimate", V + ("--by", "nosuch")),
    ("estimate", V + ("--where", "nosuch=1")),
    ("table", ("--var", "nosuch")),
    ("table", ("--var", "district", "--by", "nosuch")),
    ("table", ("--var", "district", "--where", "nosuch=1")),
    ("compare", ("--measure", "nosuch")),
    ("compare", ("--measure", "inclusion", "--by", "nosuch")),
    ("compare", ("--measure", "inclusion", "--where", "nosuch=1")),
    ("regress", ("--model", "nosuch ~ group")),
    ("regress", ("--model", "inclusion ~ group + nosuch")),
    ("explain", ("--measure", "nosuch", "--covariates", "sex")),
    ("explain", ("--measure", "inclusion", "--covariates", "nosuch")),
    ("weight create", ("--name", "w", "--margins", "district,nosuch")),
]
# Malformed values of the same options (each exits 1).
MALFORMED = [
    ("estimate", V + ("--where", "nosuch")),
    ("estimate", ("--ratio", "inclusion")),
    ("regress", ("--model", "inclusion ~ group +")),
]


class ExitCodes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="helby-exit-")
        cls.db = os.path.join(cls.tmp, "s.db")
        run("init", db=cls.db, check=0)
        run("survey", "add", SURVEY, db=cls.db, check=0)
        run("import", "--survey", "copenhagen", *WAVES, db=cls.db, check=0)
        run("compute", "--survey", "copenhagen", db=cls.db, check=0)  # run 1
        cls.junk = os.path.join(cls.tmp, "junk.db")
        with open(cls.junk, "wb") as f:
            f.write(b"not a store\n" * 300)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def args(self, a):
        return [x.replace("{tmp}", self.tmp) for x in a]

    def code(self, command, a, want, db=None):
        p = run(*command.split(), *self.args(a), db=db or self.db)
        self.assertEqual(p.returncode, want, "%s %s\n%s" % (command, " ".join(a), p.stderr))
        if want:
            self.assertTrue(p.stderr.startswith("helby"), p.stderr)

    def test_0_ok(self):
        for c, (ok, _) in COMMANDS.items():
            with self.subTest(c):
                self.code(c, ok, 0)

    def test_1_usage(self):
        for c in COMMANDS:
            with self.subTest(c):
                self.code(c, ("--no-such-option",), 1)
        # survey show: an option before or after the survey id is an option, not an id
        self.code("survey show", ("copenhagen", "--no-such-option"), 1)
        p = run("survey", "show", "--bad-option", db=self.db)
        self.assertIn("unknown option '--bad-option'", p.stderr)

    def test_2_names_the_survey_does_not_have(self):
        # A variable, measure or margin the survey does not have (as the option asks for it)
        # is bad input, 2, whichever command and option names it; a malformed value is 1.
        for c, a in NAMES:
            with self.subTest(c + " " + " ".join(a)):
                self.code(c, S + a, 2)
        for c, a in MALFORMED:
            with self.subTest(c + " " + " ".join(a)):
                self.code(c, S + a, 1)

    def test_2_bad_input(self):
        for c, (_, bad) in COMMANDS.items():
            if bad is not None:
                with self.subTest(c):
                    self.code(c, bad, 2)

    def test_3_store(self):
        for c, (ok, _) in COMMANDS.items():
            with self.subTest(c):
                self.code(c, ok, 3, db=self.junk)

    def test_4_numerical(self):
        # Raking stopped after one sweep cannot meet the margins: no convergence.
        self.code("weight create", S + ("--name", "r1", "--maxit", "1"), 4)


if __name__ == "__main__":
    from clitest import main
    main()
