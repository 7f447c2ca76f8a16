#!/usr/bin/env python3
"""Embed schemas/NNN_*.sql migrations into a C source file (build step)."""
import os
import sys

out, inputs = sys.argv[1], sorted(sys.argv[2:], key=os.path.basename)
with open(out, "w", encoding="utf-8") as f:
    f.write("/* Generated from the schemas/ migrations by scripts/embed_sql.py. Do not edit. */\n")
    f.write("#include <stddef.h>\n\n")
    f.write("const char *const helby_schema_migrations[] = {\n")
    for i, path in enumerate(inputs, start=1):
        name = os.path.basename(path)
        if not name.startswith("%03d_" % i):
            sys.exit("migration %s out of order: expected prefix %03d_" % (name, i))
        sql = open(path, encoding="utf-8").read()
        lit = sql.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n\"\n    \"")
        f.write('    /* %s */\n    "%s",\n' % (name, lit))
    f.write("};\n")
    f.write("const size_t helby_schema_migration_count = %d;\n" % len(inputs))
