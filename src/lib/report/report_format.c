/* report_format.c — the report's words and numbers: labels in the report's language, numbers
 * with its decimal sign, cells with their marks, directions and verdicts, the run in one line,
 * HTML escapes and a growing text buffer. Shared by every renderer; renders nothing itself and
 * knows nothing of how the model is built. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helby/csv.h"
#include "report/report_internal.h"

void helby_report_num(const helby_report *r, double v, int decimals, char *buf, size_t n)
{
    if (isnan(v) || isinf(v)) {
        snprintf(buf, n, "–");
        return;
    }
    if (v == 0)
        v = 0; /* no "-0.0" */
    snprintf(buf, n, "%.*f", decimals, v);
    if (fabs(v) < 0.5 * pow(10, -decimals) && buf[0] == '-')
        memmove(buf, buf + 1, strlen(buf));
    if (!strcmp(r->lang, "da"))
        for (char *p = buf; *p; p++)
            if (*p == '.')
                *p = ',';
    if (buf[0] == '-' && n > strlen(buf) + 2) { /* a typographic minus sign */
        memmove(buf + 3, buf + 1, strlen(buf));
        memcpy(buf, "\xe2\x88\x92", 3);
    }
}

int helby_report_format_parse(const char *name, helby_report_format *f)
{
    static const char *names[] = {"text", "csv", "json", "md", "html", "xlsx"};
    for (int i = 0; i < 6; i++)
        if (!strcmp(name, names[i])) {
            *f = (helby_report_format)i;
            return 1;
        }
    return 0;
}

/* The report's words: key, Danish, English. */
static const char *const words[][3] = {
    {"danes", "Etniske danskere", "Ethnic Danes"},
    {"minorities", "Etniske minoriteter", "Ethnic minorities"},
    {"all", "Alle", "All"},
    {"gap", "Forskel (danskere − minoriteter)", "Gap (Danes − minorities)"},
    {"ratio", "Forhold (minoriteter / danskere)", "Ratio (minorities / Danes)"},
    {"gap_change", "Forskel i forskelle (siden basisår)",
     "Difference in differences (since baseline)"},
    {"rel_gap_change", "Relativ ændring af forskellen", "Relative change of the gap"},
    {"ratio_change", "Relativ ændring af forholdet", "Relative change of the ratio"},
    {"wave", "Bølge", "Wave"},
    {"group", "Gruppe", "Group"},
    {"subgroups", "Undergrupper", "Subgroups"},
    {"no_goals", "Definitionen fastsætter ingen mål (targets.csv).",
     "The survey definition sets no goals (targets.csv)."},
    {"changes", "ændring mellem bølger", "change between waves"},
    {"chg_prev", "siden forrige bølge", "since previous wave"},
    {"chg_base", "siden basisår", "since baseline"},
    {"significant", "signifikant", "significant"},
    {"gap_s", "Forskel", "Gap"},
    {"ratio_s", "Forhold", "Ratio"},
    {"did_s", "Forskel i forskelle", "Diff. in diff."},
    {"rel_s", "Rel. ændring af forskel", "Rel. gap change"},
    {"danes_s", "dan.", "Danes"},
    {"minorities_s", "min.", "Min."},
    {"estimate", "Estimat", "Estimate"},
    {"n", "n", "n"},
    {"goals", "Målopfyldelse", "Goal verdicts"},
    {"adjusted", "Forskellen justeret for sammensætning", "The gap adjusted for composition"},
    {"adj_gap", "Forskel", "Gap"},
    {"adj_adjusted", "Justeret forskel", "Adjusted gap"},
    {"adj_explained", "Forklaret", "Explained"},
    {"adj_unexplained", "Uforklaret", "Unexplained"},
    {"goal", "Mål", "Goal"},
    {"verdict", "Vurdering", "Verdict"},
    {"rule", "Regel", "Rule"},
    {"observed", "Observeret", "Observed"},
    {"in_words", "Kort fortalt", "In words"},
    {"districts", "Bydele", "Districts"},
    {"district", "Bydel", "District"},
    {"reliability", "Reliabilitet (Cronbachs α)", "Reliability (Cronbach's α)"},
    {"dimension", "Dimension", "Dimension"},
    {"weighting", "Vægtningsdiagnostik", "Weighting diagnostics"},
    {"methods", "Metode", "Method"},
    {"provenance", "Kørsel og herkomst", "Run and provenance"},
    {"weighting_w", "Vægtning", "Weighting"},
    {"certainty", "Usikkerhed", "How sure"},
    {"met", "opfyldt", "met"},
    {"not met", "ikke opfyldt", "not met"},
    {"inconclusive", "uafklaret", "inconclusive"},
    {"suppressed", "undertrykt", "suppressed"},
    {"comparisons", "Minoriteter og danskere", "Minorities and Danes"},
    {"barometer", "Integrationsbarometer", "Integration barometer"},
    {"direction", "Retning", "Direction"},
    {"trend", "Udvikling", "Trend"},
    {"diagnostic", "Diagnostik", "Diagnostic"},
    {"improving", "bedre", "improving"},
    {"worsening", "dårligere", "worsening"},
    {"unchanged", "uændret", "unchanged"},
    {"undefined", "kan ikke beregnes", "cannot be computed"},
    {"target", "Målværdi", "Target"},
    {"latest", "Seneste", "Latest"},
    {"period", "Periode", "Period"},
    {"source", "Kilde", "Source"},
    {"register", "register", "register"},
    {"survey", "survey", "survey"},
    {"legend",
     "· undertrykt (for få svarpersoner)  ‡ komplementært undertrykt  † relativ "
     "standardfejl over 30 %",
     "· suppressed (too few respondents)  ‡ suppressed to protect another cell  † relative "
     "standard error above 30 %"},
    {"scale_index", "indeks 0–100", "index 0–100"},
    {"scale_share", "andel, %", "share, %"},
    {"no_definition",
     "Bemærk: surveydefinitionen er ændret siden kørslen; etiketterne er "
     "den nuværende definitions.",
     "Note: the survey definition changed since the run; labels are today's."},
};

const char *report_t(const helby_report *r, const char *key)
{
    int da = !strcmp(r->lang, "da");
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (!strcmp(words[i][0], key))
            return words[i][da ? 1 : 2];
    return key;
}

/* Value scale of a quantity of a measure: shares are proportions shown as percent. */
double report_scale(const helby_report_measure *m, int q)
{
    if (q == -1 || q == HELBY_RQ_GAP || q == HELBY_RQ_GAP_CHANGE)
        return m->kind == 2 ? 100 : 1;
    if (q == HELBY_RQ_REL_GAP_CHANGE || q == HELBY_RQ_RATIO_CHANGE)
        return 100;
    return 1;
}

/* A column head of a comparison table with its unit: gaps in points (percentage points for
 * shares), relative changes in %. */
void report_col_head(const helby_report *r, const helby_report_measure *m, const char *key,
                     char *buf, size_t n)
{
    int da = !strcmp(r->lang, "da");
    const char *u = "";
    if (!strcmp(key, "gap_s") || !strcmp(key, "did_s"))
        u = m->kind == 2 ? (da ? " (pct.-point)" : " (pct. points)")
                         : (da ? " (point)" : " (points)");
    else if (!strcmp(key, "rel_s"))
        u = " (%)";
    snprintf(buf, n, "%s%s", report_t(r, key), u);
}

/* "andel, %; lavere er bedre": a measure's scale and, where higher is worse, that cue. */
void report_scale_text(const helby_report *r, const helby_report_measure *m, char *buf, size_t n)
{
    int da = !strcmp(r->lang, "da");
    snprintf(buf, n, "%s%s", report_t(r, m->kind == 2 ? "scale_share" : "scale_index"),
             m->lower_is_better ? (da ? "; lavere er bedre" : "; lower is better") : "");
}

int report_decimals(int q)
{
    return q == HELBY_RQ_RATIO ? 3 : 1;
}

const char *report_mark(const helby_report_cell *c)
{
    return c->mark == HELBY_CELL_PRIMARY         ? "·"
           : c->mark == HELBY_CELL_COMPLEMENTARY ? "‡"
           : c->mark == HELBY_CELL_EMPTY         ? ""
           : c->unreliable                       ? "†"
                                                 : "";
}

/* "62.9 [61.5; 64.4]" or the mark. */
void report_n_text(const helby_report_cell *c, char *buf, size_t n)
{
    if (c->present && c->mark == HELBY_CELL_SHOWN)
        snprintf(buf, n, "%zu", c->n);
    else
        helby_utf8_copy(buf, n, "");
}

void report_cell_text(const helby_report *r, const helby_report_cell *c, double scale, int dec,
                      char *buf, size_t n)
{
    if (c->mark != HELBY_CELL_SHOWN || !c->present) {
        helby_utf8_copy(buf, n, c->mark == HELBY_CELL_EMPTY || !c->present ? "" : report_mark(c));
        return;
    }
    char a[32], b[32], d[32];
    helby_report_num(r, c->estimate * scale, dec, a, sizeof a);
    helby_report_num(r, c->ci_low * scale, dec, b, sizeof b);
    helby_report_num(r, c->ci_high * scale, dec, d, sizeof d);
    snprintf(buf, n, "%s [%s; %s]%s", a, b, d, c->unreliable ? " †" : "");
}

int report_buf_printf(helby_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (k < 0) {
        va_end(ap2);
        return -1;
    }
    if (b->len + (size_t)k + 1 > b->cap) {
        size_t c = b->cap ? b->cap : 256;
        while (c < b->len + (size_t)k + 1)
            c *= 2;
        char *p = realloc(b->data, c);
        if (!p) {
            va_end(ap2);
            return -1;
        }
        b->data = p;
        b->cap = c;
    }
    vsnprintf(b->data + b->len, (size_t)k + 1, fmt, ap2);
    va_end(ap2);
    b->len += (size_t)k;
    return 0;
}

/* Verdict of a register indicator (no sampling error): the latest value against its target. */
const char *report_register_verdict(const helby_report_indicator *ind)
{
    size_t k = ind->n_periods - 1;
    if (!ind->n_periods || isnan(ind->target[k]))
        return "inconclusive";
    int higher = !strcmp(ind->better, "higher");
    return (higher ? ind->value[k] >= ind->target[k] : ind->value[k] <= ind->target[k]) ? "met"
                                                                                        : "not met";
}

/* A weighting diagnostic's name for people ("kish_n" -> "Kish's effective n"). */
void report_diag_label(const helby_report *r, const char *key, char *buf, size_t n)
{
    static const char *tab[][3] = {
        {"n", "Svarpersoner", "Respondents"},
        {"sum_base", "Sum af basisvægte", "Sum of base weights"},
        {"sum_weights", "Sum af vægte", "Sum of weights"},
        {"kish_n", "Kish' effektive n", "Kish's effective n"},
        {"deff_w", "Vægtningens designeffekt 1 + CV²", "Weighting design effect 1 + CV²"},
        {"iterations", "Iterationer", "Iterations"},
        {"max_discrepancy", "Største tilbageværende marginafvigelse",
         "Largest remaining margin discrepancy"},
        {"worst_cell", "… i cellen", "… in the cell"},
        {"totals_gap", "Uoverensstemmelse mellem marginsummer", "Disagreement of margin sums"},
        {"trimmed", "Trimmede vægte", "Trimmed weights"},
        {"warning", "Advarsel", "Warning"},
    };
    int da = !strcmp(r->lang, "da");
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (!strcmp(tab[i][0], key)) {
            helby_utf8_copy(buf, n, tab[i][da ? 1 : 2]);
            return;
        }
    char *end;
    if ((key[0] == 'w' || key[0] == 'g') && !strncmp(key + 1, "_q", 2)) {
        long q = strtol(key + 3, &end, 10);
        if (!*end) {
            const char *what = key[0] == 'w' ? (da ? "Vægt" : "Weight")
                                             : (da ? "g = vægt / basisvægt" : "g = weight / base");
            if (q == 0 || q == 100)
                snprintf(buf, n, "%s, %s", what, q ? "max" : "min");
            else
                snprintf(buf, n, "%s, %ld %%-%s", what, q, da ? "fraktil" : "quantile");
            return;
        }
    }
    helby_utf8_copy(buf, n, key);
}

/* A weighting diagnostic's value: integers plainly, small numbers in scientific notation. */
void report_diag_value(const helby_report *r, const char *raw, char *buf, size_t n)
{
    char *end;
    double x = strtod(raw, &end);
    if (!*raw || *end || !isfinite(x)) {
        helby_utf8_copy(buf, n, raw);
        return;
    }
    if (x == floor(x) && fabs(x) < 1e15) {
        helby_report_num(r, x, 0, buf, n);
    } else if (x != 0 && fabs(x) < 1e-3) {
        snprintf(buf, n, "%.1e", x);
        if (!strcmp(r->lang, "da"))
            for (char *p = buf; *p; p++)
                if (*p == '.')
                    *p = ',';
    } else {
        helby_report_num(r, x, fabs(x) >= 1000 ? 1 : 3, buf, n);
    }
}

/* "Run 1 · 2026-... · helby 0.1.0 · variance Taylor linearization · weights base · 95 % CI ·
 * minimum cell 30" in the report's language. */
void report_run_line(const helby_report *r, char *buf, size_t n)
{
    char var[32] = "linearization", lv[16];
    const char *vp = strstr(r->run.options, "variance="), *lp = strstr(r->run.options, "level=");
    if (vp)
        sscanf(vp, "variance=%31[^;]", var);
    helby_report_num(r, 100 * (lp ? strtod(lp + 6, NULL) : 0.95), 0, lv, sizeof lv);
    int da = !strcmp(r->lang, "da");
    snprintf(buf, n, "%s %lld · %s · helby %s · %s %s · %s %s · %s %% %s · %s %zu",
             da ? "Kørsel" : "Run", (long long)r->run.id, r->run.created_at, r->run.engine,
             da ? "varians" : "variance",
             !strcmp(var, "linearization") ? (da ? "Taylor-linearisering" : "Taylor linearization")
                                           : var,
             da ? "vægte" : "weights", r->weights, lv, da ? "KI" : "CI",
             da ? "mindste celle" : "minimum cell", r->threshold);
}

void report_lower_first(char *buf, size_t n, const char *label)
{
    helby_utf8_copy(buf, n, label);
    if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
        buf[0] = (char)(buf[0] - 'A' + 'a');
}

void report_esc(FILE *o, const char *s)
{
    for (; *s; s++)
        switch (*s) {
        case '&': fputs("&amp;", o); break;
        case '<': fputs("&lt;", o); break;
        case '>': fputs("&gt;", o); break;
        case '"': fputs("&quot;", o); break;
        default: fputc(*s, o);
        }
}

void report_tag_esc(FILE *o, const char *before, const char *s, const char *after)
{
    fputs(before, o);
    report_esc(o, s);
    fputs(after, o);
}
