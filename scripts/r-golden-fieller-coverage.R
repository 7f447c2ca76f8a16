#!/usr/bin/env Rscript
# Coverage of Fieller's interval by its definition, the reference for the coverage of helby's
# interval (tests/unit/test_goals.c draws the same cases with its own random numbers and
# runs helby_fieller_gaps). Run by hand from the repository root (CI does not need R):
#     Rscript scripts/r-golden-fieller-coverage.R
# Writes tests/golden/fieller_coverage.csv (case;quantity;value).
#
# Each case draws two independent waves' gap estimates as a survey gives them: G ~ N(mu, s^2)
# and its variance V = s^2 chi2_df / df, independent of G. theta = mu_t / mu_0 - 1 is
# covered when the pivot's t test at theta, on the pivot's Satterthwaite df, does not reject
# (docs/method.md §7) -- the definition, no interval solved for. The baselines are far from
# zero (mu_0 / s_0 >= 8, 12 on 3 df): the set is a bounded interval in every draw, so its coverage is
# that of helby's [low, high].
set.seed(28)
N <- as.integer(Sys.getenv("SIM_N", "200000"))
cases <- list(
  list(name = "df20", mu0 = 6, s0 = 0.75, df0 = 20, mut = 3, st = 0.75, dft = 20),
  list(name = "df4_6", mu0 = 10, s0 = 1, df0 = 4, mut = 4, st = 1.5, dft = 6),
  list(name = "df3_30", mu0 = 12, s0 = 1, df0 = 3, mut = 18, st = 2, dft = 30))
vals <- list()
put <- function(case, quantity, value)
  vals[[length(vals) + 1]] <<- data.frame(case = case, quantity = quantity,
                                          value = sprintf("%.17g", value))
for (cs in cases) {
  G0 <- rnorm(N, cs$mu0, cs$s0); V0 <- cs$s0^2 * rchisq(N, cs$df0) / cs$df0
  Gt <- rnorm(N, cs$mut, cs$st); Vt <- cs$st^2 * rchisq(N, cs$dft) / cs$dft
  phi <- cs$mut / cs$mu0
  v1 <- Vt; v2 <- phi^2 * V0
  dfp <- (v1 + v2)^2 / (v1^2 / cs$dft + v2^2 / cs$df0)
  inside <- abs(Gt - phi * G0) / sqrt(v1 + v2) <= qt(0.975, dfp)
  bounded <- abs(G0) / sqrt(V0) > qt(0.975, cs$df0)
  stopifnot(all(bounded))
  for (q in c("mu0", "s0", "df0", "mut", "st", "dft")) put(cs$name, q, cs[[q]])
  put(cs$name, "coverage", mean(inside)); put(cs$name, "draws", N)
  cat(sprintf("%-8s coverage %.4f (MC SE %.4f)\n", cs$name, mean(inside),
              sqrt(mean(inside) * (1 - mean(inside)) / N)))
}
out <- do.call(rbind, vals)
write.table(out, "tests/golden/fieller_coverage.csv", sep = ";", row.names = FALSE, quote = FALSE)
cat(sprintf("wrote %d values\n", nrow(out)))
