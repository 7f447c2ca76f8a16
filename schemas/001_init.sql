-- 001_init.sql — the first schema of a helby store.
-- Applied in one transaction; PRAGMA user_version is set to 1 by the engine.
--
-- Answers are stored column-wise: one row per (wave, variable) holding the
-- whole column as a BLOB (little-endian IEEE-754 doubles for numeric
-- variables, NUL-separated UTF-8 for text; codes that fit are kept as 16-bit
-- integers, a quarter of the size, with -32768 for an empty cell).
-- scripts/bench measures this against
-- a long (respondent, item, value) table and a wide table: loading a
-- 1,000,000-respondent wave is a few large BLOB reads instead of 13 million
-- row visits.

CREATE TABLE survey (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,           -- survey id from survey.ini
    def_hash    TEXT NOT NULL REFERENCES definition(hash),
    added_at    TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- Every definition a survey has had, by content hash, so any run or import
-- can name (and recover) the exact definition it used.
CREATE TABLE definition (
    hash        TEXT PRIMARY KEY,               -- SHA-256 of blob
    survey_name TEXT NOT NULL,
    blob        BLOB NOT NULL,                  -- canonical serialized definition
    added_at    TEXT NOT NULL
);

CREATE TABLE import (
    id          INTEGER PRIMARY KEY,
    survey_id   INTEGER NOT NULL REFERENCES survey(id),
    file_name   TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    bytes       INTEGER NOT NULL,
    n_rows      INTEGER NOT NULL,
    wave        INTEGER NOT NULL,
    def_hash    TEXT NOT NULL REFERENCES definition(hash),
    dialect     TEXT NOT NULL,                  -- e.g. "delimiter=; decimal=, encoding=utf-8 bom crlf"
    engine      TEXT NOT NULL,                  -- helby version that imported it
    imported_at TEXT NOT NULL,
    replaced_by INTEGER REFERENCES import(id)   -- set when a later import replaced this wave
);
CREATE INDEX import_by_hash ON import(survey_id, sha256);

CREATE TABLE wave (
    id          INTEGER PRIMARY KEY,
    survey_id   INTEGER NOT NULL REFERENCES survey(id),
    wave        INTEGER NOT NULL,
    import_id   INTEGER NOT NULL REFERENCES import(id),
    n_rows      INTEGER NOT NULL,
    UNIQUE (survey_id, wave)
);

CREATE TABLE wave_column (
    id          INTEGER PRIMARY KEY,            -- a rowid, so columns stream with sqlite3_blob_read
    wave_id     INTEGER NOT NULL REFERENCES wave(id) ON DELETE CASCADE,
    variable    TEXT NOT NULL,
    position    INTEGER NOT NULL,               -- column order in the imported file
    kind        INTEGER NOT NULL CHECK (kind IN (0, 1, 2)),  -- 0 float64 LE, 1 text, 2 int16 LE
    n           INTEGER NOT NULL,
    data        BLOB NOT NULL,
    UNIQUE (wave_id, variable)
);
