#!/usr/bin/env Rscript
# Golden values for helby's weighting (src/lib/stats/weight.c), computed by R's survey package:
# postStratify, rake, calibrate (linear, truncated linear, raking, logit), trimWeights, and
# replicate designs re-calibrated, on data(api) and on the Kalton & Flores-Cervantes (2003)
# example that R survey itself tests (tests/kalton.R there). Run by hand from the repository
# root (CI does not need R); r-golden.R sources it:
#     Rscript scripts/r-golden-weight.R
# Writes tests/golden/wclus1.csv, wstrat.csv, kalton.csv (data) and weight_values.csv
# (case;quantity;domain;value, full precision). tests/unit/test_weight.c compares.
# Convergence is set far tighter than R's defaults (epsilon 1e-7 for calibrate, an absolute
# 1 for rake) so that the numbers are those of the solution, not of R's stopping point.
suppressMessages(library(survey))
data(api)
out <- "tests/golden"
wv <- list()
putw <- function(case, quantity, domain, value) {
  wv[[length(wv) + 1]] <<- data.frame(case = case, quantity = quantity, domain = domain,
                                      value = sprintf("%.17g", value))
}
exportw <- function(name, df) {
  write.table(df, file.path(out, paste0(name, ".csv")), sep = ";", row.names = FALSE,
              quote = FALSE, na = "")
}
tight <- 1e-13

# ---- data(api): one-stage cluster sample of school districts (apiclus1) ----
clus1 <- apiclus1
clus1$sch <- ifelse(clus1$sch.wide == "Yes", 1, 2)
clus1$aw <- ifelse(clus1$awards == "Yes", 1, 2)
clus1$st <- as.integer(clus1$stype)          # 1 = E, 2 = H, 3 = M
exportw("wclus1", data.frame(psu = clus1$dnum, weight = clus1$pw, fpc = clus1$fpc,
                             st = clus1$st, sch = clus1$sch, aw = clus1$aw,
                             api00 = clus1$api00, enroll = clus1$enroll))
pop_st <- table(stype = apipop$stype)                    # E, H, M
pop_sch <- table(sch.wide = apipop$sch.wide)             # No, Yes
putw("pop", "st", "1", pop_st[["E"]]); putw("pop", "st", "2", pop_st[["H"]])
putw("pop", "st", "3", pop_st[["M"]])
putw("pop", "sch", "1", pop_sch[["Yes"]]); putw("pop", "sch", "2", pop_sch[["No"]])
totals <- c(`(Intercept)` = sum(pop_st), stypeH = pop_st[["H"]], stypeM = pop_st[["M"]],
            sch.wideYes = pop_sch[["Yes"]])

dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = clus1, fpc = ~fpc)
record <- function(case, des, weights_too = TRUE) {
  if (weights_too) {
    w <- weights(des)
    for (i in seq_along(w)) putw(case, "w", as.character(i), w[i])
  }
  m <- svymean(~api00, des, deff = TRUE)
  putw(case, "mean_api00", "", coef(m)); putw(case, "se_mean_api00", "", SE(m))
  putw(case, "deff_mean_api00", "", deff(m))
  t <- svytotal(~enroll, des)
  putw(case, "total_enroll", "", coef(t)); putw(case, "se_total_enroll", "", SE(t))
  b <- svyby(~api00, ~aw, des, svymean)
  for (i in seq_len(nrow(b))) {
    putw(case, "by_mean_api00", as.character(b$aw[i]), b$api00[i])
    putw(case, "by_se_mean_api00", as.character(b$aw[i]), SE(b)[i])
  }
  putw(case, "df", "", degf(des))
}
record("clus1_ps", postStratify(dclus1, ~stype, pop_st))
record("clus1_rake", rake(dclus1, list(~stype, ~sch.wide), list(pop_st, pop_sch),
                          control = list(maxit = 1000, epsilon = tight)))
record("clus1_calraking", calibrate(dclus1, ~stype + sch.wide, totals, calfun = "raking",
                                    epsilon = tight, maxit = 100))
lin <- calibrate(dclus1, ~stype + sch.wide, totals)
record("clus1_linear", lin)
record("clus1_trunc", calibrate(dclus1, ~stype + sch.wide, totals, bounds = c(0.85, 1.7),
                                epsilon = tight, maxit = 100))
record("clus1_logit", calibrate(dclus1, ~stype + sch.wide, totals, bounds = c(0.85, 1.7),
                                calfun = "logit", epsilon = tight, maxit = 100))
# trimWeights on the linear calibration (bounds inside the weights' range), strict. R keeps
# the calibration (design$postStrata) after trimming: the SEs still residualise on the
# calibration model, with the calibration's g-weights (svyrecvar's greg_calibration).
tr <- trimWeights(lin, lower = 30, upper = 45, strict = TRUE)
record("clus1_linear_trim", tr)

# Replicates re-calibrated: JK1 on apiclus1.
rclus1 <- as.svrepdesign(dclus1, type = "JK1")
recrep <- function(case, des) {
  m <- svymean(~api00, des)
  putw(case, "mean_api00", "", coef(m)); putw(case, "se_mean_api00", "", SE(m))
  b <- svyby(~api00, ~aw, des, svymean)
  for (i in seq_len(nrow(b))) {
    putw(case, "by_mean_api00", as.character(b$aw[i]), b$api00[i])
    putw(case, "by_se_mean_api00", as.character(b$aw[i]), SE(b)[i])
  }
  putw(case, "df", "", degf(des))
}
recrep("clus1_jk1", rclus1)
recrep("clus1_jk1_ps", postStratify(rclus1, ~stype, pop_st))
recrep("clus1_jk1_calraking", calibrate(rclus1, ~stype + sch.wide, totals, calfun = "raking",
                                        epsilon = tight, maxit = 100))
recrep("clus1_jk1_linear", calibrate(rclus1, ~stype + sch.wide, totals))

# ---- data(api): stratified sample of schools (apistrat), JKn replicates ----
strat <- apistrat
strat$sch <- ifelse(strat$sch.wide == "Yes", 1, 2)
strat$aw <- ifelse(strat$awards == "Yes", 1, 2)
strat$st <- as.integer(strat$stype)
exportw("wstrat", data.frame(stratum = strat$st, weight = strat$pw, fpc = strat$fpc,
                             st = strat$st, sch = strat$sch, aw = strat$aw,
                             api00 = strat$api00, enroll = strat$enroll))
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = strat, fpc = ~fpc)
tot_sch <- c(`(Intercept)` = sum(pop_sch), sch.wideYes = pop_sch[["Yes"]])
record("strat_linear", calibrate(dstrat, ~sch.wide, tot_sch))
record("strat_ps", postStratify(dstrat, ~sch.wide, pop_sch))
rstrat <- as.svrepdesign(dstrat, type = "JKn")
recrep("strat_jkn_linear", calibrate(rstrat, ~sch.wide, tot_sch))
recrep("strat_jkn_ps", postStratify(rstrat, ~sch.wide, pop_sch))

# ---- Kalton & Flores-Cervantes (2003): 1000 respondents, 12 cells, population 1500 ----
ab <- expand.grid(a = factor(1:4), b = factor(1:3))
ks <- ab[rep(1:12, c(20, 50, 100, 30, 40, 140, 50, 100, 40, 310, 50, 70)), ]
kp <- ab[rep(1:12, c(80, 60, 170, 55, 40, 150, 60, 165, 55, 340, 200, 125)), ]
# y: any variable to estimate, here a deterministic function of the cell and the row.
ks$y <- as.numeric(ks$a) * 10 + as.numeric(ks$b) * 3 + (seq_len(nrow(ks)) %% 7)
rownames(ks) <- NULL
exportw("kalton", data.frame(a = as.integer(ks$a), b = as.integer(ks$b), y = ks$y, weight = 1))
for (l in 1:4) putw("kpop", "a", as.character(l), sum(kp$a == l))
for (l in 1:3) putw("kpop", "b", as.character(l), sum(kp$b == l))
for (i in 1:12) putw("kpop", "ab", as.character(i), sum(kp$a == ab$a[i] & kp$b == ab$b[i]))
jointpop <- colSums(model.matrix(~a * b, kp))
marginalpop <- colSums(model.matrix(~a + b, kp))
dk <- svydesign(id = ~1, weights = ~rep(1, 1000), data = ks)
krec <- function(case, des) {
  w <- weights(des)
  for (i in 1:12) {   # the g-weight of each cell (equal within a cell here)
    putw(case, "g", as.character(i), w[which(ks$a == ab$a[i] & ks$b == ab$b[i])[1]])
  }
  m <- svymean(~y, des)
  putw(case, "mean_y", "", coef(m)); putw(case, "se_mean_y", "", SE(m))
}
krec("kalton_ps", postStratify(dk, ~a + b, xtabs(~a + b, kp)))
krec("kalton_calps", calibrate(dk, ~a * b, jointpop))
krec("kalton_rake", rake(dk, list(~a, ~b), list(xtabs(~a, kp), xtabs(~b, kp)),
                         control = list(maxit = 1000, epsilon = tight)))
krec("kalton_calraking", calibrate(dk, ~a + b, marginalpop, calfun = "raking",
                                   epsilon = tight, maxit = 100))
krec("kalton_linear", calibrate(dk, ~a + b, marginalpop))
krec("kalton_trunc", calibrate(dk, ~a + b, marginalpop, bounds = c(0.5, 2.2),
                               epsilon = tight, maxit = 100))
krec("kalton_logit", calibrate(dk, ~a + b, marginalpop, bounds = c(0.5, 2.2), calfun = "logit",
                               epsilon = tight, maxit = 100))

v <- do.call(rbind, wv)
con <- file(file.path(out, "weight_values.csv"), "w")
writeLines(sprintf("# R %s, survey %s; written by scripts/r-golden-weight.R", getRversion(),
                   packageVersion("survey")), con)
write.table(v, con, sep = ";", row.names = FALSE, quote = FALSE)
close(con)
cat("wrote", nrow(v), "values to", file.path(out, "weight_values.csv"), "\n")
