/* cli.h — what the command files of the helby program share. */
#ifndef HELBY_CLI_H
#define HELBY_CLI_H

#include <stdio.h>

#include "helby/error.h"
#include "helby/store.h"
#include "helby/design.h"
#include "helby/survey.h"
#include "helby/tables.h"
#include "output.h"

#ifndef HELBY_VERSION
#define HELBY_VERSION "0.0.0"
#endif

/* Options every command accepts. */
typedef struct cli_global {
    const char *db;   /* --db, else $HELBY_DB, else helby.db */
    int quiet;        /* --quiet: no summaries on stdout */
    int csv_raw;      /* --csv-raw: CSV text cells as they are (no leading ' on =, +, -, @) */
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
/* 0 when out_path (may be NULL) is not the store of g; else a usage error (1): an output
 * written over the store would replace it. */
int cli_not_the_store(const cli_global *g, const char *cmd, const char *out_path);
/* A usage error: one line and a hint to --help. Returns 1. */
int cli_usage(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Bad input named on the command line (a variable, measure or margin the survey does not
 * have as the option asks): one line "helby CMD: message". Returns 2, as cli_fail does for
 * the library's HELBY_EINPUT. */
int cli_input(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Open the store named by the global options. Prints the error itself and
 * returns the exit code (0 on success). */
int cli_open_store(cli_global *g, helby_open_mode mode, helby_store **st);
/* --share-df's value (domain or design) into *out; a usage error of cmd (1) otherwise. */
int cli_share_df(const char *cmd, const char *arg, helby_share_df *out);
/* A wave as text output names it (issue 24 item 5): "201506 (Forår 2015)" where the
 * codebook labels the code (in lang; NULL: the survey's language), else "201506"; into buf,
 * which it returns. Tables add a wave_label column instead (out_begin_waves). */
const char *cli_wave_name(const helby_survey *s, long wave, const char *lang, char *buf, size_t n);
/* 1 if stderr is a terminal (progress is shown only then). */
int cli_stderr_is_tty(void);

int cmd_init(cli_global *g, int argc, char **argv);
void help_init(FILE *out);
int cmd_survey(cli_global *g, int argc, char **argv);
void help_survey(FILE *out);
int cmd_import(cli_global *g, int argc, char **argv);
void help_import(FILE *out);
int cmd_wave(cli_global *g, int argc, char **argv);
void help_wave(FILE *out);
int cmd_estimate(cli_global *g, int argc, char **argv);
/* estimate --change FROM:TO (cmd_estimate_change.c): the option's two waves (-1 unless
 * "W1:W2" with two different whole numbers), and the table of changes. */
int est_parse_change(const char *arg, long *from, long *to);
void est_print_changes(const helby_survey *s, const helby_estimate_table *t,
                       const helby_change_table *c, const char *const *names, const char *lang,
                       out_format format);
void help_estimate(FILE *out);
int cmd_table(cli_global *g, int argc, char **argv);
void help_table(FILE *out);
/* compare --by (cmd_compare_by.c): each measure within each level of `by`. */
int cli_compare_by(helby_store *st, const helby_survey *s, helby_compare_request *req,
                   const char *by, const char *const *measures, size_t n_measures,
                   out_format format, const char *lang);
int cmd_compare(cli_global *g, int argc, char **argv);
void help_compare(FILE *out);
int cmd_regress(cli_global *g, int argc, char **argv);
void help_regress(FILE *out);
int cmd_explain(cli_global *g, int argc, char **argv);
void help_explain(FILE *out);
int cmd_sensitivity(cli_global *g, int argc, char **argv);
void help_sensitivity(FILE *out);
int cmd_reliability(cli_global *g, int argc, char **argv);
void help_reliability(FILE *out);
int cmd_compute(cli_global *g, int argc, char **argv);
void help_compute(FILE *out);
int cmd_runs(cli_global *g, int argc, char **argv);
void help_runs(FILE *out);
int cmd_weight(cli_global *g, int argc, char **argv);
void help_weight(FILE *out);
int cmd_weight_export(cli_global *g, int argc, char **argv); /* cmd_export.c */
int cmd_export(cli_global *g, int argc, char **argv);
/* The versions of a survey's weight sets (all, or of `name`) and the runs that used each. */
int cli_weight_versions(cli_global *g, const char *survey, const char *name);
void help_export(FILE *out);
int cmd_report(cli_global *g, int argc, char **argv);
void help_report(FILE *out);
int cmd_barometer(cli_global *g, int argc, char **argv);
void help_barometer(FILE *out);

#endif
