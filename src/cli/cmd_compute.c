/* cmd_compute.c — helby compute (every index, dimension and share by group x wave,
 * group x wave x district and wave, stored as a run with its provenance) and helby runs
 * (list, show, diff). A rerun recomputes a stored run and proves it bit for bit. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "helby/analysis.h"
#include "helby/compare.h"
#include "helby/estimate.h"
#include "helby/score.h"

void help_compute(FILE *out)
{
    fprintf(out,
            "Usage: helby compute --survey ID [OPTIONS]\n"
            "       helby compute --rerun N\n\n"
            "Compute every index, dimension and share of the survey from all stored waves, by\n"
            "group x wave, group x wave x district and wave (all respondents), with base\n"
            "weights (or --weights), and store the result as a run: engine version, definition hash, SHA-256\n"
            "of every input file, options, seed, and a SHA-256 of the estimates' exact bits.\n"
            "Cells below min_cell are stored as suppressed (no numbers).\n\n"
            "  -s, --survey ID     the survey\n"
            "      --variance M    linearization (default), jk1, jkn, brr, fay, bootstrap\n"
            "      --replicates B  bootstrap replicates (default 100)\n"
            "      --seed S        bootstrap seed (default 1)\n"
            "      --rho R         Fay's rho (default 0.3)\n"
            "      --level L       confidence level (default 0.95)\n"
            "      --weights NAME  a weight set of `helby weight` instead of the base weights;\n"
            "                      variance with its calibration residuals, replicates\n"
            "                      re-calibrated\n"
            "      --rerun N       recompute run N with its own options and seed; say whether the\n"
            "                      inputs are the same and the numbers identical bit for bit\n"
            "                      (exit 0), the inputs changed (exit 2, naming them) or the\n"
            "                      numbers differ (exit 4)\n\n"
            "Example:\n  helby --db city.db compute --survey copenhagen\n"
            "  helby --db city.db compute --rerun 1\n");
}

void help_runs(FILE *out)
{
    fprintf(out,
            "Usage: helby runs list\n"
            "       helby runs show N [--format text|csv|json]\n"
            "       helby runs diff A B\n\n"
            "list  every stored run: survey, time, options, result hash\n"
            "show  a run's provenance and estimates (csv: measure;domain;estimate;se;ci_low;\n"
            "      ci_high;df;n;deff;flag, full precision)\n"
            "diff  what differs between two runs: definition, engine, options, seed, which input\n"
            "      files, and which estimates moved (and by how much)\n\n"
            "Example:\n  helby --db city.db runs diff 1 2\n");
}

typedef struct copts {
    char variance[16];
    long replicates;
    unsigned long long seed;
    double rho, level;
    char weights[64]; /* "base" or a weight set's name ("NAME@run:N" on a rerun) */
    int comparisons;  /* 1: also gaps, ratios, changes, goal verdicts and reliability (the
                         rows `helby report` renders); runs made before have 0 and rerun so */
} copts;

static void options_string(const copts *o, char *out, size_t n)
{
    snprintf(out, n, "variance=%s;replicates=%ld;rho=%.17g;level=%.17g;weights=%s%s",
             o->variance, o->replicates, o->rho, o->level, o->weights,
             o->comparisons ? ";comparisons=1" : "");
}

static int parse_options_string(const char *s, copts *o)
{
    char v[16] = "", w[64] = "base";
    int n = sscanf(s, "variance=%15[^;];replicates=%ld;rho=%lf;level=%lf;weights=%63[^;]", v,
                   &o->replicates, &o->rho, &o->level, w);
    if (n < 4)
        return 0;
    snprintf(o->variance, sizeof o->variance, "%s", v);
    snprintf(o->weights, sizeof o->weights, "%s", w);
    o->comparisons = strstr(s, ";comparisons=1") != NULL;
    return 1;
}

/* Domain keys: up to three codes (group, wave, district); -1 = not part of the key. */
typedef struct dkey {
    double k[3];
} dkey;

static int key_cmp(const void *a, const void *b)
{
    const dkey *x = a, *y = b;
    for (int i = 0; i < 3; i++)
        if (x->k[i] != y->k[i])
            return x->k[i] < y->k[i] ? -1 : 1;
    return 0;
}

static void key_text(const dkey *d, char *out, size_t n)
{
    static const char *names[3] = {"group", "wave", "district"};
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < 3 && o < n; i++)
        if (d->k[i] >= 0)
            o += (size_t)snprintf(out + o, n - o, "%s%s=%g", o ? "," : "", names[i], d->k[i]);
}

static helby_run_row *push_row(helby_run_row **rows, size_t *n, size_t *cap, helby_error *err)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 256;
        helby_run_row *p = realloc(*rows, c * sizeof *p);
        if (!p) {
            helby_error_set(err, HELBY_ENOMEM, "out of memory");
            return NULL;
        }
        *rows = p;
        *cap = c;
    }
    helby_run_row *x = &(*rows)[(*n)++];
    memset(x, 0, sizeof *x);
    return x;
}

static void set_row(helby_run_row *x, const char *measure, const char *domain,
                    const helby_estimate *e, size_t n, int suppressed, const char *flag)
{
    snprintf(x->measure, sizeof x->measure, "%s", measure);
    snprintf(x->domain, sizeof x->domain, "%s", domain);
    x->n = (int64_t)n;
    x->df = e->df;
    if (suppressed) {
        x->estimate = x->se = x->ci_low = x->ci_high = x->deff = NAN;
        snprintf(x->flag, sizeof x->flag, "suppressed");
    } else {
        x->estimate = e->estimate;
        x->se = e->se;
        x->ci_low = e->ci_low;
        x->ci_high = e->ci_high;
        x->deff = NAN;
        snprintf(x->flag, sizeof x->flag, "%s", flag);
    }
}

static size_t min_n(size_t a, size_t b) { return a < b ? a : b; }

/* The comparisons of one measure (STATISTICS.md §7, as `helby compare`): per wave the gap and
 * ratio, against the baseline the difference in differences and relative changes, then the
 * goals of targets.csv on the measure with their verdicts. e0: the group x wave estimates
 * (dn[w], mn[w] index Danes and minorities of waves[w]); e2: all respondents by wave. A
 * quantity that involves a suppressed cell is stored suppressed. The rows' domains are
 * "wave=2014,quantity=gap,baseline=2011" and "goal=goal4,wave=2014,baseline=2011,x=10". */
static int compare_rows(const helby_survey *s, const char *measure, const helby_estimates *e0,
                        const helby_estimates *e2, const long *waves, size_t W,
                        const size_t *dn, const size_t *mn, const helby_estimate_options *eo,
                        helby_run_row **rows, size_t *n_rows, size_t *cap, helby_error *err)
{
    long base = 0;
    for (size_t t = 0; !base && t < s->n_targets; t++)
        if (!strcmp(s->targets[t].measure, measure))
            base = s->targets[t].baseline_wave;
    size_t b = 0;
    while (base && b < W && waves[b] != base)
        b++;
    if (b == W)
        b = 0;
    helby_estimate_options co = *eo;
    co.ci = HELBY_CI_T;
    double df = e0->est[dn[0]].df;
    helby_wave_comparison *cmp = calloc(W, sizeof *cmp);
    if (!cmp)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory"), 1;
    if (helby_compare_groups(e0, waves, W, dn, mn, b, df, &co, cmp, err)) {
        free(cmp);
        return 1;
    }
    const size_t lim = s->min_cell;
    const size_t nb = min_n(e0->est[dn[b]].n, e0->est[mn[b]].n);
    for (size_t w = 0; w < W; w++) {
        static const char *names[5] = {"gap", "ratio", "gap_change", "rel_gap_change",
                                       "ratio_change"};
        const helby_estimate *q[5] = {&cmp[w].gap, &cmp[w].ratio, &cmp[w].gap_change,
                                      &cmp[w].rel_gap_change, &cmp[w].ratio_change};
        size_t nw = min_n(cmp[w].danes.n, cmp[w].minorities.n);
        for (int k = 0; k < (w == b ? 2 : 5); k++) {
            size_t nk = k < 2 ? nw : min_n(nw, nb);
            char dom[160];
            snprintf(dom, sizeof dom, "wave=%ld,quantity=%s,baseline=%ld", waves[w], names[k],
                     waves[b]);
            helby_run_row *x = push_row(rows, n_rows, cap, err);
            if (!x) {
                free(cmp);
                return 1;
            }
            set_row(x, measure, dom, q[k], nk, nk < lim, "");
        }
    }
    for (size_t t = 0; t < s->n_targets; t++) {
        const helby_target *tg = &s->targets[t];
        if (strcmp(tg->measure, measure))
            continue;
        size_t tw = W - 1;
        for (size_t i = 0; i < W && tg->target_wave; i++)
            if (waves[i] == tg->target_wave)
                tw = i;
        helby_goal_result gr;
        if (helby_goal_evaluate(tg, tg->x, cmp, e0, e2, dn, mn, b, tw, df, &co, &gr, err)) {
            free(cmp);
            return 1;
        }
        char dom[160];
        snprintf(dom, sizeof dom, "goal=%s,wave=%ld,baseline=%ld,x=%.17g", tg->goal, waves[tw],
                 waves[b], tg->x);
        helby_run_row *x = push_row(rows, n_rows, cap, err);
        if (!x) {
            free(cmp);
            return 1;
        }
        set_row(x, measure, dom, &gr.q, gr.n, gr.n < lim, helby_verdict_name(gr.verdict));
    }
    free(cmp);
    return 0;
}

static int compute_rows(helby_store *st, const helby_survey *s, const copts *o,
                        const long *waves, size_t nw, char *inputs, size_t n_inputs,
                        helby_run_row **rows_out, size_t *n_out, helby_error *err)
{
    const char *load[128];
    size_t nl = 0;
    load[nl++] = s->vars[s->group_var].name;
    load[nl++] = s->vars[s->wave_var].name;
    load[nl++] = s->vars[s->district_var].name;
    const char *measures[128];
    size_t nm = 0;
    for (size_t i = 0; i < s->n_indices; i++) {
        measures[nm++] = s->indices[i].name;
        for (size_t j = 0; j < s->indices[i].n_dims && nm < 120; j++)
            measures[nm++] = s->indices[i].dims[j].name;
    }
    for (size_t i = 0; i < s->n_shares && nm < 120; i++)
        measures[nm++] = s->shares[i].name;
    for (size_t m = 0; m < nm; m++) {
        int c = helby_measure_columns(s, measures[m], load + nl, 128 - nl);
        if (c < 0 || nl + (size_t)c >= 128)
            return helby_error_set(err, HELBY_EUSAGE, "too many columns to compute"), 1;
        nl += (size_t)c;
    }
    helby_dataset *D = NULL;
    int rc = 1;
    helby_design *d = NULL;
    helby_replicates *rep = NULL;
    double *y = NULL;
    long *dom = NULL;
    dkey *keys = NULL, *sorted = NULL;
    helby_run_row *rows = NULL;
    size_t n_rows = 0, cap_rows = 0;
    helby_estimates *e0 = NULL, *e2 = NULL;
    size_t *dn = calloc(nw, sizeof *dn), *mn = calloc(nw, sizeof *mn);
    if (!dn || !mn) {
        free(dn), free(mn);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory"), 1;
    }
    if (helby_dataset_open(&D, st, s, waves, nw, load, nl, err)) {
        free(dn), free(mn);
        return 1;
    }
    const double *gcol = helby_dataset_col(D, load[0]), *wcol = helby_dataset_col(D, load[1]),
                 *dcol = helby_dataset_col(D, load[2]);
    if (helby_dataset_design(D, &d, err))
        goto done;
    helby_rep_spec rs = {HELBY_REP_JK1, o->rho, (size_t)o->replicates, o->seed, 0};
    int use_reps = 0;
    helby_variance_method_parse(o->variance, &rs.type, &use_reps); /* checked by the caller */
    if (use_reps) {
        if (helby_replicates_new(&rep, d, &rs, err))
            goto done;
    }
    if (strcmp(o->weights, "base") &&
        helby_dataset_apply_weights(st, D, o->weights, d, &rep, inputs, n_inputs, err))
        goto done;
    y = malloc(D->n * sizeof *y);
    dom = malloc(D->n * sizeof *dom);
    keys = malloc(D->n * sizeof *keys);
    sorted = malloc(D->n * sizeof *sorted);
    if (!y || !dom || !keys || !sorted) {
        helby_error_set(err, HELBY_ENOMEM, "out of memory");
        goto done;
    }
    /* Three sets of domains: group x wave, group x wave x district, wave. */
    static const int use[3][3] = {{1, 1, 0}, {1, 1, 1}, {0, 1, 0}};
    for (size_t m = 0; m < nm; m++) {
        if (helby_measure_values(D, measures[m], y, err))
            goto done;
        int is_share = 0;
        for (size_t i = 0; i < s->n_shares; i++)
            is_share |= !strcmp(s->shares[i].name, measures[m]);
        helby_estimate_options eo;
        helby_estimate_options_default(&eo);
        eo.level = o->level;
        eo.ci = is_share ? HELBY_CI_LOGIT : HELBY_CI_T;
        for (int set = 0; set < 3; set++) {
            size_t nd = 0;
            for (size_t k = 0; k < D->n; k++) {
                double g = gcol[k];
                int gi = -1;
                for (size_t c = 0; c < s->n_danes_codes; c++)
                    gi = g == s->danes_codes[c] ? 0 : gi;
                for (size_t c = 0; c < s->n_minority_codes; c++)
                    gi = g == s->minority_codes[c] ? 1 : gi;
                dkey key = {{use[set][0] ? gi : -1, use[set][1] ? wcol[k] : -1,
                             use[set][2] ? dcol[k] : -1}};
                if (use[set][0] && gi < 0) {
                    dom[k] = -1;
                    continue;
                }
                keys[k] = key;
                dom[k] = 0;
                sorted[nd++] = key;
            }
            qsort(sorted, nd, sizeof *sorted, key_cmp);
            size_t u = 0;
            for (size_t i = 0; i < nd; i++)
                if (u == 0 || key_cmp(&sorted[u - 1], &sorted[i]))
                    sorted[u++] = sorted[i];
            for (size_t k = 0; k < D->n; k++)
                if (dom[k] >= 0) {
                    dkey *f = bsearch(&keys[k], sorted, u, sizeof *sorted, key_cmp);
                    dom[k] = (long)(f - sorted);
                }
            helby_estimates *e = NULL;
            helby_status r = rep ? helby_estimate_by_replicates(rep, HELBY_EST_MEAN, y, NULL, dom,
                                                                u, &eo, &e, err)
                                 : helby_estimate_by(d, HELBY_EST_MEAN, y, NULL, dom, u, &eo, &e,
                                                     err);
            if (r)
                goto done;
            for (size_t i = 0; i < u; i++) {
                helby_run_row *x = push_row(&rows, &n_rows, &cap_rows, err);
                if (!x) {
                    helby_estimates_free(e);
                    goto done;
                }
                const helby_estimate *est = &e->est[i];
                char dom[160];
                key_text(&sorted[i], dom, sizeof dom);
                set_row(x, measures[m], dom, est, est->n, est->n < s->min_cell,
                        est->unreliable ? "unreliable" : "");
                x->deff = est->n < s->min_cell ? NAN : est->deff;
            }
            if (o->comparisons && set == 0) {
                /* Danes and minorities of each wave among the sorted (group, wave) keys. */
                size_t found = 0;
                for (size_t w = 0; w < nw; w++)
                    for (size_t i = 0; i < u; i++)
                        if (sorted[i].k[1] == (double)waves[w]) {
                            if (sorted[i].k[0] == 0)
                                dn[w] = i, found++;
                            else if (sorted[i].k[0] == 1)
                                mn[w] = i, found++;
                        }
                if (found == 2 * nw && nw >= 2) {
                    e0 = e;
                    e = NULL;
                }
            }
            if (o->comparisons && set == 2 && u == nw) {
                e2 = e;
                e = NULL;
            }
            helby_estimates_free(e);
        }
        if (e0 && e2 &&
            compare_rows(s, measures[m], e0, e2, waves, nw, dn, mn, &eo, &rows, &n_rows,
                         &cap_rows, err))
            goto done;
        helby_estimates_free(e0);
        helby_estimates_free(e2);
        e0 = e2 = NULL;
    }
    /* Cronbach's alpha per dimension over all waves with base weights (helby reliability):
     * domain "reliability=alpha", n = respondents who answered every item. */
    for (size_t m = 0; o->comparisons && m < nm; m++) {
        const helby_index *ix;
        const helby_dimension *dim;
        if (!helby_find_measure(s, measures[m], &ix, &dim) || !dim)
            continue;
        double alpha = NAN, ir[64];
        size_t nc = 0;
        helby_estimate a = {0};
        a.df = NAN;
        a.se = a.ci_low = a.ci_high = NAN;
        if (dim->n_items <= 64 &&
            helby_dataset_reliability(D, dim->name, &alpha, ir, &nc, err))
            helby_error_clear(err); /* fewer than two items: no alpha */
        a.estimate = alpha;
        helby_run_row *x = push_row(&rows, &n_rows, &cap_rows, err);
        if (!x)
            goto done;
        set_row(x, measures[m], "reliability=alpha", &a, nc, 0, "");
    }
    *rows_out = rows;
    *n_out = n_rows;
    rows = NULL;
    rc = 0;
done:
    free(rows), free(y), free(dom), free(keys), free(sorted), free(dn), free(mn);
    helby_estimates_free(e0);
    helby_estimates_free(e2);
    helby_replicates_free(rep);
    helby_design_free(d);
    helby_dataset_free(D);
    return rc;
}

static int waves_and_inputs(helby_store *st, const char *survey, long **waves, size_t *nw,
                            char *inputs, size_t n, helby_error *err)
{
    helby_wave_info *wi = NULL;
    if (helby_store_list_waves(st, survey, &wi, nw, err))
        return 1;
    *waves = malloc((*nw ? *nw : 1) * sizeof **waves);
    size_t o = 0;
    inputs[0] = '\0';
    for (size_t i = 0; i < *nw; i++) {
        (*waves)[i] = wi[i].wave;
        if (o < n)
            o += (size_t)snprintf(inputs + o, n - o, "%s%ld=%s", i ? ";" : "", wi[i].wave,
                                  wi[i].sha256);
    }
    free(wi);
    if (*nw == 0) {
        helby_error_set(err, HELBY_ENOTFOUND, "survey %s has no waves in the store", survey);
        return 1;
    }
    return 0;
}

/* "2011=abc;2012=def" vs another: print the waves whose file differs. Returns the count. */
static int diff_inputs(const char *a, const char *b, const char *la, const char *lb)
{
    int changed = 0;
    char *ca = strdup(a), *cb = strdup(b);
    for (char *t = strtok(ca, ";"); t; t = strtok(NULL, ";")) {
        char *eq = strchr(t, '=');
        if (!eq)
            continue;
        *eq = '\0';
        char look[64];
        snprintf(look, sizeof look, "%s=", t);
        const char *in_b = strstr(b, look);
        if (!in_b) {
            printf("  input: wave %s is in %s but not in %s\n", t, la, lb);
            changed++;
        } else if (strncmp(in_b + strlen(look), eq + 1, 64) != 0) {
            printf("  input: wave %s file changed: %s %.16s…, %s %.16s…\n", t, la, eq + 1, lb,
                   in_b + strlen(look));
            changed++;
        }
    }
    for (char *t = strtok(cb, ";"); t; t = strtok(NULL, ";")) {
        char *eq = strchr(t, '=');
        if (!eq)
            continue;
        *eq = '\0';
        char look[64];
        snprintf(look, sizeof look, "%s=", t);
        if (!strstr(a, look)) {
            printf("  input: wave %s is in %s but not in %s\n", t, lb, la);
            changed++;
        }
    }
    free(ca);
    free(cb);
    return changed;
}

static int same_num(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

/* Rows that differ between two runs (matched by measure and domain). */
static size_t diff_rows(const helby_run_row *a, size_t na, const helby_run_row *b, size_t nb,
                        int print)
{
    size_t moved = 0;
    for (size_t i = 0; i < na; i++) {
        const helby_run_row *y = NULL;
        for (size_t j = 0; j < nb && !y; j++)
            if (!strcmp(a[i].measure, b[j].measure) && !strcmp(a[i].domain, b[j].domain))
                y = &b[j];
        if (!y || !same_num(a[i].estimate, y->estimate) || !same_num(a[i].se, y->se) ||
            !same_num(a[i].ci_low, y->ci_low) || !same_num(a[i].ci_high, y->ci_high) ||
            strcmp(a[i].flag, y->flag)) {
            moved++;
            if (print && moved <= 50) {
                if (y)
                    printf("  %-20s %-32s %12.6g -> %-12.6g (diff %+.3g; se %.4g -> %.4g)\n",
                           a[i].measure, a[i].domain, a[i].estimate, y->estimate,
                           y->estimate - a[i].estimate, a[i].se, y->se);
                else
                    printf("  %-20s %-32s only in the first run\n", a[i].measure, a[i].domain);
            }
        }
    }
    if (print && moved > 50)
        printf("  … and %zu more\n", moved - 50);
    return moved;
}

int cmd_compute(cli_global *g, int argc, char **argv)
{
    enum { O_VAR = 256, O_REPS, O_SEED, O_RHO, O_LEVEL, O_RERUN, O_WEIGHTS };
    static const struct option opts[] = {
        {"survey", required_argument, 0, 's'},      {"variance", required_argument, 0, O_VAR},
        {"replicates", required_argument, 0, O_REPS}, {"seed", required_argument, 0, O_SEED},
        {"rho", required_argument, 0, O_RHO},       {"level", required_argument, 0, O_LEVEL},
        {"rerun", required_argument, 0, O_RERUN},   {"weights", required_argument, 0, O_WEIGHTS},
        {0, 0, 0, 0}};
    copts o = {"linearization", 100, 1, 0.3, 0.95, "base", 1};
    const char *survey = NULL;
    long rerun = 0;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:s:", opts, NULL)) != -1) {
        char *end = NULL;
        switch (c) {
        case 's': survey = optarg; break;
        case O_VAR: snprintf(o.variance, sizeof o.variance, "%s", optarg); break;
        case O_REPS: o.replicates = strtol(optarg, &end, 10); break;
        case O_SEED: o.seed = strtoull(optarg, &end, 10); break;
        case O_RHO: o.rho = strtod(optarg, &end); break;
        case O_LEVEL: o.level = strtod(optarg, &end); break;
        case O_RERUN: rerun = strtol(optarg, &end, 10); break;
        case O_WEIGHTS:
            if (!*optarg || strlen(optarg) >= sizeof o.weights || strchr(optarg, ';'))
                return cli_usage("compute", "--weights: '%s' is not a weight set name", optarg);
            snprintf(o.weights, sizeof o.weights, "%s", optarg);
            break;
        case ':': return cli_usage("compute", "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage("compute", "unknown option '%s'", argv[optind - 1]);
        }
        if (end && *end)
            return cli_usage("compute", "option '%s' needs a number, not '%s'", argv[optind - 1],
                             optarg);
    }
    if (optind < argc)
        return cli_usage("compute", "unexpected argument '%s'", argv[optind]);
    if (!survey && !rerun)
        return cli_usage("compute", "missing --survey ID (or --rerun N)");
    helby_rep_type rt;
    int is_rep;
    if (!helby_variance_method_parse(o.variance, &rt, &is_rep))
        return cli_usage("compute",
                         "--variance must be linearization, jk1, jkn, brr, fay or bootstrap");
    if (!(o.level > 0 && o.level < 1) || o.replicates < 2)
        return cli_usage("compute", "--level must lie in (0, 1) and --replicates be >= 2");
    helby_store *st = NULL;
    int rc = cli_open_store(g, rerun ? HELBY_OPEN_READONLY : HELBY_OPEN_EXISTING, &st);
    if (rc)
        return rc;
    helby_error err;
    helby_error_clear(&err);
    helby_survey *s = NULL;
    helby_run_info info, old;
    helby_run_row *rows = NULL, *old_rows = NULL;
    size_t n = 0, n_old = 0, nw = 0;
    long *waves = NULL;
    memset(&info, 0, sizeof info);
    if (rerun) {
        if (helby_store_get_run(st, rerun, &old, &old_rows, &n_old, &err)) {
            rc = cli_fail(&err);
            goto done;
        }
        survey = old.survey;
        if (!parse_options_string(old.options, &o)) {
            helby_error_set(&err, HELBY_ESTORE, "run %ld has options this helby cannot read: %s",
                            rerun, old.options);
            rc = cli_fail(&err);
            goto done;
        }
        o.seed = old.seed;
        /* The weight set versions the run used, even if replaced since (analysis.h). */
        if (strcmp(o.weights, "base"))
            helby_weights_pin(o.weights, rerun, o.weights, sizeof o.weights);
    }
    if (helby_store_get_survey(st, survey, &s, &err) ||
        waves_and_inputs(st, survey, &waves, &nw, info.inputs, sizeof info.inputs, &err)) {
        rc = cli_fail(&err);
        goto done;
    }
    if (rerun) {
        printf("rerun of run %ld (%s, %s, seed %llu)\n", rerun, old.survey, old.options, o.seed);
        /* The input files first; the weight sets' hashes (";weights/W=…") once recomputed. */
        char files_only[sizeof old.inputs];
        snprintf(files_only, sizeof files_only, "%s", old.inputs);
        char *wpart = strstr(files_only, ";weights/");
        if (wpart)
            *wpart = '\0';
        int changed = diff_inputs(files_only, info.inputs, "run", "now");
        if (strcmp(old.def_hash, s->hash)) {
            printf("  definition changed: run %.16s…, now %.16s…\n", old.def_hash, s->hash);
            changed++;
        }
        if (strcmp(old.engine, HELBY_VERSION))
            printf("  engine: run %s, now %s\n", old.engine, HELBY_VERSION);
        if (changed) {
            printf("not reproducible as is: %d input%s changed since run %ld\n", changed,
                   changed == 1 ? "" : "s", rerun);
            rc = 2;
            goto done;
        }
    }
    if (compute_rows(st, s, &o, waves, nw, info.inputs, sizeof info.inputs, &rows, &n, &err)) {
        rc = cli_fail(&err);
        goto done;
    }
    if (rerun && strcmp(old.inputs, info.inputs)) {
        int changed = diff_inputs(old.inputs, info.inputs, "run", "now");
        printf("not reproducible as is: the weight set '%s' changed since run %ld (%d input%s)\n",
               o.weights, rerun, changed, changed == 1 ? "" : "s");
        rc = 2;
        goto done;
    }
    if (rerun) {
        char hash[65];
        helby_run_hash(rows, n, hash);
        if (!strcmp(hash, old.result_hash) && n == n_old) {
            printf("reproduced bit for bit: %zu estimates, result sha256 %s\n", n, hash);
        } else {
            size_t moved = diff_rows(old_rows, n_old, rows, n, 1);
            printf("NOT reproduced: %zu of %zu estimates differ (result sha256 %.16s… vs %.16s…)\n",
                   moved, n_old, old.result_hash, hash);
            rc = 4;
        }
        goto done;
    }
    snprintf(info.engine, sizeof info.engine, "%s", HELBY_VERSION);
    options_string(&o, info.options, sizeof info.options);
    info.seed = o.seed;
    if (helby_store_add_run(st, s, &info, rows, n, &err)) {
        rc = cli_fail(&err);
        goto done;
    }
    if (!g->quiet)
        printf("run %lld: %s, %zu estimates (%s, seed %llu)\n  definition %.16s…, inputs %s\n"
               "  result sha256 %s\n",
               (long long)info.id, s->id, n, info.options, info.seed, s->hash, info.inputs,
               info.result_hash);
done:
    free(rows), free(old_rows), free(waves);
    helby_survey_free(s);
    helby_store_close(st);
    return rc;
}

static void json_num(double v)
{
    if (isnan(v) || isinf(v))
        printf("null");
    else
        printf("%.17g", v);
}

static void print_json(const helby_run_info *i, const helby_run_row *r, size_t n)
{
    printf("{\"run\": %lld, \"survey\": \"%s\", \"created_at\": \"%s\", \"engine\": \"%s\",\n"
           " \"options\": \"%s\", \"seed\": %llu, \"definition\": \"%s\",\n"
           " \"inputs\": \"%s\", \"result_sha256\": \"%s\", \"n_estimates\": %lld,\n"
           " \"estimates\": [",
           (long long)i->id, i->survey, i->created_at, i->engine, i->options, i->seed,
           i->def_hash, i->inputs, i->result_hash, (long long)i->n_estimates);
    for (size_t k = 0; k < n; k++) {
        printf("%s\n  {\"measure\": \"%s\", \"domain\": \"%s\", \"estimate\": ", k ? "," : "",
               r[k].measure, r[k].domain);
        json_num(r[k].estimate);
        printf(", \"se\": ");
        json_num(r[k].se);
        printf(", \"ci_low\": ");
        json_num(r[k].ci_low);
        printf(", \"ci_high\": ");
        json_num(r[k].ci_high);
        printf(", \"df\": ");
        json_num(r[k].df);
        printf(", \"n\": %lld, \"deff\": ", (long long)r[k].n);
        json_num(r[k].deff);
        printf(", \"flag\": \"%s\"}", r[k].flag);
    }
    printf("\n]}\n");
}

static void print_rows(const helby_run_row *r, size_t n, int csv)
{
    if (csv)
        printf("measure;domain;estimate;se;ci_low;ci_high;df;n;deff;flag\n");
    for (size_t i = 0; i < n; i++) {
        if (csv)
            printf("%s;%s;%.17g;%.17g;%.17g;%.17g;%g;%lld;%.17g;%s\n", r[i].measure, r[i].domain,
                   r[i].estimate, r[i].se, r[i].ci_low, r[i].ci_high, r[i].df, (long long)r[i].n,
                   r[i].deff, r[i].flag);
        else if (!strcmp(r[i].flag, "suppressed"))
            printf("  %-20s %-34s %10s %9s %22s %6lld  suppressed\n", r[i].measure, r[i].domain,
                   "–", "–", "–", (long long)r[i].n);
        else
            printf("  %-20s %-34s %10.4g %9.4g [%9.4g, %9.4g] %6lld  %s\n", r[i].measure,
                   r[i].domain, r[i].estimate, r[i].se, r[i].ci_low, r[i].ci_high,
                   (long long)r[i].n, r[i].flag);
    }
}

int cmd_runs(cli_global *g, int argc, char **argv)
{
    if (argc < 2)
        return cli_usage("runs", "missing subcommand: list, show or diff");
    const char *sub = argv[1];
    int csv = 0;
    long a = 0, b = 0;
    if (!strcmp(sub, "list")) {
        if (argc != 2)
            return cli_usage("runs", "list takes no arguments");
    } else if (!strcmp(sub, "show")) {
        for (int i = 2; i < argc; i++) {
            if (!strcmp(argv[i], "--format") && i + 1 < argc) {
                i++;
                csv = !strcmp(argv[i], "csv") ? 1 : !strcmp(argv[i], "json") ? 2 : 0;
                if (!csv && strcmp(argv[i], "text"))
                    return cli_usage("runs", "--format must be text, csv or json");
            } else if (!a)
                a = strtol(argv[i], NULL, 10);
            else
                return cli_usage("runs", "unexpected argument '%s'", argv[i]);
        }
        if (a <= 0)
            return cli_usage("runs", "show needs a run number");
    } else if (!strcmp(sub, "diff")) {
        if (argc != 4 || (a = strtol(argv[2], NULL, 10)) <= 0 ||
            (b = strtol(argv[3], NULL, 10)) <= 0)
            return cli_usage("runs", "diff needs two run numbers");
    } else {
        return cli_usage("runs", "unknown subcommand '%s' (list, show, diff)", sub);
    }
    helby_store *st = NULL;
    int rc = cli_open_store(g, HELBY_OPEN_READONLY, &st);
    if (rc)
        return rc;
    helby_error err;
    helby_run_info ia, ib, *list = NULL;
    helby_run_row *ra = NULL, *rb = NULL;
    size_t na = 0, nb = 0, n = 0;
    if (!strcmp(sub, "list")) {
        if (helby_store_list_runs(st, &list, &n, &err)) {
            rc = cli_fail(&err);
        } else if (n == 0) {
            printf("no runs yet (make one with `helby compute --survey ID`)\n");
        } else {
            printf("%5s  %-14s %-20s %9s  %-16s  %s\n", "run", "survey", "created", "estimates",
                   "result", "options");
            for (size_t i = 0; i < n; i++)
                printf("%5lld  %-14s %-20s %9lld  %.16s  %s seed=%llu\n", (long long)list[i].id,
                       list[i].survey, list[i].created_at, (long long)list[i].n_estimates,
                       list[i].result_hash, list[i].options, list[i].seed);
        }
    } else if (!strcmp(sub, "show")) {
        if (helby_store_get_run(st, a, &ia, &ra, &na, &err)) {
            rc = cli_fail(&err);
        } else if (csv == 2) {
            print_json(&ia, ra, na);
        } else {
            if (!csv)
                printf("run %lld of %s at %s, helby %s\n  options %s seed=%llu\n  definition "
                       "%s\n  inputs %s\n  result sha256 %s\n",
                       (long long)ia.id, ia.survey, ia.created_at, ia.engine, ia.options, ia.seed,
                       ia.def_hash, ia.inputs, ia.result_hash);
            print_rows(ra, na, csv);
        }
    } else {
        if (helby_store_get_run(st, a, &ia, &ra, &na, &err) ||
            helby_store_get_run(st, b, &ib, &rb, &nb, &err)) {
            rc = cli_fail(&err);
        } else {
            printf("runs %ld and %ld:\n", a, b);
            int why = 0;
            if (strcmp(ia.survey, ib.survey))
                printf("  survey: %s vs %s\n", ia.survey, ib.survey), why++;
            if (strcmp(ia.def_hash, ib.def_hash))
                printf("  definition: %.16s… vs %.16s…\n", ia.def_hash, ib.def_hash), why++;
            if (strcmp(ia.engine, ib.engine))
                printf("  engine: %s vs %s\n", ia.engine, ib.engine), why++;
            if (strcmp(ia.options, ib.options))
                printf("  options: %s vs %s\n", ia.options, ib.options), why++;
            if (ia.seed != ib.seed)
                printf("  seed: %llu vs %llu\n", ia.seed, ib.seed), why++;
            char la[32], lb[32];
            snprintf(la, sizeof la, "run %ld", a);
            snprintf(lb, sizeof lb, "run %ld", b);
            why += diff_inputs(ia.inputs, ib.inputs, la, lb);
            if (!why)
                printf("  same definition, engine, options, seed and inputs\n");
            size_t moved = diff_rows(ra, na, rb, nb, 1);
            if (!moved && na == nb)
                printf("  all %zu estimates identical (result sha256 %.16s…)\n", na,
                       ia.result_hash);
            else
                printf("  %zu of %zu estimates differ\n", moved, na);
        }
    }
    free(list), free(ra), free(rb);
    helby_store_close(st);
    return rc;
}
