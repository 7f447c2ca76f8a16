/* cmd_weight.c — helby weight (named weight sets calibrated to the survey's register
 * margins, per wave) and cli_weights_apply (their use by compute and estimate). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "helby/csv.h"
#include "helby/weight.h"

#define MAX_MARGINS 16

void help_weight(FILE *out)
{
    fprintf(out,
            "Usage: helby weight create --survey ID --name NAME [OPTIONS]\n"
            "       helby weight list --survey ID\n"
            "       helby weight show --survey ID --name NAME [--format text|json]\n\n"
            "Weight each wave to the population totals of the survey's margins/W.csv and keep\n"
            "the result as a named weight set: the method, margins and bounds, the weights, and\n"
            "their diagnostics. `helby compute --weights NAME` and `helby estimate --weights\n"
            "NAME` use it (STATISTICS.md §6): the weights are recomputed from the spec and must\n"
            "agree bit for bit, the variance takes the calibration residuals, and replicate\n"
            "designs are re-calibrated replicate by replicate.\n\n"
            "  -s, --survey ID      the survey\n"
            "  -n, --name NAME      the weight set's name ([A-Za-z0-9_-], e.g. raked)\n"
            "  -m, --method M       poststratify (one margin, may be crossed), rake (default),\n"
            "                       linear, raking or logit (calibration distances)\n"
            "      --margins A,B    margins of margins/W.csv to meet, e.g.\n"
            "                       district,origin,sex*ageband (default: all of them)\n"
            "      --waves W,...    waves to weight (default: every stored wave)\n"
            "      --bounds L,U     bounds on g = weight / base weight (linear, raking, logit;\n"
            "                       logit needs them)\n"
            "      --trim L,U       afterwards cap weights at [L, U], spreading the excess\n"
            "                       evenly (R trimWeights); --trim-strict repeats until none\n"
            "                       is outside\n"
            "      --epsilon E      convergence: every |total - target| / (1 + target) < E\n"
            "                       (default 1e-10)\n"
            "      --maxit N        iterations (default 100)\n"
            "      --replace        replace the weight set's existing waves\n\n"
            "Diagnostics per wave: weights and g-weights (min, quartiles, max), Kish effective\n"
            "n, weighting design effect 1 + CV^2, iterations, the largest remaining margin\n"
            "discrepancy, and a warning when the weights look extreme.\n\n"
            "Example:\n"
            "  helby --db city.db weight create --survey copenhagen --name raked \\\n"
            "        --method rake --margins district,origin,sex*ageband\n"
            "  helby --db city.db compute --survey copenhagen --weights raked\n");
}

/* ---- The spec as canonical text ---- */

typedef struct wspec {
    helby_weight_spec spec;
    char names[MAX_MARGINS][64];
    size_t J;
} wspec;

static void spec_text(const wspec *w, char *out, size_t n)
{
    size_t o = (size_t)snprintf(out, n, "method=%s;margins=",
                                helby_weight_method_name(w->spec.method));
    for (size_t j = 0; j < w->J && o < n; j++)
        o += (size_t)snprintf(out + o, n - o, "%s%s", j ? "," : "", w->names[j]);
    if (o < n)
        snprintf(out + o, n - o, ";bounds=%.17g,%.17g;epsilon=%.17g;maxit=%d;trim=%.17g,%.17g;"
                 "strict=%d",
                 w->spec.lower, w->spec.upper, w->spec.epsilon, w->spec.maxit,
                 w->spec.trim_lower, w->spec.trim_upper, w->spec.trim_strict);
}

static int split_names(const char *list, wspec *w)
{
    w->J = 0;
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
        if (w->J == MAX_MARGINS || strlen(t) >= sizeof w->names[0])
            return -1;
        snprintf(w->names[w->J++], sizeof w->names[0], "%s", t);
    }
    return w->J ? 0 : -1;
}

static int parse_spec(const char *text, wspec *w)
{
    char method[32], margins[1024];
    helby_weight_spec_default(&w->spec);
    if (sscanf(text,
               "method=%31[^;];margins=%1023[^;];bounds=%lf,%lf;epsilon=%lf;maxit=%d;trim=%lf,%lf;"
               "strict=%d",
               method, margins, &w->spec.lower, &w->spec.upper, &w->spec.epsilon, &w->spec.maxit,
               &w->spec.trim_lower, &w->spec.trim_upper, &w->spec.trim_strict) != 9)
        return -1;
    if (!helby_weight_method_parse(method, &w->spec.method))
        return -1;
    return split_names(margins, w);
}

/* ---- One wave's margins: totals from the definition, levels from the wave's columns ---- */

typedef struct wave_margins {
    size_t J;
    helby_margin m[MAX_MARGINS];
    const char **names[MAX_MARGINS];
    double *totals[MAX_MARGINS];
    long *level[MAX_MARGINS];
    char mname[MAX_MARGINS][64];
} wave_margins;

static void wave_margins_free(wave_margins *M)
{
    for (size_t j = 0; j < M->J; j++) {
        free(M->names[j]);
        free(M->totals[j]);
        free(M->level[j]);
    }
    memset(M, 0, sizeof *M);
}

typedef struct lvl {
    const char *name;
    long index;
} lvl;

static int lvl_cmp(const void *a, const void *b)
{
    return strcmp(((const lvl *)a)->name, ((const lvl *)b)->name);
}

static const helby_margins *margins_of_wave(const helby_survey *s, long wave)
{
    for (size_t i = 0; i < s->n_margins; i++)
        if (s->margins[i].wave == wave)
            return &s->margins[i];
    return NULL;
}

/* The margins' names in margins/W.csv, in file order, into w (when --margins is not given). */
static int all_margin_names(const helby_margins *mg, wspec *w)
{
    w->J = 0;
    for (size_t c = 0; c < mg->n_cells; c++) {
        size_t j = 0;
        while (j < w->J && strcmp(w->names[j], mg->cells[c].variable))
            j++;
        if (j == w->J) {
            if (w->J == MAX_MARGINS)
                return -1;
            snprintf(w->names[w->J++], sizeof w->names[0], "%s", mg->cells[c].variable);
        }
    }
    return 0;
}

static int build_margin(helby_store *st, const helby_survey *s, long wave,
                        const helby_margins *mg, const char *name, size_t nrows,
                        wave_margins *M, helby_error *err)
{
    size_t j = M->J, L = 0;
    for (size_t c = 0; c < mg->n_cells; c++)
        L += !strcmp(mg->cells[c].variable, name);
    if (L == 0) {
        char have[512] = "";
        wspec all;
        all_margin_names(mg, &all);
        for (size_t i = 0, o = 0; i < all.J && o < sizeof have; i++)
            o += (size_t)snprintf(have + o, sizeof have - o, "%s%s", i ? ", " : "", all.names[i]);
        helby_error_set(err, HELBY_EUSAGE, "margins/%ld.csv has no margin '%s' (it has: %s)",
                        wave, name, have);
        return 1;
    }
    M->names[j] = malloc(L * sizeof *M->names[j]);
    M->totals[j] = malloc(L * sizeof *M->totals[j]);
    M->level[j] = malloc((nrows ? nrows : 1) * sizeof *M->level[j]);
    lvl *sorted = malloc(L * sizeof *sorted);
    M->J++;
    if (!M->names[j] || !M->totals[j] || !M->level[j] || !sorted) {
        free(sorted);
        helby_error_set(err, HELBY_ENOMEM, "out of memory");
        return 1;
    }
    for (size_t c = 0, l = 0; c < mg->n_cells; c++)
        if (!strcmp(mg->cells[c].variable, name)) {
            M->names[j][l] = mg->cells[c].level;
            M->totals[j][l] = mg->cells[c].total;
            sorted[l].name = mg->cells[c].level;
            sorted[l].index = (long)l;
            l++;
        }
    qsort(sorted, L, sizeof *sorted, lvl_cmp);
    /* The margin's variables: "sex*ageband" crosses sex and ageband. */
    const char *comp[8];
    char buf[64];
    size_t nc = 0;
    snprintf(buf, sizeof buf, "%s", name);
    for (char *t = strtok(buf, "*"); t && nc < 8; t = strtok(NULL, "*"))
        comp[nc++] = t;
    helby_frame *f = NULL;
    if (helby_store_load_wave(st, s->id, wave, comp, nc, &f, err)) {
        free(sorted);
        return 1;
    }
    int rc = 0;
    if (f->n_rows != nrows) {
        helby_error_set(err, HELBY_ESTORE, "wave %ld changed while reading it", wave);
        rc = 1;
    }
    size_t unknown = 0, first_unknown = 0;
    char key[256], first_key[256] = "";
    for (size_t r = 0; r < f->n_rows && !rc; r++) {
        size_t o = 0;
        int missing = 0;
        for (size_t c = 0; c < nc; c++) {
            double v = f->cols[c].is_text ? NAN : f->cols[c].num[r];
            missing |= isnan(v);
            o += (size_t)snprintf(key + o, sizeof key - o, "%s%.15g", c ? "*" : "", v);
        }
        lvl want = {key, 0}, *hit = NULL;
        if (!missing)
            hit = bsearch(&want, sorted, L, sizeof *sorted, lvl_cmp);
        M->level[j][r] = hit ? hit->index : -1;
        if (!hit && !missing && unknown++ == 0) {
            first_unknown = r;
            snprintf(first_key, sizeof first_key, "%s", key);
        }
    }
    if (!rc && unknown) {
        helby_error_set(err, HELBY_EINPUT,
                        "wave %ld: margin '%s': %zu respondent(s) have a level margins/%ld.csv "
                        "does not list (the first, row %zu, has '%s')",
                        wave, name, unknown, wave, first_unknown + 1, first_key);
        rc = 1;
    }
    snprintf(M->mname[j], sizeof M->mname[j], "%s", name);
    M->m[j].name = M->mname[j];
    M->m[j].n_levels = L;
    M->m[j].level_names = M->names[j];
    M->m[j].totals = M->totals[j];
    M->m[j].level = M->level[j];
    helby_frame_free(f);
    free(sorted);
    return rc;
}

static int wave_margins_build(helby_store *st, const helby_survey *s, long wave, wspec *w,
                              size_t nrows, wave_margins *M, helby_error *err)
{
    memset(M, 0, sizeof *M);
    const helby_margins *mg = margins_of_wave(s, wave);
    if (!mg) {
        helby_error_set(err, HELBY_EUSAGE,
                        "survey %s has no population totals for wave %ld: add margins/%ld.csv "
                        "to its definition",
                        s->id, wave, wave);
        return 1;
    }
    if (w->J == 0 && all_margin_names(mg, w)) {
        helby_error_set(err, HELBY_EUSAGE, "too many margins (at most %d)", MAX_MARGINS);
        return 1;
    }
    for (size_t j = 0; j < w->J; j++)
        if (build_margin(st, s, wave, mg, w->names[j], nrows, M, err))
            return 1;
    return 0;
}

/* ---- Diagnostics ---- */

static void diag_text(const helby_weight_diag *D, char *out, size_t n)
{
    size_t o = (size_t)snprintf(out, n,
                                "n=%zu\nsum_base=%.17g\nsum_weights=%.17g\nkish_n=%.17g\n"
                                "deff_w=%.17g\niterations=%d\nmax_discrepancy=%.17g\n"
                                "worst_cell=%s\ntotals_gap=%.17g\ntrimmed=%zu\n",
                                D->n, D->sum_base, D->sum_w, D->kish_n, D->deff_w, D->iterations,
                                D->max_discrepancy, D->worst_cell, D->totals_gap, D->n_trimmed);
    for (int i = 0; i < HELBY_WEIGHT_NQ && o < n; i++)
        o += (size_t)snprintf(out + o, n - o, "w_q%g=%.17g\n",
                              100 * helby_weight_quantile_points[i], D->w_q[i]);
    for (int i = 0; i < HELBY_WEIGHT_NQ && o < n; i++)
        o += (size_t)snprintf(out + o, n - o, "g_q%g=%.17g\n",
                              100 * helby_weight_quantile_points[i], D->g_q[i]);
    if (o < n)
        snprintf(out + o, n - o, "warning=%s\n", D->warning);
}

/* A value of the "key=value" diagnostics lines. */
static const char *diag_get(const char *text, const char *key, char *out, size_t n)
{
    size_t kl = strlen(key);
    for (const char *p = text; p && *p;) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len > kl && !strncmp(p, key, kl) && p[kl] == '=') {
            snprintf(out, n, "%.*s", (int)(len - kl - 1), p + kl + 1);
            return out;
        }
        p = e ? e + 1 : NULL;
    }
    snprintf(out, n, "%s", "");
    return out;
}

static double diag_num(const char *text, const char *key)
{
    char b[64];
    return strtod(diag_get(text, key, b, sizeof b), NULL);
}

static void print_diag_header(void)
{
    printf("%-6s %6s %9s %7s %7s %7s %7s %7s %9s %7s %5s %10s\n", "wave", "n", "kish n", "deff_w",
           "g min", "g q25", "g q50", "g q75", "g max", "w max", "iter", "max disc");
}

static void print_diag_row(const helby_weight_set_info *i)
{
    const char *d = i->diagnostics;
    printf("%-6ld %6lld %9.1f %7.3f %7.3f %7.3f %7.3f %7.3f %9.3f %7.1f %5.0f %10.2g\n", i->wave,
           (long long)i->n, diag_num(d, "kish_n"), diag_num(d, "deff_w"), diag_num(d, "g_q0"),
           diag_num(d, "g_q25"), diag_num(d, "g_q50"), diag_num(d, "g_q75"),
           diag_num(d, "g_q100"), diag_num(d, "w_q100"), diag_num(d, "iterations"),
           diag_num(d, "max_discrepancy"));
}

static void print_warnings(const helby_weight_set_info *i)
{
    char w[512];
    if (*diag_get(i->diagnostics, "warning", w, sizeof w))
        fprintf(stderr, "helby: warning: weight set '%s', wave %ld: %s\n", i->name, i->wave, w);
}

/* ---- helby weight create ---- */

static int valid_name(const char *n)
{
    if (!*n || strlen(n) >= 64)
        return 0;
    for (const char *p = n; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-'))
            return 0;
    return strcmp(n, "base") != 0;
}

static int parse_pair(const char *arg, double *a, double *b)
{
    char *end;
    *a = strtod(arg, &end);
    if (end == arg || *end != ',')
        return -1;
    const char *p = end + 1;
    *b = strtod(p, &end);
    return end == p || *end ? -1 : 0;
}

static int weight_create(cli_global *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"survey", required_argument, 0, 's'},  {"name", required_argument, 0, 'n'},
        {"method", required_argument, 0, 'm'},  {"margins", required_argument, 0, 'M'},
        {"waves", required_argument, 0, 'w'},   {"bounds", required_argument, 0, 'b'},
        {"trim", required_argument, 0, 't'},    {"trim-strict", no_argument, 0, 'T'},
        {"epsilon", required_argument, 0, 'e'}, {"maxit", required_argument, 0, 'i'},
        {"replace", no_argument, 0, 'r'},       {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *survey = NULL, *name = NULL, *margins = NULL, *wave_list = NULL;
    int replace = 0, c;
    wspec w;
    memset(&w, 0, sizeof w);
    helby_weight_spec_default(&w.spec);
    optind = 1;
    while ((c = getopt_long(argc, argv, "+:s:n:m:", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 's': survey = optarg; break;
        case 'n': name = optarg; break;
        case 'm':
            if (!helby_weight_method_parse(optarg, &w.spec.method))
                return cli_usage("weight", "--method: '%s' is not poststratify, rake, linear, "
                                           "raking or logit", optarg);
            break;
        case 'M': margins = optarg; break;
        case 'w': wave_list = optarg; break;
        case 'b':
            if (parse_pair(optarg, &w.spec.lower, &w.spec.upper))
                return cli_usage("weight", "--bounds: expected L,U (e.g. 0.5,3), not '%s'",
                                 optarg);
            break;
        case 't':
            if (parse_pair(optarg, &w.spec.trim_lower, &w.spec.trim_upper))
                return cli_usage("weight", "--trim: expected L,U weights, not '%s'", optarg);
            break;
        case 'T': w.spec.trim_strict = 1; break;
        case 'e':
            w.spec.epsilon = strtod(optarg, &end);
            if (*end || !(w.spec.epsilon > 0))
                return cli_usage("weight", "--epsilon: expected a number > 0, not '%s'", optarg);
            break;
        case 'i': {
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 100000)
                return cli_usage("weight", "--maxit: expected 1..100000, not '%s'", optarg);
            w.spec.maxit = (int)v;
            break;
        }
        case 'r': replace = 1; break;
        case 'h': help_weight(stdout); return 0;
        case ':': return cli_usage("weight", "option %s needs a value", argv[optind - 1]);
        default: return cli_usage("weight", "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage("weight", "unexpected argument '%s'", argv[optind]);
    if (!survey || !name)
        return cli_usage("weight", "create needs --survey and --name");
    if (!valid_name(name))
        return cli_usage("weight", "--name: '%s' must be 1-63 of A-Z a-z 0-9 _ - (and not "
                                   "'base')", name);
    if (margins && split_names(margins, &w))
        return cli_usage("weight", "--margins: expected up to %d names separated by commas",
                         MAX_MARGINS);
    helby_store *st;
    int rc = cli_open_store(g, HELBY_OPEN_EXISTING, &st);
    if (rc)
        return rc;
    helby_error err;
    helby_error_clear(&err);
    helby_survey *s = NULL;
    helby_wave_info *wi = NULL;
    size_t nw = 0;
    helby_weight_set_info *done = NULL;
    size_t n_done = 0;
    int began = 0;
    if (helby_store_get_survey(st, survey, &s, &err) ||
        helby_store_list_waves(st, survey, &wi, &nw, &err))
        goto fail;
    done = calloc(nw ? nw : 1, sizeof *done);
    if (!done) {
        helby_error_set(&err, HELBY_ENOMEM, "out of memory");
        goto fail;
    }
    if (helby_store_begin(st, &err))
        goto fail;
    began = 1;
    for (size_t i = 0; i < nw; i++) {
        if (wave_list) {
            char look[32];
            snprintf(look, sizeof look, "%ld", wi[i].wave);
            int want = 0;
            char buf[512];
            snprintf(buf, sizeof buf, "%s", wave_list);
            for (char *t = strtok(buf, ","); t; t = strtok(NULL, ","))
                want |= !strcmp(t, look);
            if (!want)
                continue;
        }
        const char *base_name = s->vars[s->weight_var].name;
        helby_frame *f = NULL;
        if (helby_store_load_wave(st, s->id, wi[i].wave, &base_name, 1, &f, &err))
            goto fail;
        wave_margins M;
        wspec wv = w;
        helby_weighting *W = NULL;
        if (wave_margins_build(st, s, wi[i].wave, &wv, f->n_rows, &M, &err) ||
            helby_weight_compute(&W, &wv.spec, f->n_rows, f->cols[0].num, M.m, M.J, &err)) {
            if (strncmp(err.message, "wave ", 5)) {
                char msg[sizeof err.message];
                int np = snprintf(msg, sizeof msg, "wave %ld: ", wi[i].wave);
                snprintf(msg + np, sizeof msg - (size_t)np, "%.*s", (int)(sizeof msg) - np - 1,
                         err.message);
                memcpy(err.message, msg, sizeof msg);
            }
            wave_margins_free(&M);
            helby_frame_free(f);
            goto fail;
        }
        helby_weight_set_info *info = &done[n_done++];
        memset(info, 0, sizeof *info);
        snprintf(info->name, sizeof info->name, "%s", name);
        info->wave = wi[i].wave;
        spec_text(&wv, info->spec, sizeof info->spec);
        snprintf(info->input_sha256, sizeof info->input_sha256, "%s", wi[i].sha256);
        info->n = (int64_t)f->n_rows;
        diag_text(helby_weighting_diag(W), info->diagnostics, sizeof info->diagnostics);
        helby_status r =
            helby_store_put_weights(st, s, info, helby_weighting_weights(W), replace, &err);
        helby_weighting_free(W);
        wave_margins_free(&M);
        helby_frame_free(f);
        if (r)
            goto fail;
    }
    if (n_done == 0) {
        helby_error_set(&err, HELBY_ENOTFOUND, "no stored wave matches --waves %s",
                        wave_list ? wave_list : "");
        goto fail;
    }
    /* One weight set, one spec: waves added later must be weighted the same way. */
    helby_weight_set_info *all = NULL;
    size_t na = 0;
    if (helby_store_list_weights(st, survey, &all, &na, &err))
        goto fail;
    for (size_t k = 0; k < na; k++)
        if (!strcmp(all[k].name, name) && strcmp(all[k].spec, done[0].spec)) {
            helby_error_set(&err, HELBY_EEXISTS,
                            "weight set '%s' has wave %ld made with another spec (%s); a weight "
                            "set is one method over its waves: use another name, or --replace "
                            "all its waves",
                            name, all[k].wave, all[k].spec);
            free(all);
            goto fail;
        }
    free(all);
    if (helby_store_commit(st, &err))
        goto fail;
    began = 0;
    if (!g->quiet) {
        printf("weight set '%s' of %s: %s\n", name, survey, done[0].spec);
        print_diag_header();
        for (size_t i = 0; i < n_done; i++)
            print_diag_row(&done[i]);
    }
    for (size_t i = 0; i < n_done; i++)
        print_warnings(&done[i]);
    free(done);
    free(wi);
    helby_survey_free(s);
    helby_store_close(st);
    return 0;
fail:
    if (began)
        helby_store_rollback(st);
    free(done);
    free(wi);
    helby_survey_free(s);
    helby_store_close(st);
    return cli_fail(&err);
}

/* ---- helby weight list / show ---- */

static int weight_list_show(cli_global *g, int argc, char **argv, int show)
{
    static const struct option opts[] = {{"survey", required_argument, 0, 's'},
                                         {"name", required_argument, 0, 'n'},
                                         {"format", required_argument, 0, 'f'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *survey = NULL, *name = NULL, *format = "text";
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+:s:n:f:", opts, NULL)) != -1) {
        switch (c) {
        case 's': survey = optarg; break;
        case 'n': name = optarg; break;
        case 'f': format = optarg; break;
        case 'h': help_weight(stdout); return 0;
        case ':': return cli_usage("weight", "option %s needs a value", argv[optind - 1]);
        default: return cli_usage("weight", "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage("weight", "unexpected argument '%s'", argv[optind]);
    if (!survey || (show && !name))
        return cli_usage("weight", show ? "show needs --survey and --name"
                                        : "list needs --survey");
    if (strcmp(format, "text") && strcmp(format, "json"))
        return cli_usage("weight", "--format: expected text or json, not '%s'", format);
    helby_store *st;
    int rc = cli_open_store(g, HELBY_OPEN_READONLY, &st);
    if (rc)
        return rc;
    helby_error err;
    helby_weight_set_info *all = NULL;
    size_t n = 0;
    if (helby_store_list_weights(st, survey, &all, &n, &err)) {
        helby_store_close(st);
        return cli_fail(&err);
    }
    helby_store_close(st);
    size_t shown = 0;
    int json = !strcmp(format, "json");
    if (json)
        printf("[");
    for (size_t i = 0; i < n; i++) {
        const helby_weight_set_info *w = &all[i];
        if (name && strcmp(w->name, name))
            continue;
        if (json) {
            printf("%s\n {\"name\": \"%s\", \"wave\": %ld, \"spec\": \"%s\", \"n\": %lld, "
                   "\"input_sha256\": \"%s\", \"weights_sha256\": \"%s\", \"created_at\": "
                   "\"%s\", \"diagnostics\": {",
                   shown ? "," : "", w->name, w->wave, w->spec, (long long)w->n, w->input_sha256,
                   w->weights_sha256, w->created_at);
            int first = 1;
            for (const char *p = w->diagnostics; *p;) {
                const char *e = strchr(p, '\n'), *eq = strchr(p, '=');
                size_t len = e ? (size_t)(e - p) : strlen(p);
                if (eq && eq < p + len) {
                    int kl = (int)(eq - p);
                    const char *v = eq + 1;
                    int vl = (int)(len - (size_t)kl - 1);
                    char *endp;
                    char tmp[128];
                    snprintf(tmp, sizeof tmp, "%.*s", vl, v);
                    double num = strtod(tmp, &endp);
                    if (vl > 0 && !*endp && isfinite(num))
                        printf("%s\"%.*s\": %s", first ? "" : ", ", kl, p, tmp);
                    else
                        printf("%s\"%.*s\": \"%s\"", first ? "" : ", ", kl, p, tmp);
                    first = 0;
                }
                p = e ? e + 1 : p + len;
            }
            printf("}}");
        } else {
            if (shown == 0 || (!show && strcmp(w->name, all[i - 1].name))) {
                printf("%sweight set '%s': %s\n", shown ? "\n" : "", w->name, w->spec);
                print_diag_header();
            }
            print_diag_row(w);
        }
        shown++;
    }
    if (json)
        printf("%s]\n", shown ? "\n" : "");
    else if (shown == 0 && !g->quiet)
        printf(name ? "no weight set '%s'\n" : "no weight sets\n", name);
    free(all);
    if (show && shown == 0) {
        helby_error_set(&err, HELBY_ENOTFOUND, "survey %s has no weight set '%s'", survey, name);
        return cli_fail(&err);
    }
    return 0;
}

int cmd_weight(cli_global *g, int argc, char **argv)
{
    if (argc < 2)
        return cli_usage("weight", "expected create, list or show");
    const char *sub = argv[1];
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h")) {
        help_weight(stdout);
        return 0;
    }
    if (!strcmp(sub, "create"))
        return weight_create(g, argc - 1, argv + 1);
    if (!strcmp(sub, "list"))
        return weight_list_show(g, argc - 1, argv + 1, 0);
    if (!strcmp(sub, "show"))
        return weight_list_show(g, argc - 1, argv + 1, 1);
    return cli_usage("weight", "unknown subcommand '%s' (create, list, show)", sub);
}

/* ---- Use by compute and estimate ---- */

int cli_weights_apply(helby_store *st, const helby_survey *s, const char *name, const data *D,
                      helby_design *d, helby_replicates **rep, char *inputs, size_t n_inputs,
                      helby_error *err)
{
    const size_t nw = D->n_waves;
    wave_margins *M = calloc(nw ? nw : 1, sizeof *M);
    helby_weighting **W = calloc(nw ? nw : 1, sizeof *W);
    helby_weight_part *parts = calloc(nw ? nw : 1, sizeof *parts);
    int rc = 1;
    wspec first;
    if (!M || !W || !parts) {
        helby_error_set(err, HELBY_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nw; i++) {
        long wave = D->wave_ids[i];
        helby_weight_set_info info;
        wspec w;
        memset(&w, 0, sizeof w);
        if (helby_store_get_weights(st, s->id, name, wave, &info, NULL, err))
            goto done;
        if (parse_spec(info.spec, &w)) {
            helby_error_set(err, HELBY_ESTORE, "weight set '%s' has a spec this helby cannot "
                                               "read: %s", name, info.spec);
            goto done;
        }
        if (i == 0)
            first = w;
        if (wave_margins_build(st, s, wave, &w, D->wave_rows[i], &M[i], err) ||
            helby_weight_compute(&W[i], &w.spec, D->wave_rows[i], D->w + D->wave_first[i],
                                 M[i].m, M[i].J, err))
            goto done;
        /* The stored weights must be what the spec gives from the data as it is now. */
        char h[65];
        helby_weights_hash(helby_weighting_weights(W[i]), D->wave_rows[i], h);
        if (strcmp(h, info.weights_sha256)) {
            helby_error_set(err, HELBY_EINPUT,
                            "weight set '%s', wave %ld: recomputed weights differ from the "
                            "stored ones (the wave, the margins or the engine changed since "
                            "it was made): run `helby weight create --name %s --replace`",
                            name, wave, name);
            goto done;
        }
        if (i > 0 && memcmp(&w.spec, &first.spec, sizeof w.spec)) {
            helby_error_set(err, HELBY_ESTORE, "weight set '%s' mixes specs across waves", name);
            goto done;
        }
        parts[i].first = D->wave_first[i];
        parts[i].n = D->wave_rows[i];
        parts[i].margins = M[i].m;
        parts[i].n_margins = M[i].J;
        size_t o = strlen(inputs);
        if (o < n_inputs)
            snprintf(inputs + o, n_inputs - o, ";weights/%ld=%s", wave, h);
    }
    if (helby_design_calibrate(d, (const helby_weighting *const *)W, D->wave_first, nw, err))
        goto done;
    if (rep && *rep) {
        helby_replicates *rc2 = NULL;
        if (helby_replicates_calibrate(&rc2, *rep, &first.spec, parts, nw, err))
            goto done;
        helby_replicates_free(*rep);
        *rep = rc2;
    }
    rc = 0;
done:
    for (size_t i = 0; M && W && i < nw; i++) {
        wave_margins_free(&M[i]);
        helby_weighting_free(W[i]);
    }
    free(M);
    free(W);
    free(parts);
    return rc;
}
