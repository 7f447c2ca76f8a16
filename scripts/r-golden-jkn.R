#!/usr/bin/env Rscript
# Golden values for JKn replicate estimation by domain (tests/unit/test_replicate.c), from
# R's survey package: svydesign + as.svrepdesign(type = "JKn") + svyby(svymean), and degf.
# Run by hand from the repository root (CI has no R):  Rscript scripts/r-golden-jkn.R
# The data are a formula, written the same way in the C test (jkn_data there):
# 240 rows, 4 strata of 3, 4, 5 and 6 PSUs, 3 domains; with fpc, stratum 1 is sampled
# with certainty (N_h = n_h = 4).
suppressMessages(library(survey))
k <- 0:239
h <- k %% 4
psu <- h * 10 + (k %/% 4) %% (3 + h)
dom <- (k %/% 7) %% 3
w <- 1 + (k %% 5) * 0.5
y <- ((k * 37) %% 101) / 10
Npop <- c(6, 4, 10, 12)[h + 1]
d <- data.frame(h, psu, dom, w, y, Npop)
show <- function(name, rep) {
  b <- svyby(~y, ~dom, rep, svymean)
  cat(sprintf("/* %s: degf %d */\n", name, degf(rep)))
  cat(sprintf("{%.17g, %.17g},\n", coef(b), SE(b)), sep = "")
  t <- svyby(~y, ~dom, rep, svytotal)
  cat(sprintf("{%.17g, %.17g},\n", coef(t), SE(t)), sep = "")
}
des <- svydesign(ids = ~psu, strata = ~h, weights = ~w, data = d)
show("JKn", as.svrepdesign(des, type = "JKn"))
desf <- svydesign(ids = ~psu, strata = ~h, weights = ~w, fpc = ~Npop, data = d)
show("JKn with fpc, stratum 1 certainty", as.svrepdesign(desf, type = "JKn"))
# The closed form df = PSUs - strata is R's qr() rank of the replicate weights - 1:
r <- as.svrepdesign(desf, type = "JKn")
cat(sprintf("/* rank - 1 by qr: %d; PSUs - strata: %d */\n",
            qr(weights(r, "analysis"), tol = 1e-5)$rank - 1, 18 - 4))
