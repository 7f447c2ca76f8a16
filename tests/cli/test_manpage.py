"""docs/helby.1: `man -l` renders it without a warning, and it names every command of
`helby --help` and every long option of every `helby COMMAND --help` (skipped without man)."""
import os
import re
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import ROOT, main, run  # noqa: E402

PAGE = os.path.join(ROOT, "docs", "helby.1")


def commands():
    out = run("--help", check=0).stdout
    block = out.split("Commands:")[1].split("\n\n")[0]
    return [l.split()[0] for l in block.strip().splitlines()]


class ManPage(unittest.TestCase):
    @unittest.skipUnless(shutil.which("man"), "man is not installed")
    def test_man_renders_without_warnings(self):
        env = dict(os.environ, LC_ALL="C.UTF-8", MANWIDTH="80")
        p = subprocess.run(["man", "--warnings", "-l", PAGE], capture_output=True, text=True,
                           env=env, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr, "")
        self.assertRegex(p.stdout, r"helby\s+weight\s+export")

    def test_the_page_names_this_version(self):
        version = run("--version", check=0).stdout.split()[-1]
        with open(PAGE, encoding="utf-8") as f:
            self.assertIn('"helby %s"' % version, f.read())

    def test_every_command_and_option_of_the_help_is_in_the_page(self):
        with open(PAGE, encoding="utf-8") as f:
            page = f.read().replace("\\-", "-")
        missing = []
        for c in commands():
            helps = [run(c, "--help", check=0).stdout]
            if c == "weight":
                helps.append(run("weight", "export", "--help", check=0).stdout)
            if not re.search(r'\.SS "helby %s\b' % c, page):
                missing.append(c)
            for h in helps:
                for opt in sorted(set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", h))):
                    if opt not in page:
                        missing.append("%s %s" % (c, opt))
        self.assertEqual(missing, [])


if __name__ == "__main__":
    main()
