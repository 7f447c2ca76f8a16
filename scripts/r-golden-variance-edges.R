#!/usr/bin/env Rscript
# Goldens for variance rules that no other golden reaches (issue 28, scripts/mutate's
# survivors), from R survey on one small inline data set that tests/unit/test_variance_edges.c
# builds the same way. Run by hand from the repository root (CI does not need R):
#     Rscript scripts/r-golden-variance-edges.R
# Writes tests/golden/variance_edges.csv (case;quantity;value, full precision).
suppressMessages(library(survey))
vals <- list()
put <- function(case, quantity, value)
  vals[[length(vals) + 1]] <<- data.frame(case = case, quantity = quantity,
                                          value = sprintf("%.17g", value))
# Three strata: 1 with PSUs 1, 2; 2 with PSUs 3, 4, 5; 3 with PSU 6 alone (lonely).
d <- data.frame(
  stratum = c(1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3),
  psu     = c(1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6),
  w       = c(10, 12, 8, 9, 20, 22, 18, 25, 30, 16, 14, 11),
  y       = c(3, 5, 90, 40, 7, 1, 4, 8, 6, 3, 10, 2))

# 1. A near-certainty stratum: R's onestrat returns 0 for a stratum whose every f =
#    (N - n) / N is below 1e-7 (a self-representing stratum), even when f is not 0. Stratum 1
#    has the sampling fraction 0.99999995 (f = 5e-8), stratum 2 the fraction 0.5.
d12 <- d[d$stratum < 3, ]
d12$fpc <- ifelse(d12$stratum == 1, 0.99999995, 0.5)
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, fpc = ~fpc, data = d12)
t <- svytotal(~y, des)
put("near_certainty", "total", coef(t)); put("near_certainty", "se", SE(t))
#    The same without stratum 1's contribution (stratum 2 alone): equal by that rule.
t2 <- svytotal(~y, svydesign(ids = ~psu, strata = ~stratum, weights = ~w, fpc = ~fpc,
                             data = d12[d12$stratum == 2, ]))
put("near_certainty", "se_stratum2_alone", SE(t2))

# 2. JKn with the lonely PSU of stratum 3 under `adjust`: as.svrepdesign's jknweights gives the
#    lonely PSU a replicate of its own (the PSU out, every other row x H / (H - 1)). A mean
#    does not see that factor (it cancels); a total does.
options(survey.lonely.psu = "adjust")
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = d)
rep <- as.svrepdesign(des, type = "JKn")
t <- svytotal(~y, rep); m <- svymean(~y, rep)
put("jkn_adjust", "total", coef(t)); put("jkn_adjust", "se_total", SE(t))
put("jkn_adjust", "mean", coef(m)); put("jkn_adjust", "se_mean", SE(m))
put("jkn_adjust", "replicates", ncol(weights(rep, "analysis")))
options(survey.lonely.psu = "fail")

# 3. The df of a subset (svychisq on subset(), helby's Rao-Scott under --where): degf() counts
#    the PSUs with a row in the subset minus their strata. PSUs 1, 2 and 3 of strata 1 and 2:
#    3 - 2 = 1; the whole design of strata 1 and 2: 5 - 2 = 3.
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = d12)
put("subset_df", "psu_le_3", degf(subset(des, psu <= 3)))
put("subset_df", "all", degf(des))

out <- do.call(rbind, vals)
write.table(out, "tests/golden/variance_edges.csv", sep = ";", row.names = FALSE, quote = FALSE)
cat(sprintf("wrote %d values\n", nrow(out)))
print(out)
