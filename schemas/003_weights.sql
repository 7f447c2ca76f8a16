-- 003_weights.sql — named weight sets (issue 6): weights calibrated to register margins,
-- one row per survey x name x wave, with the method and margins that made them (a
-- canonical "key=value;..." spec), the SHA-256 of the wave's input file they were computed
-- from, the weights themselves (little-endian doubles in the wave's row order) with their
-- SHA-256, and the diagnostics. Runs name the weight set in their options and inputs.

CREATE TABLE weight_set (
    id          INTEGER PRIMARY KEY,
    survey_id   INTEGER NOT NULL REFERENCES survey(id),
    name        TEXT NOT NULL,
    wave        INTEGER NOT NULL,
    def_hash    TEXT NOT NULL REFERENCES definition(hash),
    spec        TEXT NOT NULL,
    input_sha256 TEXT NOT NULL,
    n           INTEGER NOT NULL,
    weights     BLOB NOT NULL,
    weights_sha256 TEXT NOT NULL,
    diagnostics TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (survey_id, name, wave)
);
