#!/usr/bin/env python3
"""Write the seed corpora of the fuzz targets (tests/fuzz/<target>/seed-*) from the example
survey. Crash inputs found by scripts/fuzz are kept beside them as crash-*; this script
leaves those alone. Run from anywhere: python3 tests/fuzz/make-seeds.py"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SURVEY = os.path.join(ROOT, "surveys", "copenhagen")
FILES = ["survey.ini", "codebook.csv", "indices.csv", "shares.csv", "targets.csv",
         "derived.csv", "standard.csv",
         "margins/2011.csv", "margins/2012.csv", "margins/2013.csv", "margins/2014.csv"]


def read(rel):
    with open(os.path.join(SURVEY, rel), "rb") as f:
        return f.read()


def write(target, name, data):
    os.makedirs(os.path.join(HERE, target), exist_ok=True)
    with open(os.path.join(HERE, target, "seed-" + name), "wb") as f:
        f.write(data)


def head(rel, rows):
    lines = read(rel).split(b"\r\n")
    return b"\r\n".join(lines[: rows + 1]) + b"\r\n"


wave = head("example/wave_2011.csv", 12)
text = wave.decode("utf-8-sig")

# csv: the example's dialect and its variations.
write("csv", "wave2011.csv", wave)
write("csv", "comma_point_lf.csv",
      text.replace(",", ".").replace(";", ",").replace("\r\n", "\n").encode())
write("csv", "tab.csv", text.replace(";", "\t").encode())
write("csv", "cp1252.csv", "navn;bydel\r\nSøren;Østerbro\r\n\"Æble; \"\"rød\"\"\";Vanløse\r\n"
      .encode("cp1252"))
write("csv", "quoted_newline.csv", b'a,b,c\n"x\ny",2,"3"\n\n4,"",6')
write("csv", "codebook.csv", read("codebook.csv"))

# survey: the whole definition as files ("@@ NAME") and as the store's blob.
sections = b"".join(b"@@ " + n.encode() + b"\n" + read(n) + b"\n" for n in FILES)
write("survey", "copenhagen.txt", sections)
blob = b"helby-survey 1\n" + b"".join(
    b"file %s %d\n" % (n.encode(), len(read(n))) + read(n) + b"\n" for n in FILES)
write("survey", "copenhagen.blob", blob)
minimal_ini = read("survey.ini").replace(b"strata = stratum", b"strata =").replace(
    b"fpc = fpc", b"fpc =")
write("survey", "no_shares_targets.txt", b"".join(
    b"@@ " + n.encode() + b"\n" + (minimal_ini if n == "survey.ini" else read(n)) + b"\n"
    for n in ["survey.ini", "codebook.csv", "indices.csv"]))

# survey: derived.csv's kinds and bounds (real source, open, negative and single bands, a
# merge leaving a code missing), a standard over a derived variable, a margin of one.
derived = (b"variable;label_da;label_en;source;kind;rule;values\n"
           b"fpcband;K;C;fpc;bands;-5--1|0-10|10.5-20|21-;\n"
           b"fpclow;K;C;fpc;bands;-3|4|5-;\n"
           b"trust3;T;T;tillid_naboer;bands;0-4|5-7|8-;1=lav|2=middel|3=h\xc3\xb8j\n"
           b"origin3;H;O;origin;merge;1=1|2=2|3=;1=a|2=b\n"
           b"ageband2;A;A;ageband;bands;1-2|3-4;1=18-44|2=45+\n")
standard = b"ageband2;sex;population\n1;1;10\n1;2;20\n2;1;30\n2;2;40.5\n"
margins = read("margins/2011.csv") + b"ageband2;1;288260\nageband2;2;208740\n"
variant = {"derived.csv": derived, "standard.csv": standard, "margins/2011.csv": margins}
write("survey", "derived_kinds.txt", b"".join(
    b"@@ " + n.encode() + b"\n" + variant.get(n, read(n)) + b"\n" for n in FILES))

# margins: 'T' + targets.csv, anything else + margins/2011.csv.
write("margins", "targets.csv", b"T" + read("targets.csv"))
write("margins", "margins2011.csv", b"M" + read("margins/2011.csv"))
write("margins", "margins_cross.csv",
      b"M" + b"variable;level;total\nsex*ageband;1*1;10\nsex*ageband;1*2;20\n"
      b"sex*ageband;2*1;30\nsex*ageband;2*2;40\ndistrict;1;46000\n")

# import: a few rows of each example wave, and the point/comma dialect.
for w in (2011, 2012, 2013, 2014):
    write("import", "wave%d.csv" % w, head("example/wave_%d.csv" % w, 8))
write("import", "comma_point.csv",
      head("example/wave_2012.csv", 8).decode("utf-8-sig").replace(",", ".")
      .replace(";", ",").encode())
