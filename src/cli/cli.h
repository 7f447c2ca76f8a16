/* cli.h — what the command files of the helby program share. */
#ifndef HELBY_CLI_H
#define HELBY_CLI_H

#include <stdio.h>

#include "helby/error.h"
#include "helby/store.h"
#include "helby/design.h"
#include "helby/survey.h"

#ifndef HELBY_VERSION
#define HELBY_VERSION "0.0.0"
#endif

/* Options every command accepts. */
typedef struct cli_global {
    const char *db;   /* --db, else $HELBY_DB, else helby.db */
    int quiet;        /* --quiet: no summaries on stdout */
    const char *prog; /* argv[0] basename */
} cli_global;

typedef struct cli_command {
    const char *name;
    const char *summary;
    int (*run)(cli_global *g, int argc, char **argv);
    void (*help)(FILE *out);
} cli_command;

/* One line on stderr: "helby: file:line:col: var: message". Returns the exit code. */
int cli_fail(const helby_error *err);
/* A usage error: one line and a hint to --help. Returns 1. */
int cli_usage(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Open the store named by the global options. Prints the error itself and
 * returns the exit code (0 on success). */
int cli_open_store(cli_global *g, helby_open_mode mode, helby_store **st);
/* 1 if stderr is a terminal (progress is shown only then). */
int cli_stderr_is_tty(void);

/* Design columns and analysis variables of several waves, concatenated
 * (cmd_estimate.c). Strata and PSUs are keyed within wave. */
typedef struct data {
    size_t n;
    double *w, *fpc;
    size_t *strata, *psus;
    char **stratum_names;
    size_t n_strata;
    double **cols;     /* one per entry of vars, as stored (codes, NaN) */
    const char **vars;
    size_t n_vars;
    size_t n_waves;    /* the waves loaded, in order: rows wave_first[i] .. + wave_rows[i] */
    long *wave_ids;
    size_t *wave_first, *wave_rows;
} data;

/* Fill D for the waves given; D->vars / D->n_vars must be set. 0 on success. */
int cli_load_data(helby_store *st, const helby_survey *s, const long *waves, size_t nw, data *D,
                  helby_error *err);
void cli_free_data(data *D);
/* The survey's design over D (lonely-PSU rule from survey.ini). */
helby_status cli_design(const helby_survey *s, const data *D, helby_design **out,
                        helby_error *err);

/* Columns a measure (index, dimension, share or item) needs, into load (room entries);
 * returns how many, or -1 for an unknown measure (cmd_compare.c). */
int cli_measure_columns(const helby_survey *s, const char *name, const char **load, size_t room);
/* The measure per respondent (NaN = missing) from D->cols[col0...]. 0 on success. */
int cli_measure_values(const helby_survey *s, const char *name, const data *D, size_t col0,
                       double *y, helby_error *err);

/* Weight set `name` applied to D (cli_weights.c): each wave's weights are recomputed from
 * the stored spec and base weights and must equal the stored ones bit for bit; then the
 * design gets the calibration residuals and, when *rep is not NULL, the replicates are
 * re-calibrated (replacing *rep). Appends ";weights/W=sha256" per wave to inputs. */
int cli_weights_apply(helby_store *st, const helby_survey *s, const char *name, const data *D,
                      helby_design *d, helby_replicates **rep, char *inputs, size_t n_inputs,
                      helby_error *err);

int cmd_init(cli_global *g, int argc, char **argv);
void help_init(FILE *out);
int cmd_survey(cli_global *g, int argc, char **argv);
void help_survey(FILE *out);
int cmd_import(cli_global *g, int argc, char **argv);
void help_import(FILE *out);
int cmd_estimate(cli_global *g, int argc, char **argv);
void help_estimate(FILE *out);
int cmd_compare(cli_global *g, int argc, char **argv);
void help_compare(FILE *out);
int cmd_reliability(cli_global *g, int argc, char **argv);
void help_reliability(FILE *out);
int cmd_compute(cli_global *g, int argc, char **argv);
void help_compute(FILE *out);
int cmd_runs(cli_global *g, int argc, char **argv);
void help_runs(FILE *out);
int cmd_weight(cli_global *g, int argc, char **argv);
void help_weight(FILE *out);
int cmd_report(cli_global *g, int argc, char **argv);
void help_report(FILE *out);
int cmd_barometer(cli_global *g, int argc, char **argv);
void help_barometer(FILE *out);

#endif
