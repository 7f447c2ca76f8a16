"""Accessibility of the HTML report and barometer: axe-core (npm), driven by puppeteer-core in
the system Chromium, must find zero violations. Skips (exit 77) where node or chromium is
absent, or where scripts/setup has not installed the npm packages (HELBY_AXE_DIR, default
~/.cache/helby/axe); scripts/test fails on a skip."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from clitest import ROOT, SURVEY, WAVES, main, run  # noqa: E402

REGISTER = os.path.join(SURVEY, "register_indicators.csv")
SKIP = 77


def axe_dir():
    """Where scripts/setup installs axe-core and puppeteer-core (same rule as the script)."""
    if os.environ.get("HELBY_AXE_DIR"):
        return os.environ["HELBY_AXE_DIR"]
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "helby", "axe")


def tools():
    """node, chromium and the node_modules holding axe-core and puppeteer-core, or a reason."""
    node = shutil.which("node")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not (node and chromium):
        return None, "node or chromium is not installed (scripts/setup installs them)"
    modules = os.path.join(axe_dir(), "node_modules")
    if not all(os.path.isdir(os.path.join(modules, p)) for p in ("axe-core", "puppeteer-core")):
        return None, "axe-core or puppeteer-core is not in %s (scripts/setup installs them)" \
            % modules
    return (node, chromium, modules), None


class A11y(unittest.TestCase):
    def test_report_and_barometer_have_no_axe_violations(self):
        node, chromium, modules = TOOLS
        with tempfile.TemporaryDirectory(prefix="helby-a11y-") as tmp:
            db = os.path.join(tmp, "a.db")
            run("init", db=db, check=0)
            run("survey", "add", SURVEY, db=db, check=0)
            run("import", "--survey", "copenhagen", *WAVES, db=db, check=0)
            run("compute", "--survey", "copenhagen", db=db, check=0)
            files = []
            for lang in ("da", "en"):
                # min-cell 88 hides district cells: the suppression marks are checked too.
                f = os.path.join(tmp, "report_%s.html" % lang)
                run("report", "--run", "1", "--format", "html", "--lang", lang, "--min-cell",
                    "88", "-o", f, db=db, check=0)
                files.append(f)
            # min-cell 180 withholds minorities' district cells of 2014: the tile map's
            # hatched tiles and their words (issue 25).
            f = os.path.join(tmp, "report_tiles.html")
            run("report", "--run", "1", "--format", "html", "--lang", "en", "--min-cell", "180",
                "-o", f, db=db, check=0)
            files.append(f)
            # A raked run adds the weighting table.
            run("weight", "create", "--survey", "copenhagen", "--name", "raked", "--method",
                "rake", "--margins", "district,origin,sex*ageband", db=db, check=0)
            run("compute", "--survey", "copenhagen", "--weights", "raked", db=db, check=0)
            f = os.path.join(tmp, "report_raked.html")
            run("report", "--run", "2", "--format", "html", "-o", f, db=db, check=0)
            files.append(f)
            # A run with the sensitivity analysis adds the section "How robust is the
            # verdict?" (charts of the spread, the indices and the district ranks), and with
            # --by the section "Subgroups".
            run("compute", "--survey", "copenhagen", "--sensitivity", "16", "--by",
                "ageband,sex", db=db, check=0)
            for lang in ("da", "en"):
                f = os.path.join(tmp, "report_sens_%s.html" % lang)
                run("report", "--run", "3", "--format", "html", "--lang", lang, "-o", f, db=db,
                    check=0)
                files.append(f)
            f = os.path.join(tmp, "barometer.html")
            run("barometer", "--run", "1", "--register", REGISTER, "--format", "html", "-o", f,
                db=db, check=0)
            files.append(f)
            p = subprocess.run([node, os.path.join(ROOT, "tests", "cli", "axe_check.js"),
                                modules, chromium] + files, capture_output=True, text=True,
                               timeout=300, cwd=tmp)
            self.assertEqual(p.returncode, 0, p.stderr)
            found = json.loads(p.stdout)
            self.assertEqual(sorted(found), sorted(files))
            for f, violations in found.items():
                self.assertEqual(violations, [], json.dumps(violations, indent=1,
                                                            ensure_ascii=False))


if __name__ == "__main__":
    TOOLS, why = tools()
    if TOOLS is None:
        print("skip:", why)
        sys.exit(SKIP)
    main()
