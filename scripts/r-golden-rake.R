#!/usr/bin/env Rscript
# Raking's stop rule (tests/unit/test_weight.c, raking_stops_on_the_worst_cell): a small case
# in which margin A already has its totals and margin B does not, so A "converges first".
# The documented rule (docs/weighting.md, helby/weight.h): each margin in turn is scaled to
# its totals; before scaling, every cell's |T^ - T| / (1 + |T|) is taken, and raking stops
# after the first sweep in which the largest of them (the worst cell of every margin) is
# below epsilon = 1e-10. Implemented here on its own, then checked against survey::rake's
# weights. Run by hand from the repository root:   Rscript scripts/r-golden-rake.R
# Writes tests/golden/rake_stop.csv (quantity;value, full precision).
suppressMessages(library(survey))
# 12 rows: cell (a, b), a in 0:1, b in 0:2, two rows each; row k: a = k %/% 6,
# b = (k %/% 2) %% 3, base weight 1 + (k * 7) %% 5.
k <- 0:11
a <- k %/% 6
b <- (k %/% 2) %% 3
w0 <- 1 + (k * 7) %% 5
TA <- as.numeric(tapply(w0, a, sum)) # margin A already at its totals
TB <- c(0.5, 0.3, 0.2) * sum(w0)     # margin B not
eps <- 1e-10
w <- w0
sweeps <- 0
worst_by_sweep <- c()
repeat {
  sweeps <- sweeps + 1
  worst <- 0
  for (m in list(list(l = a, T = TA), list(l = b, T = TB))) {
    t <- as.numeric(tapply(w, m$l, sum))
    worst <- max(worst, abs(t - m$T) / (1 + abs(m$T)))
    w <- w * (m$T / t)[m$l + 1]
  }
  worst_by_sweep <- c(worst_by_sweep, worst)
  if (worst < eps || sweeps >= 100) break
}
stopifnot(sweeps < 100)
# The best cell of the first sweep is margin A's (0): a rule tracking it would stop there.
d <- data.frame(a = factor(a), b = factor(b), w0 = w0)
des <- svydesign(ids = ~1, weights = ~w0, data = d)
r <- rake(des, list(~a, ~b), list(data.frame(a = factor(0:1), Freq = TA),
                                  data.frame(b = factor(0:2), Freq = TB)),
          control = list(maxit = 100, epsilon = 1e-13))
stopifnot(max(abs(weights(r) - w) / w) < 1e-9)
print(worst_by_sweep)
out <- data.frame(quantity = c("epsilon", "sweeps", "worst_last", "worst_before_last",
                               paste0("TB", 0:2), paste0("w", k)),
                  value = sprintf("%.17g", c(eps, sweeps, worst_by_sweep[sweeps],
                                             worst_by_sweep[sweeps - 1], TB, w)))
con <- file("tests/golden/rake_stop.csv", "w")
writeLines(sprintf("# scripts/r-golden-rake.R, %s, survey %s", R.version.string,
                   packageVersion("survey")), con)
write.table(out, con, sep = ";", row.names = FALSE, quote = FALSE)
close(con)
print(out)
