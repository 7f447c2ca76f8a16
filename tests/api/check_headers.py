#!/usr/bin/env python3
"""Every public header compiles on its own, twice in a row, with strict warnings.

Usage: check_headers.py INCLUDE_DIR CC [CC_ARGS...]

For each include/helby/*.h a translation unit holding only `#include "helby/X.h"` (twice,
for the include guard) is compiled with -std=c11 -pedantic -Werror -Wall -Wextra (dav1d's
tests/header_test.c and libgit2's tests/headertest do the same): a header that uses size_t,
FILE or another module's type without including what declares it fails here. helby.h must
include every other header. A header made to miss <stddef.h> must fail, which shows the
check can fail.
"""
import os
import re
import subprocess
import sys
import tempfile

FLAGS = ['-std=c11', '-pedantic', '-Werror', '-Wall', '-Wextra', '-Wstrict-prototypes',
         '-Wundef']


def compiles(cc, include_dirs, text, work, name):
    src = os.path.join(work, name + '.c')
    with open(src, 'w', encoding='utf-8') as f:
        f.write(text)
    cmd = cc + FLAGS + ['-I' + d for d in include_dirs] + ['-c', src, '-o', src + '.o']
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return r.returncode == 0, r.stdout


def unit(header):
    inc = '#include "helby/%s"\n' % header
    # Something after the header: ISO C forbids an empty translation unit.
    return inc + inc + 'typedef int header_test_nonempty;\n'


def main():
    include_dir, cc = sys.argv[1], sys.argv[2:]
    headers = sorted(h for h in os.listdir(os.path.join(include_dir, 'helby'))
                     if h.endswith('.h'))
    failed = []
    with tempfile.TemporaryDirectory(prefix='helby-headers-') as work:
        for h in headers:
            ok, out = compiles(cc, [include_dir], unit(h), work, h[:-2])
            print('%-12s %s' % (h, 'ok' if ok else 'FAILS ALONE'))
            if not ok:
                print(out)
                failed.append(h)
        # The negative control: a header that uses size_t without <stddef.h>.
        os.mkdir(os.path.join(work, 'helby'))
        with open(os.path.join(work, 'helby', 'broken.h'), 'w', encoding='utf-8') as f:
            f.write('#ifndef BROKEN_H\n#define BROKEN_H\nsize_t broken(void);\n#endif\n')
        ok, _ = compiles(cc, [work], unit('broken.h'), work, 'broken')
        if ok:
            failed.append('the control (a header missing <stddef.h> compiled)')
    umbrella = open(os.path.join(include_dir, 'helby', 'helby.h'), encoding='utf-8').read()
    listed = set(re.findall(r'^#include "helby/([a-z_]+\.h)"', umbrella, re.M))
    for h in headers:
        if h != 'helby.h' and h not in listed:
            failed.append('helby.h does not include %s' % h)
    if failed:
        print('header test failed: ' + '; '.join(failed))
        return 1
    print('%d headers compile alone' % len(headers))
    return 0


if __name__ == '__main__':
    sys.exit(main())
