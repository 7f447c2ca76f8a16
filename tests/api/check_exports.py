#!/usr/bin/env python3
"""libhelby exports its API and nothing else.

Usage: check_exports.py INCLUDE_DIR READELF LIBRARY [CC [CC_ARGS...]]

The API is every helby_ name in the preprocessed public headers (helby/helby.h). A
shared library must export (dynamic symbol table) exactly the API functions and objects
it defines; a static archive must give them default visibility and every other global
symbol (src/lib/*_internal.h: helby_strmap_*, helby_buf_*, ...) hidden visibility, so the
shared library built from the same objects hides them.
"""
import re
import subprocess
import sys

LINKER_SYMBOLS = {'_init', '_fini', '_edata', '_end', '__bss_start'}
# AddressSanitizer adds an ODR indicator beside each exported global object.
TOOL_PREFIXES = ('__odr_asan',)


def api_names(include_dir, cc):
    out = subprocess.run(cc + ['-E', '-P', '-I' + include_dir, '-x', 'c', '-'],
                         input='#include "helby/helby.h"\n', stdout=subprocess.PIPE,
                         check=True, text=True).stdout
    return set(re.findall(r'\bhelby_\w+', out))


def symbols(readelf, lib, dynamic):
    """(name, bind, visibility) of every defined function or object symbol."""
    out = subprocess.run([readelf, '-W', '--dyn-syms' if dynamic else '--syms', lib],
                         stdout=subprocess.PIPE, check=True, text=True).stdout
    rows = []
    for line in out.splitlines():
        f = line.split()
        # Num: Value Size Type Bind Vis Ndx Name
        if len(f) >= 8 and f[0].endswith(':') and f[3] in ('FUNC', 'OBJECT') \
                and f[6] != 'UND':
            rows.append((f[7].split('@')[0], f[4], f[5]))
    return rows


def main():
    include_dir, readelf, lib = sys.argv[1:4]
    api = api_names(include_dir, sys.argv[4:] or ['cc'])
    shared = '.so' in lib
    if shared:
        exported = {n for n, b, v in symbols(readelf, lib, True) if b in ('GLOBAL', 'WEAK')}
        defined = {n for n, b, v in symbols(readelf, lib, False)}
    else:
        rows = [r for r in symbols(readelf, lib, False) if r[1] in ('GLOBAL', 'WEAK')]
        exported = {n for n, b, v in rows if v == 'DEFAULT'}
        defined = {n for n, b, v in rows}
    leaked = sorted(n for n in exported - api - LINKER_SYMBOLS
                    if not n.startswith(TOOL_PREFIXES))
    missing = sorted((defined & api) - exported)
    hidden = sorted(defined - exported - api)
    print('%s: %d API symbols exported, %d internal symbols hidden'
          % (lib, len(exported & api), len([n for n in hidden if n.startswith('helby_')])))
    if leaked:
        print('exported but not in include/helby: ' + ', '.join(leaked))
    if missing:
        print('in include/helby but not exported: ' + ', '.join(missing))
    if not exported & api:
        print('no API symbol found: wrong file?')
        return 1
    return 1 if leaked or missing else 0


if __name__ == '__main__':
    sys.exit(main())
