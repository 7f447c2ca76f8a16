/*
 * helby/helby.h — the whole public API of libhelby in one include.
 *
 * A program that uses libhelby includes this (or only the module headers it
 * needs) and links with `pkg-config --cflags --libs helby`. The headers are
 * listed in data-flow order: errors, the store and the survey definitions it
 * holds, reading and importing response files, scoring, the design and its
 * weights, estimates, comparisons and reports. Every header here compiles on
 * its own (tests/api); nothing else is declared here.
 */
#ifndef HELBY_HELBY_H
#define HELBY_HELBY_H

#include "helby/error.h"
#include "helby/store.h"
#include "helby/survey.h"
#include "helby/csv.h"
#include "helby/ingest.h"
#include "helby/score.h"
#include "helby/design.h"
#include "helby/weight.h"
#include "helby/estimate.h"
#include "helby/quantile.h"
#include "helby/crosstab.h"
#include "helby/compare.h"
#include "helby/report.h"
#include "helby/analysis.h"
#include "helby/tables.h"
#include "helby/export.h"
#include "helby/draft.h"
#include "helby/sensitivity.h"
#include "helby/glm.h"
#include "helby/regress.h"
#include "helby/explain.h"

#endif
