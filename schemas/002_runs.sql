-- 002_runs.sql — computed runs with their provenance (issue 5).
-- A run records what it was computed from (definition hash, the SHA-256 of every input
-- file, engine version), how (canonical options, seed), and what came out (every estimate,
-- and a SHA-256 over their exact bits, so a rerun can prove it reproduced the run).

CREATE TABLE run (
    id          INTEGER PRIMARY KEY,
    survey_id   INTEGER NOT NULL REFERENCES survey(id),
    def_hash    TEXT NOT NULL REFERENCES definition(hash),
    engine      TEXT NOT NULL,
    options     TEXT NOT NULL,   -- canonical "key=value;..." in a fixed order
    seed        INTEGER NOT NULL,
    inputs      TEXT NOT NULL,   -- "2011=sha256;2012=sha256;..." of the waves used
    result_hash TEXT NOT NULL,   -- SHA-256 of the estimates, bit for bit
    n_estimates INTEGER NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE run_estimate (
    run_id      INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    measure     TEXT NOT NULL,
    domain      TEXT NOT NULL,   -- "group=1,wave=2011,district=3" (codes), "" for all
    estimate    REAL, se REAL, ci_low REAL, ci_high REAL, df REAL, deff REAL,
    n           INTEGER NOT NULL,
    flag        TEXT NOT NULL,
    PRIMARY KEY (run_id, position)
) WITHOUT ROWID;
