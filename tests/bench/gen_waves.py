#!/usr/bin/env python3
"""Response files for the user's-path benchmark (scripts/bench-user); never a test.

    gen_waves.py OUTDIR [--waves 2011,...,2015] [--strata 50] [--psus 40] [--per-psu 100]

Writes OUTDIR/wave_W.csv as a city exports them and the example survey reads them (';',
decimal comma, UTF-8 BOM, CRLF; the columns of surveys/copenhagen/codebook.csv without fpc):
per wave `strata` strata of `psus` PSUs of `per_psu` respondents (default 50 x 40 x 100 =
200,000). Stratum and PSU ids repeat in every wave (S01, S01-P01, ...), as they would when a
city reuses its sampling frame: waves are independent samples, so both helby and the R side
must take strata and PSUs within wave. Origin varies within PSUs, so the group domains cut
across PSUs; a PSU effect shared by all items makes the design effect visible. About 5 % of
every item is a missing code and 2 % an empty cell. Deterministic (seeded per wave).
"""
import argparse
import os
import random

# Items of the codebook: name, min, max, reversed; missing codes are 8|9, or 98|99 for 0-10.
ITEMS = [("disk_12m", 1, 2, False), ("disk_arbejde", 1, 4, True),
         ("disk_offentlig", 1, 4, True), ("indfl_lokal", 1, 5, False),
         ("indfl_kommune", 1, 5, False), ("indfl_folketing", 0, 10, False),
         ("tillid_naboer", 0, 10, False), ("tillid_politi", 1, 5, False),
         ("tillid_kommune", 1, 4, False), ("tryg_dag", 1, 4, True), ("tryg_aften", 1, 5, True),
         ("tryg_kvarter", 0, 10, False), ("tryg_kriminalitet", 1, 2, False)]
HEADER = ["resp_id", "wave", "stratum", "psu", "weight", "origin", "district", "sex",
          "ageband"] + [i[0] for i in ITEMS]


def gen_wave(path, wave, n_strata, n_psus, per_psu):
    rng = random.Random(20110000 + wave)
    rnd = rng.random
    out = open(path, "wb")
    out.write(b"\xef\xbb\xbf" + ";".join(HEADER).encode() + b"\r\n")
    serial = 0
    t = wave - 2011
    for s in range(n_strata):
        district = 1 + s % 10
        p_minor = 0.15 + 0.5 * (s % 7) / 6          # share of minorities in the stratum
        base_w = 40.0 + 7.0 * (s % 13)
        for p in range(n_psus):
            u = (rnd() - 0.5) * 0.6                   # PSU effect on the latent score
            w_psu = base_w * (0.7 + 0.6 * rnd())
            prefix = "%d;S%02d;S%02d-P%02d;" % (wave, s + 1, s + 1, p + 1)
            lines = []
            for _ in range(per_psu):
                serial += 1
                minor = rnd() < p_minor
                origin = (2 if rnd() < 0.35 else 3) if minor else 1
                # Minorities start lower and catch up wave by wave.
                lat = u + (0.05 if origin == 1 else -0.25 + 0.06 * t) + (rnd() - 0.5)
                w = w_psu * (0.9 + 0.2 * rnd())
                f = ["%d-%07d" % (wave, serial), prefix[:-1],
                     ("%.4f" % w).replace(".", ","), str(origin), str(district),
                     "1" if rnd() < 0.49 else "2", str(1 + int(rnd() * 4))]
                for _name, lo, hi, rev in ITEMS:
                    r = rnd()
                    if r < 0.02:
                        f.append("")
                    elif r < 0.07:
                        f.append("98" if hi == 10 else "8")
                    else:
                        x = 0.5 + 0.45 * lat + 0.35 * (rnd() - 0.5)
                        k = int(x * (hi - lo + 1))
                        k = 0 if k < 0 else (hi - lo if k > hi - lo else k)
                        f.append(str(hi - k if rev else lo + k))
                lines.append(";".join(f))
            out.write(("\r\n".join(lines) + "\r\n").encode())
    out.close()
    return serial


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir")
    ap.add_argument("--waves", default="2011,2012,2013,2014,2015")
    ap.add_argument("--strata", type=int, default=50)
    ap.add_argument("--psus", type=int, default=40)
    ap.add_argument("--per-psu", type=int, default=100)
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    for w in (int(x) for x in a.waves.split(",")):
        gen_wave(os.path.join(a.outdir, "wave_%d.csv" % w), w, a.strata, a.psus, a.per_psu)


if __name__ == "__main__":
    main()
