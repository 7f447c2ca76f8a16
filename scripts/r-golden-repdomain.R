#!/usr/bin/env Rscript
# CIs of shares on domains of replicate designs, as R survey's svyby of svyciprop: each
# domain's CI on its subset, whose degf() is recomputed as the rank of the subset's analysis
# weights - 1 ("[.svyrep.design"), for logit and Korn-Graubard (beta) alike; and the
# linearization's domain df (degf of a survey.design2 subset: its PSUs - its strata).
# Run by hand from the repository root (CI does not need R):
#     Rscript scripts/r-golden-repdomain.R
# Writes tests/golden/repdomain_data.csv (the design: 8 strata x 2 PSUs, a 0/1 item with
# missing values, domains `dom` 0-2, domain 2 in three PSUs only; not called g: svyglm on
# a replicate design evaluates its call `g` in the data), tests/golden/repdomain_boot.csv
# (R's bootstrap analysis weights, 40 replicates: helby takes them as supplied weights, with
# the scale and mse of tests/golden/repdomain_boot_scale.csv) and
# tests/golden/repdomain_values.csv (design;method;domain;degf;n;p;se;low;high, full
# precision).
suppressMessages(library(survey))
set.seed(20261202)
H <- 8; rows <- 6
d <- expand.grid(k = 1:rows, psu = 1:2, str = 1:H)
d$psu <- (d$str - 1) * 2 + d$psu
d$w <- round(runif(nrow(d), 5, 40), 2)
d$dom <- sample(0:1, nrow(d), replace = TRUE, prob = c(0.6, 0.4))
d$dom[d$psu %in% c(1, 2, 5) & d$k <= 2] <- 2
d$y <- rbinom(nrow(d), 1, ifelse(d$dom == 1, 0.35, 0.6))
d$y[sample(nrow(d), 9)] <- NA
d$y[d$dom == 2] <- rep_len(c(1, 0, 1), sum(d$dom == 2)) # a share inside (0, 1)
d$k <- NULL
write.table(d, "tests/golden/repdomain_data.csv", sep = ";", row.names = FALSE,
            quote = FALSE, na = "")
des <- svydesign(ids = ~psu, strata = ~str, weights = ~w, data = d)
designs <- list(linearization = des,
                brr = as.svrepdesign(des, type = "BRR"),
                fay = as.svrepdesign(des, type = "Fay", fay.rho = 0.3),
                jkn = as.svrepdesign(des, type = "JKn"),
                bootstrap = as.svrepdesign(des, type = "bootstrap", replicates = 40))
write.table(apply(weights(designs$bootstrap, "analysis"), 2, sprintf, fmt = "%.17g"),
            "tests/golden/repdomain_boot.csv", sep = ";", row.names = FALSE,
            col.names = FALSE, quote = FALSE)
# svyciprop(method = "logit") fits svyglm(quasibinomial) by IRLS, whose convergence (1e-8)
# leaves ~1e-8 in the limits and which fails on a domain of 1 df; its interval in closed
# form, expit(logit(p) -+ t_df SE_logit) on the subset's degf, checked against svyciprop to
# 1e-6 where that converges (as scripts/r-golden-table.R). SE_logit is SE / (p (1 - p)) with
# linearization; with replicates svyglm re-fits each replicate, whose intercept is the logit
# of the replicate's share: the replicate variance of those logits (svrVar). A domain where a
# replicate's share is 0 or 1 (an infinite logit; svyglm stops short of it) gets no logit row.
bt <- designs$bootstrap
stopifnot(all(bt$rscales == 1))
writeLines(c("scale;mse", sprintf("%.17g;%d", bt$scale, as.integer(bt$mse))),
           "tests/golden/repdomain_boot_scale.csv")
out <- NULL
for (nm in names(designs)) for (gg in 0:2) {
  sub <- subset(designs[[nm]], dom == gg & !is.na(y))
  rep <- nm != "linearization"
  m <- svymean(~y, sub)
  p <- coef(m)[[1]]; se <- SE(m)[[1]]; df <- degf(sub)
  sl <- se / (p * (1 - p))
  if (rep) {
    lr <- qlogis(as.vector(svymean(~y, sub, return.replicates = TRUE)$replicates))
    sl <- if (all(is.finite(lr))) sqrt(survey:::svrVar(lr, sub$scale, sub$rscales, mse = sub$mse,
                                                     coef = qlogis(p))) else NA
  }
  logit <- plogis(qlogis(p) + c(-1, 1) * qt(0.975, df) * sl)
  sv <- try(confint(svyciprop(~I(y == 1), sub, method = "logit")), silent = TRUE)
  if (!is.na(sl) && !inherits(sv, "try-error") && all(is.finite(sv)) && all(sv > 1e-6) &&
      all(sv < 1 - 1e-6))
    stopifnot(max(abs(logit / sv - 1)) < 1e-6)
  beta <- confint(svyciprop(~I(y == 1), sub, method = "beta"))
  for (method in if (is.na(sl)) "beta" else c("logit", "beta")) {
    ci <- if (method == "logit") logit else beta
    out <- rbind(out, data.frame(design = nm, method = method, domain = gg, degf = df,
                                 n = nrow(sub), p = sprintf("%.17g", p),
                                 se = sprintf("%.17g", se), low = sprintf("%.17g", ci[1]),
                                 high = sprintf("%.17g", ci[2])))
  }
}
con <- file("tests/golden/repdomain_values.csv", "w")
writeLines(sprintf("# R %s, survey %s; written by scripts/r-golden-repdomain.R", getRversion(),
                   packageVersion("survey")), con)
write.table(out, con, sep = ";", row.names = FALSE, quote = FALSE)
close(con)
print(out)
print(c(brr = degf(designs$brr), fay = degf(designs$fay), boot = degf(designs$bootstrap),
        scale_boot = designs$bootstrap$scale))
