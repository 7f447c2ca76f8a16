#!/usr/bin/env python3
"""`meson install` gives a library another program can build against with pkg-config.

Usage: test_install.py MESON BUILD_DIR SOURCE_DIR DEFAULT_LIBRARY B_SANITIZE PKG_CONFIG CC...

Installs the build into a temporary DESTDIR, checks that the headers of include/helby, the
library, the helby program and helby.pc are there, then compiles tests/install/example.c
with the flags `pkg-config helby` gives (--static for a static library) and runs it on the
example survey: its row and group counts must equal this script's own count of the file.
"""
import collections
import csv
import os
import shutil
import subprocess
import sys
import tempfile

SKIP = 77


def run(cmd, env=None, **kw):
    r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, **kw)
    if r.returncode != 0:
        print('$ ' + ' '.join(cmd) + '\n' + r.stdout)
        raise SystemExit('install test: command failed (exit %d)' % r.returncode)
    return r.stdout


def find(root, name):
    for d, _, files in os.walk(root):
        if name in files:
            return os.path.join(d, name)
    raise SystemExit('install test: %s was not installed' % name)


def expected_lines(csv_path):
    """The example program's output, counted here with Python's csv module."""
    with open(csv_path, encoding='utf-8-sig', newline='') as f:
        rows = list(csv.DictReader(f, delimiter=';'))
    waves = collections.Counter(r['wave'] for r in rows)
    groups = collections.Counter(int(r['origin']) for r in rows)
    return (['copenhagen %s %d' % w for w in sorted(waves.items())]
            + ['group %d %d' % g for g in sorted(groups.items())])


def build_and_run(cc, flags, libs, env, work, src, name):
    exe = os.path.join(work, name)
    run(cc + ['-std=c11', '-pedantic', '-Wall', '-Wextra', '-Werror'] + flags
        + [os.path.join(src, 'tests', 'install', 'example.c'), '-o', exe] + libs)
    survey = os.path.join(src, 'surveys', 'copenhagen')
    data = os.path.join(survey, 'example', 'wave_2011.csv')
    got = run([exe, survey, data], env=env).splitlines()
    want = expected_lines(data)
    if got != want:
        raise SystemExit('install test (%s): got %r, expected %r' % (name, got, want))
    print('%s: %s' % (name, '; '.join(got)))


def main():
    meson, build, src, default_library, sanitize, pkg_config = sys.argv[1:7]
    cc = sys.argv[7:]
    with tempfile.TemporaryDirectory(prefix='helby-install-') as dest:
        run([meson, 'install', '-C', build, '--no-rebuild', '--quiet', '--destdir', dest])
        pc = find(dest, 'helby.pc')
        prefix = next(l.split('=', 1)[1].strip() for l in open(pc, encoding='utf-8')
                      if l.startswith('prefix='))
        root = dest + prefix
        find(root, 'helby')
        inc = os.path.join(root, 'include', 'helby')
        want = sorted(h for h in os.listdir(os.path.join(src, 'include', 'helby'))
                      if h.endswith('.h'))
        if not os.path.isdir(inc) or sorted(os.listdir(inc)) != want:
            raise SystemExit('install test: installed headers %s, expected %s (list them in '
                             'include/helby/meson.build)' % (
                                 sorted(os.listdir(inc)) if os.path.isdir(inc) else [], want))
        env = dict(os.environ, PKG_CONFIG_PATH=os.path.dirname(pc))
        pkg = [pkg_config, '--define-variable=prefix=' + root]
        cflags = run(pkg + ['--cflags', 'helby'], env=env).split()
        # Sanitizer builds: the library needs the sanitizer runtime of the program.
        if sanitize != 'none':
            cflags.append('-fsanitize=' + sanitize)
        libdir = os.path.dirname(os.path.dirname(pc))  # LIBDIR/pkgconfig/helby.pc
        run_env = dict(os.environ, LD_LIBRARY_PATH=libdir)
        if default_library in ('shared', 'both'):
            libs = run(pkg + ['--libs', 'helby'], env=env).split()
            build_and_run(cc, cflags, libs, run_env, dest, src, 'shared')
        if default_library in ('static', 'both'):
            libs = run(pkg + ['--libs', '--static', 'helby'], env=env).split()
            # With both installed the linker prefers libhelby.so: name the archive.
            libs = [os.path.join(libdir, 'libhelby.a') if l == '-lhelby' else l for l in libs]
            build_and_run(cc, cflags, libs, run_env, dest, src, 'static')
    return 0


if __name__ == '__main__':
    if shutil.which(sys.argv[6]) is None:
        print('install test: %s not found' % sys.argv[6])
        sys.exit(SKIP)
    sys.exit(main())
