-- 005_weight_versions.sql — weight sets are versioned (issue 15). `weight create --replace`
-- used to delete the weights a run had used, so that run could never be rerun. Now the
-- replaced row of weight_set moves here first, numbered per survey x name x wave (1 = the
-- first made); weight_set keeps holding the current version only, so stores read by older
-- queries see what they always saw. A run records each wave's weights_sha256 among its inputs
-- (";weights/WAVE=sha256"); a rerun finds that version by hash in either table.

CREATE TABLE weight_set_version (
    id          INTEGER PRIMARY KEY,
    survey_id   INTEGER NOT NULL REFERENCES survey(id),
    name        TEXT NOT NULL,
    wave        INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    def_hash    TEXT NOT NULL REFERENCES definition(hash),
    spec        TEXT NOT NULL,
    input_sha256 TEXT NOT NULL,
    n           INTEGER NOT NULL,
    weights     BLOB NOT NULL,
    weights_sha256 TEXT NOT NULL,
    diagnostics TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    replaced_at TEXT NOT NULL,
    UNIQUE (survey_id, name, wave, version)
);
CREATE INDEX weight_set_version_by_hash ON weight_set_version(survey_id, name, wave,
                                                              weights_sha256);
