#!/usr/bin/env Rscript
# Fieller's interval for the relative gap change (G_t - G_0) / G_0 by its definition, with R's
# survey package for the gaps and a root search (uniroot) for the bounds -- no quadratic.
# Run by hand from the repository root (CI does not need R):
#     Rscript scripts/r-golden-fieller.R
# Writes tests/golden/fieller_values.csv (case;quantity;value, full precision).
#
# The definition (docs/method.md §7): two independent waves with gaps G_0, G_t, variances V_0,
# V_t and dfs df_0, df_t. theta is in the set when the pivot's t test does not reject:
#     |G_t - (1 + theta) G_0| <= qt(p, df(theta)) * sqrt(V_t + (1 + theta)^2 V_0),
# df(theta) the Satterthwaite df of the pivot's two parts. As theta -> +-Inf the pivot tends
# to |G_0| / SE(G_0) on df_0: the set is bounded iff |G_0| / SE(G_0) > qt(p, df_0).
suppressMessages(library(survey))
vals <- list()
put <- function(case, quantity, value)
  vals[[length(vals) + 1]] <<- data.frame(case = case, quantity = quantity,
                                          value = sprintf("%.17g", value))

fieller_def <- function(G0, V0, df0, Gt, Vt, dft, level = 0.95) {
  p <- 1 - (1 - level) / 2
  dfp <- function(phi) {
    v <- c(Vt, phi^2 * V0); d <- c(dft, df0)
    sum(v)^2 / sum(v^2 / d)
  }
  # excess(theta) > 0: rejected; <= 0: in the set.
  excess <- function(theta) {
    phi <- 1 + theta
    abs(Gt - phi * G0) / sqrt(Vt + phi^2 * V0) - qt(p, dfp(phi))
  }
  bounded <- abs(G0) / sqrt(V0) > qt(p, df0)
  th <- Gt / G0 - 1
  out <- list(bounded = bounded, t0 = abs(G0) / sqrt(V0), crit0 = qt(p, df0))
  if (!bounded) return(out)
  side <- function(dir) {
    step <- sqrt(Vt + (th + 1)^2 * V0) / abs(G0)
    while (excess(th + dir * step) <= 0) step <- step * 2
    r <- uniroot(excess, sort(c(th, th + dir * step)), tol = 1e-15, maxiter = 10000)
    r$root
  }
  out$low <- side(-1); out$high <- side(1)
  out$df_low <- dfp(out$low + 1); out$df_high <- dfp(out$high + 1)
  # Check the definition at the bounds and just beyond them.
  stopifnot(abs(excess(out$low)) < 1e-9, abs(excess(out$high)) < 1e-9,
            excess(out$low - 1e-6) > 0, excess(out$high + 1e-6) > 0, excess(th) < 0)
  out
}
emit <- function(case, f) {
  put(case, "bounded", as.numeric(f$bounded)); put(case, "baseline_t", f$t0)
  put(case, "crit0", f$crit0)
  if (f$bounded) {
    put(case, "low", f$low); put(case, "high", f$high)
    put(case, "df_low", f$df_low); put(case, "df_high", f$df_high)
  }
}

# 1. Synthetic gaps (tests/unit/test_compare_edges.c builds the same domain estimates): the
#    issue's case, a baseline gap 15.5 with SE 6.768 on df 5 (its CI [-1.9, 32.9] covers
#    zero) against a target gap 10 with SE 10 on df 700: unbounded, although t on the df of
#    the change G_t - G_0 (Satterthwaite 49.0, t 2.01 < 2.29) would call it bounded.
emit("synthetic_zero", fieller_def(15.5, 6.768^2, 5, 10, 100, 700))
#    A clear baseline gap on small dfs: bounded, the df moves along the interval.
emit("synthetic_small", fieller_def(10, 4, 5, 4, 2.25, 8))

# 2. The edge survey (tests/data/edge, scripts/r-golden-edge.R), q1 (8 = don't know), each
#    wave its own design: baseline 2012, target 2014, and baseline 2011, target 2014.
options(survey.lonely.psu = "average")
gap_of <- function(w) {
  d <- read.csv2(sprintf("tests/data/edge/waves/wave_%d.csv", w), dec = ".")
  d$grp <- ifelse(d$origin == 1, 0, 1)
  d$q1v <- ifelse(d$q1 == 8, NA, d$q1)
  des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, data = d)
  b <- svyby(~q1v, ~grp, subset(des, !is.na(q1v)), svymean, covmat = TRUE)
  g <- svycontrast(b, c(1, -1))
  c(g = unname(coef(g)), v = as.numeric(vcov(g)), df = degf(des))
}
for (b in c(2011, 2012)) {
  G0 <- gap_of(b); Gt <- gap_of(2014)
  case <- sprintf("edge_q1_%d_2014", b)
  put(case, "gap0", G0["g"]); put(case, "gapt", Gt["g"])
  emit(case, fieller_def(G0["g"], G0["v"], G0["df"], Gt["g"], Gt["v"], Gt["df"]))
}
out <- do.call(rbind, vals)
write.table(out, "tests/golden/fieller_values.csv", sep = ";", row.names = FALSE, quote = FALSE)
cat(sprintf("wrote %d values\n", nrow(out)))
