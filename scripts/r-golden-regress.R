#!/usr/bin/env Rscript
# Golden values for helby's design-based regression (src/lib/stats/glm.c, `helby regress`),
# computed by R's survey package: svyglm (gaussian and quasibinomial), confint (t on the
# residual df), regTermTest(method = "Wald") and the dispersion, on data(api) under
# linearization (stratified with fpc, one-stage cluster with fpc, linear calibration, a
# subset) and replicates (JKn, JK1, BRR, Fay), and on the example survey's waves
# (surveys/copenhagen/example) per wave. Run by hand from the repository root (CI does not
# need R; R 4.x, survey 4.1):
#     Rscript scripts/r-golden-regress.R
# Writes tests/golden/regress_api_*.csv (data) and regress_values.csv
# (case;quantity;term;value, full precision); tests/unit/test_glm.c and
# tests/cli/test_regress_cli.py compare. IRLS runs to epsilon 1e-14 so that the numbers are
# those of the solution, not of R's stopping point.
suppressMessages(library(survey))
data(api)
out <- "tests/golden"
rows <- list()
put <- function(case, quantity, term, value) {
  rows[[length(rows) + 1]] <<- data.frame(case = case, quantity = quantity, term = term,
                                          value = sprintf("%.17g", value))
}
export <- function(name, df) {
  write.table(df, file.path(out, paste0(name, ".csv")), sep = ";", row.names = FALSE,
              quote = FALSE, na = "")
}
ctl <- glm.control(epsilon = 1e-14, maxit = 100)
# A logistic fit twice, the second started at the first's solution: R's covariance uses the
# working weights of its last iteration's start, so that start must be the solution too.
logit <- function(f, des) {
  m0 <- svyglm(f, des, family = quasibinomial(), control = ctl)
  do.call(svyglm, list(formula = f, design = des, family = quasibinomial(), control = ctl,
                       start = unname(coef(m0))))
}

# Every number of one fitted model; `tests` names the multi-level terms to Wald-test.
record <- function(case, m, tests = character(0)) {
  s <- summary(m)
  cf <- coef(m, na.rm = FALSE)
  ci <- suppressWarnings(confint(m))
  tab <- s$coefficients
  for (nm in names(cf)) {
    if (is.na(cf[[nm]])) {
      put(case, "aliased", nm, 1)
      next
    }
    put(case, "estimate", nm, cf[[nm]])
    put(case, "se", nm, tab[nm, 2])
    put(case, "t", nm, tab[nm, 3])
    put(case, "p", nm, tab[nm, 4])
    put(case, "ci_low", nm, ci[nm, 1])
    put(case, "ci_high", nm, ci[nm, 2])
  }
  put(case, "df", "", m$df.residual)
  put(case, "dispersion", "", s$dispersion[1])
  for (tt in tests) {
    w <- regTermTest(m, as.formula(paste("~", tt)), method = "Wald")
    put(case, "wald_F", tt, w$Ftest); put(case, "wald_df1", tt, w$df)
    put(case, "wald_df2", tt, w$ddf); put(case, "wald_p", tt, w$p)
  }
  # The whole model: every non-intercept term.
  labs <- attr(terms(m), "term.labels")
  w <- regTermTest(m, as.formula(paste("~", paste(labs, collapse = "+"))), method = "Wald")
  put(case, "wald_F", "model", w$Ftest); put(case, "wald_df1", "model", w$df)
  put(case, "wald_df2", "model", w$ddf); put(case, "wald_p", "model", w$p)
}

prep <- function(d) {
  data.frame(stratum = as.integer(d$stype), weight = d$pw, fpc = d$fpc,
             api00 = d$api00, api99 = d$api99, ell = d$ell, meals = d$meals,
             enroll = d$enroll, stype = as.integer(d$stype),
             sch = ifelse(d$sch.wide == "Yes", 1, 2), aw = ifelse(d$awards == "Yes", 1, 0),
             ellmeals = d$ell + d$meals)
}

# ---- apistrat: stratified by school type, fpc ----
strat <- prep(apistrat)
strat$psu <- seq_len(nrow(strat))
export("regress_api_strat", strat)
strat$stype <- factor(strat$stype)
dstrat <- svydesign(id = ~1, strata = ~stratum, weights = ~weight, fpc = ~fpc, data = strat)
f_lin <- api00 ~ ell + meals + stype + enroll
f_log <- aw ~ ell + meals + stype
record("strat_lin", svyglm(f_lin, dstrat), "stype")
record("strat_logit", logit(f_log, dstrat), "stype")
# A subset (R drops the rows; its degf counts the PSUs and strata left).
record("strat_sub_lin", svyglm(api00 ~ ell + meals + stype, subset(dstrat, sch == 1)), "stype")
# Collinear: ellmeals = ell + meals is aliased (R's NA coefficient).
record("strat_alias", svyglm(api00 ~ ell + meals + ellmeals + stype, dstrat), "stype")
rstrat <- as.svrepdesign(dstrat, type = "JKn")
record("strat_jkn_lin", svyglm(f_lin, rstrat), "stype")
record("strat_jkn_logit", logit(f_log, rstrat),
       "stype")

# ---- apiclus1: one-stage cluster sample of districts, fpc ----
clus1 <- prep(apiclus1)
clus1$psu <- apiclus1$dnum
clus1$stratum <- 1
export("regress_api_clus1", clus1)
clus1$stype <- factor(clus1$stype)
dclus1 <- svydesign(id = ~psu, weights = ~weight, fpc = ~fpc, data = clus1)
record("clus1_lin", svyglm(api00 ~ api99 + ell + stype, dclus1), "stype")
record("clus1_logit", logit(aw ~ ell + meals, dclus1))
# Linear calibration on school type and sch.wide (population counts of apipop).
pop_st <- table(apipop$stype)
pop_sch <- table(apipop$sch.wide)
put("pop", "st", "1", pop_st[["E"]]); put("pop", "st", "2", pop_st[["H"]])
put("pop", "st", "3", pop_st[["M"]])
put("pop", "sch", "1", pop_sch[["Yes"]]); put("pop", "sch", "2", pop_sch[["No"]])
clus1$schf <- factor(clus1$sch)
dclus1 <- svydesign(id = ~psu, weights = ~weight, fpc = ~fpc, data = clus1)
totals <- c(`(Intercept)` = sum(pop_st), stype2 = pop_st[["H"]], stype3 = pop_st[["M"]],
            schf2 = pop_sch[["No"]])
cal <- calibrate(dclus1, ~stype + schf, totals)
record("clus1_cal_lin", svyglm(api00 ~ api99 + ell + stype, cal), "stype")
record("clus1_cal_logit", logit(aw ~ ell + meals, cal))
rclus1 <- as.svrepdesign(svydesign(id = ~psu, weights = ~weight, fpc = ~fpc, data = clus1),
                         type = "JK1")
record("clus1_jk1_lin", svyglm(api00 ~ api99 + ell + stype, rclus1), "stype")

# ---- BRR and Fay: apistrat's schools of each type split in two halves ----
pairs <- prep(apistrat)
pairs$psu <- 10 * pairs$stratum + (ave(seq_len(nrow(pairs)), pairs$stratum,
                                       FUN = seq_along) %% 2)
export("regress_api_pairs", pairs)
pdes <- svydesign(id = ~psu, strata = ~stratum, weights = ~weight, data = pairs)
record("pairs_brr_lin", svyglm(api00 ~ ell + meals, as.svrepdesign(pdes, type = "BRR")))
record("pairs_fay_logit", logit(aw ~ meals, as.svrepdesign(pdes, type = "Fay", fay.rho = 0.3)))

source("scripts/r-golden-regress-example.R")

res <- do.call(rbind, rows)
con <- file(file.path(out, "regress_values.csv"), "w")
writeLines(sprintf("# R %s, survey %s; written by scripts/r-golden-regress.R",
                   paste(R.version$major, R.version$minor, sep = "."),
                   as.character(packageVersion("survey"))), con)
write.table(res, con, sep = ";", row.names = FALSE, quote = FALSE)
close(con)
