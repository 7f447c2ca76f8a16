-- 006_run_dropped.sql — a run made by mistake can be dropped (`helby runs drop N`, issue 24
-- item 2). Its estimates go; its number, survey, result hash and the time it was dropped stay
-- here, so that the number is never given to another run (a report that cites "run 3" never
-- comes to mean another run) and `report --run 3` can say what became of it.
CREATE TABLE run_dropped (
    id          INTEGER PRIMARY KEY,
    survey_id   INTEGER NOT NULL REFERENCES survey(id),
    result_hash TEXT NOT NULL,
    dropped_at  TEXT NOT NULL
);
