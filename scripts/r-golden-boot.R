#!/usr/bin/env Rscript
# The bootstrap's independent reference (tests/unit/test_replicate.c). helby's bootstrap is
# Rao–Wu with n_h - 1 of n_h PSUs drawn per stratum, multiplier n_h/(n_h - 1) x times drawn,
# scale 1/(B - 1), centred on the replicates' mean: R survey's subbootweights
# (as.svrepdesign(type = "subbootstrap")). The random streams differ, so what is compared is
# the expectation over seeds of the bootstrap variance of a total, which is exact:
#   c_hi ~ Multinomial(n_h - 1, 1/n_h), so Var*(sum_i n_h/(n_h-1) c_hi t_hi)
#        = (n_h/(n_h-1))^2 (n_h-1) (1/n_h) sum_i (t_hi - tbar_h)^2
#        = n_h/(n_h-1) sum_i (t_hi - tbar_h)^2,
# the with-replacement linearization variance (svytotal on the design), and the centred sum of
# squares with 1/(B - 1) is unbiased for Var* at any B. R's own subbootstrap is run over K
# seeds to show that it has that expectation too (its mean and Monte Carlo standard error).
# Run by hand from the repository root (CI does not need R):   Rscript scripts/r-golden-boot.R
# Writes tests/golden/boot_values.csv (quantity;value, full precision).
suppressMessages(library(survey))
# The data, written out the same way in the test: row k of 120 is in stratum k %% 3, which
# has 2, 3 and 5 PSUs; PSU h*10 + (k %/% 3) %% n_h.
k <- 0:119
h <- k %% 3
nh <- c(2, 3, 5)[h + 1]
d <- data.frame(h = h, psu = h * 10 + (k %/% 3) %% nh, w = 1 + (k %% 4) * 0.25,
                y = ((k * 37) %% 101) / 10)
des <- svydesign(ids = ~psu, strata = ~h, weights = ~w, data = d)
v_lin <- as.numeric(vcov(svytotal(~y, des)))
# The same by the formula above.
t <- tapply(d$w * d$y, d$psu, sum)
sh <- tapply(d$h, d$psu, function(x) x[1])
v_formula <- sum(sapply(split(t, sh), function(x) {
  n <- length(x); n / (n - 1) * sum((x - mean(x))^2) }))
stopifnot(abs(v_formula - v_lin) < 1e-9 * v_lin)
B <- 5
K <- 4000
v <- numeric(K)
for (i in 1:K) {
  set.seed(i)
  rd <- as.svrepdesign(des, type = "subbootstrap", replicates = B)
  if (i == 1) stopifnot(abs(rd$scale - 1 / (B - 1)) < 1e-15, !rd$mse)
  v[i] <- as.numeric(vcov(svytotal(~y, rd)))
}
out <- data.frame(quantity = c("total_y", "v_lin", "B", "K", "r_subboot_mean", "r_subboot_mcse"),
                  value = sprintf("%.17g", c(coef(svytotal(~y, des)), v_lin, B, K, mean(v),
                                             sd(v) / sqrt(K))))
con <- file("tests/golden/boot_values.csv", "w")
writeLines(sprintf("# scripts/r-golden-boot.R, %s, survey %s", R.version.string,
                   packageVersion("survey")), con)
write.table(out, con, sep = ";", row.names = FALSE, quote = FALSE)
close(con)
print(out)
cat(sprintf("R subbootstrap mean / v_lin = %.4f (+- %.4f)\n", mean(v) / v_lin,
            sd(v) / sqrt(K) / v_lin))
