#!/usr/bin/env python3
"""scripts/check-layers fails when it should: on a circle between files (calls read from a
static library built here, includes of internal headers), on a dependency the table forbids,
on a private header used from another folder, on a public header that includes a higher
layer's, and on a .c file outside the folders; and passes a tree that has none of these.

   test_check_layers.py CHECK_LAYERS SRC_LIB CC [CC ARGS...]

Builds small fake trees in a temporary directory (two folders, low/ and high/, where high may
use low) and also injects a circle into a copy of the real src/lib (SRC_LIB)."""
import os
import shutil
import subprocess
import sys
import tempfile

CHECK, SRC_LIB, CC = sys.argv[1], sys.argv[2], sys.argv[3:]
TABLE = """# fake
<!-- check-layers: table -->
| Folder | May use | Public headers |
|--------|---------|----------------|
| `low`  | —       | `low.h` |
| `high` | `low`   | `high.h` |
<!-- check-layers: end -->
"""
failures = []


def tree(files, table=TABLE):
    """A temporary src/lib with files {path: text}, its include/helby next to it, and the
    static library of its .c files (objects named as meson names them: low_a.c.o)."""
    top = tempfile.mkdtemp(prefix="check-layers-")
    src = os.path.join(top, "src", "lib")
    os.makedirs(os.path.join(top, "include", "helby"))
    os.makedirs(src)
    open(os.path.join(src, "README.md"), "w").write(table)
    files = dict(files)
    files.setdefault("../../include/helby/low.h", "int low_api(void);\n")
    files.setdefault("../../include/helby/high.h", '#include "helby/low.h"\n')
    for path, text in files.items():
        p = os.path.normpath(os.path.join(src, path))
        os.makedirs(os.path.dirname(p), exist_ok=True)
        open(p, "w").write(text)
    objs = []
    for path in sorted(files):
        if path.endswith(".c") and "/" in path:
            obj = os.path.join(top, path.replace("/", "_") + ".o")
            subprocess.run(CC + ["-c", "-I", src, "-I", os.path.join(top, "include"), "-o", obj,
                                 os.path.join(src, path)], check=True)
            objs.append(obj)
    lib = os.path.join(top, "libfake.a")
    if objs:
        subprocess.run(["ar", "rcs", lib] + objs, check=True)
    return top, src, lib if objs else None


def run(src, lib=None):
    args = [sys.executable, CHECK, src] + ([lib] if lib else [])
    r = subprocess.run(args, capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def expect(name, code, out, want_code, *needles):
    ok = code == want_code and all(n in out for n in needles)
    print("%s: %s (exit %d)" % ("ok" if ok else "FAIL", name, code))
    if not ok:
        failures.append(name)
        print("  wanted exit %d and %r in:\n%s" % (want_code, needles, out))


# A tree with layers and no circle passes, and says so.
top, src, lib = tree({
    "low/a.c": "int low_a(void) { return 1; }\n",
    "low/b.c": "int low_a(void);\nint low_b(void) { return low_a(); }\n",
    "high/h.c": '#include "low/low_internal.h"\nint high_h(void) { return low_b(); }\n',
    "low/low_internal.h": "int low_b(void);\n",
})
code, out = run(src, lib)
expect("layers without a circle pass", code, out, 0, "2 folders", "0 file-level circles",
       "high/h.c -> low/b.c low/low_internal.h")
shutil.rmtree(top)

# Two files that call each other: a circle named with the symbols on each step.
top, src, lib = tree({
    "low/a.c": "int low_b(void);\nint low_a(int n) { return n ? low_b() : 0; }\n",
    "low/b.c": "int low_a(int);\nint low_b(void) { return low_a(0); }\n",
})
code, out = run(src, lib)
expect("a call circle fails", code, out, 1, "1 file-level circles",
       "file-level circle among low/a.c low/b.c", "low/a.c -> low/b.c: low_b",
       "low/b.c -> low/a.c: low_a")
shutil.rmtree(top)

# A circle through three files: every file of it named.
top, src, lib = tree({
    "low/a.c": "int low_b(void);\nint low_a(void) { return low_b(); }\n",
    "low/b.c": "int low_c(void);\nint low_b(void) { return low_c(); }\n",
    "low/c.c": "int low_a(void);\nint low_c(void) { return low_a(); }\n",
})
code, out = run(src, lib)
expect("a circle of three fails", code, out, 1, "low/a.c low/b.c low/c.c",
       "low/a.c -> low/b.c -> low/c.c -> low/a.c")
shutil.rmtree(top)

# A lower folder calling a higher one: the table forbids it; the files and symbol named.
top, src, lib = tree({
    "low/a.c": "int high_h(void);\nint low_a(void) { return high_h(); }\n",
    "high/h.c": "int high_h(void) { return 2; }\n",
})
code, out = run(src, lib)
expect("a forbidden call fails", code, out, 1,
       "low/a.c uses high/h.c (high_h): low may not use high", "0 file-level circles")
shutil.rmtree(top)

# ... and including its internal header.
top, src, lib = tree({
    "low/a.c": '#include "high/high_internal.h"\nint low_a(void) { return HIGH; }\n',
    "high/high_internal.h": "#define HIGH 3\n",
})
code, out = run(src)
expect("a forbidden include fails", code, out, 1,
       "low/a.c includes high/high_internal.h (#include \"high/high_internal.h\"): "
       "low may not use high")
shutil.rmtree(top)

# A folder-private header used from another folder, even one the table allows.
top, src, lib = tree({
    "low/low_internal.h": "/* Folder-private (scripts/check-layers). */\n#define LOW 1\n",
    "high/h.c": '#include "low/low_internal.h"\nint high_h(void) { return LOW; }\n',
})
code, out = run(src)
expect("a folder-private header fails", code, out, 1,
       "high/h.c includes low/low_internal.h, which is private to low/")
shutil.rmtree(top)

# Two internal headers that include each other: a circle without any library.
top, src, lib = tree({
    "low/x_internal.h": '#include "low/y_internal.h"\n',
    "low/y_internal.h": '#include "low/x_internal.h"\n',
})
code, out = run(src)
expect("an include circle fails", code, out, 1,
       "file-level circle among low/x_internal.h low/y_internal.h")
shutil.rmtree(top)

# A public header including a higher layer's, and one the table does not place.
top, src, lib = tree({
    "../../include/helby/low.h": '#include "helby/high.h"\n',
    "../../include/helby/stray.h": "\n",
    "low/a.c": "int low_a(void) { return 1; }\n",
})
code, out = run(src)
expect("a public header of a higher layer fails", code, out, 1,
       "include/helby/low.h (layer low) includes helby/high.h (layer high)",
       "include/helby/stray.h is in no layer")
shutil.rmtree(top)

# A .c file directly in src/lib, and a folder the table does not list.
top, src, lib = tree({"loose.c": "int x;\n", "other/o.c": "int o;\n"})
code, out = run(src)
expect("a loose file and an unlisted folder fail", code, out, 1,
       "loose.c is directly in", "folder other/ is not in the table")
shutil.rmtree(top)

# The real library with an injected circle: two of stats/'s internal headers include each
# other (a copy of src/lib; the tree itself is untouched).
top = tempfile.mkdtemp(prefix="check-layers-real-")
copy = os.path.join(top, "src", "lib")
shutil.copytree(SRC_LIB, copy)
shutil.copytree(os.path.join(SRC_LIB, "..", "..", "include"), os.path.join(top, "include"))
code, out = run(copy)
expect("a copy of src/lib passes", code, out, 0, "0 file-level circles")
for a, b in (("design", "estimate"), ("estimate", "design")):
    p = os.path.join(copy, "stats", a + "_internal.h")
    text = open(p).read()
    open(p, "w").write(text.replace("#include", '#include "stats/%s_internal.h"\n#include' % b, 1))
p = os.path.join(copy, "base", "util.c")
open(p, "a").write('\n#include "report/report_internal.h"\n')
code, out = run(copy)
expect("src/lib with an injected circle fails", code, out, 1,
       "file-level circle among stats/design_internal.h stats/estimate_internal.h",
       "1 file-level circles",
       "base/util.c includes report/report_internal.h")
shutil.rmtree(top)

print("%d failed" % len(failures))
sys.exit(1 if failures else 0)
