-- 004_codes.sql — design codes computed once, at import (stratum and PSU columns).
-- Estimation numbers every respondent's stratum and PSU within its wave; doing that from
-- the answers means formatting and hashing a string per row (most of `helby estimate`'s
-- time on 1,000,000 respondents). Here each such column of a wave is kept factorized:
-- `codes` holds n little-endian uint32, one per row in the wave's row order, numbered
-- 0..n_levels-1 by first appearance; `labels` holds the n_levels level labels in code
-- order, each NUL-terminated UTF-8: "%g" of the number for a numeric column ("nan" for an
-- empty cell), the text itself for a text column. The codes are a cache of wave_column:
-- a reader that finds none computes the same from the column. Stores upgraded to this
-- version get the codes of their existing waves in the same transaction (store.c).

CREATE TABLE wave_codes (
    id          INTEGER PRIMARY KEY,            -- a rowid, so codes stream with sqlite3_blob_read
    wave_id     INTEGER NOT NULL REFERENCES wave(id) ON DELETE CASCADE,
    variable    TEXT NOT NULL,
    n           INTEGER NOT NULL,
    n_levels    INTEGER NOT NULL,
    codes       BLOB NOT NULL,                  -- n uint32 LE
    labels      BLOB NOT NULL,                  -- n_levels NUL-terminated labels
    UNIQUE (wave_id, variable)
);
