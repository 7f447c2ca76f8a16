#!/usr/bin/env Rscript
# Golden values for helby's estimation core, computed by R's survey package (T. Lumley).
# Run by hand from the repository root (CI does not need R):
#     Rscript scripts/r-golden.R
# Writes tests/golden/<design>.csv (the data helby reads) and tests/golden/values.csv
# (design;quantity;domain;value, full precision). tests/unit/test_golden.c compares.
suppressMessages(library(survey))
data(api)
out <- "tests/golden"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
vals <- list()
put <- function(design, quantity, domain, value) {
  vals[[length(vals) + 1]] <<- data.frame(design = design, quantity = quantity,
                                          domain = domain, value = sprintf("%.17g", value))
}
export <- function(name, df) {
  write.table(df, file.path(out, paste0(name, ".csv")), sep = ";", row.names = FALSE,
              quote = FALSE, na = "")
}
prep <- function(d, stratum, psu, fpc) {
  data.frame(stratum = stratum, psu = psu, weight = d$pw, fpc = fpc,
             api00 = d$api00, api99 = d$api99, enroll = d$enroll,
             yes = as.numeric(d$sch.wide == "Yes"), stype = as.integer(d$stype),
             api00_na = ifelse(seq_len(nrow(d)) %% 7 == 0, NA, d$api00))
}

# One set of estimates per design. `des` is the R design; `name` its file.
run <- function(name, des) {
  put(name, "df", "", degf(des))
  m <- svymean(~api00, des, deff = TRUE)
  put(name, "mean_api00", "", coef(m)); put(name, "se_mean_api00", "", SE(m))
  put(name, "deff_mean_api00", "", deff(m))
  m <- svymean(~api00_na, des, na.rm = TRUE)
  put(name, "mean_api00_na", "", coef(m)); put(name, "se_mean_api00_na", "", SE(m))
  t <- svytotal(~enroll, des, deff = TRUE, na.rm = TRUE)
  put(name, "total_enroll", "", coef(t)); put(name, "se_total_enroll", "", SE(t))
  put(name, "deff_total_enroll", "", deff(t))
  r <- svyratio(~api00, ~api99, des)
  put(name, "ratio_api00_api99", "", coef(r)); put(name, "se_ratio_api00_api99", "", SE(r))
  for (method in c("logit", "beta", "mean")) {
    ci <- svyciprop(~I(yes == 1), des, method = method)
    put(name, paste0("prop_yes_", method), "", coef(ci))
    put(name, paste0("prop_yes_", method, "_low"), "", confint(ci)[1])
    put(name, paste0("prop_yes_", method, "_high"), "", confint(ci)[2])
  }
  put(name, "se_prop_yes", "", SE(svymean(~yes, des)))
  b <- svyby(~api00, ~stype, des, svymean, covmat = TRUE, deff = TRUE)
  for (i in seq_len(nrow(b))) {
    dom <- as.character(as.integer(b$stype[i]))
    put(name, "by_mean_api00", dom, b$api00[i])
    put(name, "by_se_mean_api00", dom, SE(b)[i])
    put(name, "by_deff_mean_api00", dom, deff(b)[i])
  }
  V <- vcov(b)
  put(name, "by_cov_E_H", "", V[1, 2])
  d <- svycontrast(b, c(`1` = 1, `2` = -1))   # domains 1 = E, 2 = H, 3 = M
  put(name, "diff_E_H", "", coef(d)); put(name, "se_diff_E_H", "", SE(d))
  q <- svycontrast(b, quote(`1` / `2`))
  put(name, "ratio_E_H", "", coef(q)); put(name, "se_ratio_E_H", "", SE(q))
  ci <- confint(m, df = degf(des))
  put(name, "ci_t_mean_api00_na_low", "", ci[1]); put(name, "ci_t_mean_api00_na_high", "", ci[2])
  ci <- confint(m)  # R's default: normal quantiles
  put(name, "ci_normal_mean_api00_na_low", "", ci[1])
  put(name, "ci_normal_mean_api00_na_high", "", ci[2])
}

options(survey.lonely.psu = "fail")
srs <- prep(apisrs, 1, seq_len(nrow(apisrs)), apisrs$fpc)
srs$fraction <- nrow(apisrs) / apisrs$fpc  # the same fpc given as a sampling fraction
export("srs", srs)
run("srs", svydesign(id = ~1, weights = ~weight, fpc = ~fpc, data = srs))

strat <- prep(apistrat, as.integer(apistrat$stype), seq_len(nrow(apistrat)), apistrat$fpc)
export("strat", strat)
run("strat", svydesign(id = ~1, strata = ~stratum, weights = ~weight, fpc = ~fpc, data = strat))

clus1 <- prep(apiclus1, 1, apiclus1$dnum, apiclus1$fpc)
export("clus1", clus1)
run("clus1", svydesign(id = ~psu, weights = ~weight, fpc = ~fpc, data = clus1))

# Two-stage apiclus2 with the first-stage ("ultimate cluster") variance helby uses.
clus2 <- prep(apiclus2, 1, apiclus2$dnum, apiclus2$fpc1)
clus2$snum <- apiclus2$snum
clus2$fpc2 <- apiclus2$fpc2
export("clus2", clus2)
options(survey.ultimate.cluster = TRUE)
run("clus2", svydesign(id = ~psu + snum, fpc = ~fpc + fpc2, weights = ~weight, data = clus2))
options(survey.ultimate.cluster = FALSE)

# Clusters of apiclus1 in four strata, district 716 alone in a fifth: a lonely PSU.
lonely <- prep(apiclus1, ifelse(apiclus1$dnum == 716, 99, apiclus1$dnum %% 4), apiclus1$dnum,
               NA)
export("lonely", lonely)
for (rule in c("remove", "certainty", "adjust", "average")) {
  options(survey.lonely.psu = rule)
  run(paste0("lonely_", rule),
      svydesign(id = ~psu, strata = ~stratum, weights = ~weight, data = lonely))
}
options(survey.lonely.psu = "fail")

# Replicate designs (as.svrepdesign), centred on the replicate mean (R's default).
runrep <- function(name, des) {
  put(name, "df", "", degf(des))
  m <- svymean(~api00, des)
  put(name, "mean_api00", "", coef(m)); put(name, "se_mean_api00", "", SE(m))
  t <- svytotal(~enroll, des, na.rm = TRUE)
  put(name, "total_enroll", "", coef(t)); put(name, "se_total_enroll", "", SE(t))
  r <- svyratio(~api00, ~api99, des)
  put(name, "se_ratio_api00_api99", "", SE(r))
  b <- svyby(~api00, ~stype, des, svymean, covmat = TRUE)
  for (i in seq_len(nrow(b)))
    put(name, "by_se_mean_api00", as.character(as.integer(b$stype[i])), SE(b)[i])
  put(name, "by_cov_E_H", "", vcov(b)[1, 2])
}
runrep("jk1_clus1", as.svrepdesign(svydesign(id = ~psu, weights = ~weight, fpc = ~fpc,
                                             data = clus1), type = "JK1"))
runrep("jk1_clus1_mse", as.svrepdesign(svydesign(id = ~psu, weights = ~weight, fpc = ~fpc,
                                                 data = clus1), type = "JK1", mse = TRUE))
runrep("jkn_strat", as.svrepdesign(svydesign(id = ~1, strata = ~stratum, weights = ~weight,
                                             fpc = ~fpc, data = strat), type = "JKn"))
# Two PSUs per stratum for BRR and Fay: the schools of each type split in two halves.
pairs <- strat
pairs$psu <- 10 * pairs$stratum + (ave(seq_len(nrow(pairs)), pairs$stratum, FUN = seq_along) %% 2)
export("pairs", pairs)
pdes <- svydesign(id = ~psu, strata = ~stratum, weights = ~weight, data = pairs)
brr <- as.svrepdesign(pdes, type = "BRR")
fay <- as.svrepdesign(pdes, type = "Fay", fay.rho = 0.3)
runrep("brr_pairs", brr)
runrep("fay_pairs", fay)
# Bootstrap replicates drawn by R (seeded), exported for helby's supplied-weights path.
set.seed(20111)
boot <- as.svrepdesign(svydesign(id = ~psu, weights = ~weight, data = clus1),
                       type = "bootstrap", replicates = 50)
runrep("boot_clus1", boot)
for (nm in c("brr", "fay", "boot")) {
  d <- get(nm)
  rw <- weights(d, "analysis")
  colnames(rw) <- paste0("r", seq_len(ncol(rw)))
  write.table(format(rw, digits = 17), file.path(out, paste0(nm, "_repweights.csv")), sep = ";",
              row.names = FALSE, quote = FALSE)
  put(paste0(nm, "_supplied"), "scale", "", d$scale)
  put(paste0(nm, "_supplied"), "rscale1", "", d$rscales[1])
}

# The example survey end to end: `helby estimate` on the four imported waves against svyby on
# the same files read by R (strata within wave; missing codes and empty cells as NA).
waves <- do.call(rbind, lapply(2011:2014, function(w) {
  f <- sprintf("surveys/copenhagen/example/wave_%d.csv", w)
  read.csv2(f, fileEncoding = "UTF-8-BOM", colClasses = c(resp_id = "character",
            stratum = "character", psu = "character"))
}))
miss <- function(x, codes) ifelse(x %in% codes, NA, x)
waves$group <- ifelse(waves$origin == 1, 0, 1)
waves$discr <- as.numeric(miss(waves$disk_12m, c(8, 9)) == 1)
waves$police <- miss(waves$tillid_politi, c(8, 9))
cph <- svydesign(id = ~psu, strata = ~interaction(wave, stratum), weights = ~weight,
                 data = waves)
cli <- list()
b <- svyby(~discr, ~group + wave, cph, svymean, na.rm = TRUE)
cli[[1]] <- data.frame(measure = "share_discriminated", group = b$group, wave = b$wave,
                       estimate = b$discr, se = SE(b))
b <- svyby(~police, ~group + wave, cph, svymean, na.rm = TRUE)
cli[[2]] <- data.frame(measure = "tillid_politi", group = b$group, wave = b$wave,
                       estimate = b$police, se = SE(b))
# Index scores, written here independently of helby's C code (docs/method.md §1).
item <- function(x, lo, hi, rev, miss) {
  x[x %in% miss] <- NA
  if (rev) x <- lo + hi - x
  100 * (x - lo) / (hi - lo)
}
dimension <- function(cols, min_valid) {
  m <- do.call(cbind, cols)
  s <- rowMeans(m, na.rm = TRUE)
  s[rowSums(!is.na(m)) < min_valid] <- NA
  s
}
with(waves, {
  discr <- dimension(list(item(disk_12m, 1, 2, FALSE, 8:9), item(disk_arbejde, 1, 4, TRUE, 8:9),
                          item(disk_offentlig, 1, 4, TRUE, 8:9)), 2)
  infl <- dimension(list(item(indfl_lokal, 1, 5, FALSE, 8:9),
                         item(indfl_kommune, 1, 5, FALSE, 8:9),
                         item(indfl_folketing, 0, 10, FALSE, 98:99)), 2)
  trust <- dimension(list(item(tillid_naboer, 0, 10, FALSE, 98:99),
                          item(tillid_politi, 1, 5, FALSE, 8:9),
                          item(tillid_kommune, 1, 4, FALSE, 8:9)), 2)
  safety <- dimension(list(item(tryg_dag, 1, 4, TRUE, 8:9), item(tryg_aften, 1, 5, TRUE, 8:9),
                           item(tryg_kvarter, 0, 10, FALSE, 98:99),
                           item(tryg_kriminalitet, 1, 2, FALSE, 8:9)), 3)
  waves$inclusion <<- (discr + infl + trust) / 3
  waves$trust <<- trust
  waves$safety <<- safety
})
cph <- svydesign(id = ~psu, strata = ~interaction(wave, stratum), weights = ~weight,
                 data = waves)
for (ix in c("inclusion", "safety", "trust")) {
  b <- svyby(as.formula(paste0("~", ix)), ~group + wave, cph, svymean, na.rm = TRUE)
  cli[[length(cli) + 1]] <- data.frame(measure = ix, group = b$group, wave = b$wave,
                                       estimate = b[[ix]], se = SE(b))
}
cli <- do.call(rbind, cli)

# Raked to the register margins of margins/W.csv, wave by wave (issue 6): district, origin
# and sex x age band. Weights as R rake (converged far past its default), SEs from calibrate
# with the raking distance (the same weights; its residuals are the exact linearization).
raked <- list(); rgap <- list()
for (w in 2011:2014) {
  mg <- read.csv2(sprintf("surveys/copenhagen/margins/%d.csv", w), colClasses = "character")
  mg$total <- as.numeric(mg$total)
  dw <- subset(waves, wave == w)
  dw$fdistrict <- factor(dw$district, levels = 1:10)
  dw$forigin <- factor(dw$origin, levels = 1:3)
  dw$fsexage <- factor(paste0(dw$sex, "*", dw$ageband))
  pd <- subset(mg, variable == "district"); po <- subset(mg, variable == "origin")
  ps <- subset(mg, variable == "sex*ageband")
  pops <- list(data.frame(fdistrict = factor(pd$level, levels = 1:10), Freq = pd$total),
               data.frame(forigin = factor(po$level, levels = 1:3), Freq = po$total),
               data.frame(fsexage = factor(ps$level, levels = levels(dw$fsexage)),
                          Freq = ps$total))
  des <- svydesign(id = ~psu, strata = ~stratum, weights = ~weight, data = dw)
  rk <- rake(des, list(~fdistrict, ~forigin, ~fsexage), pops,
             control = list(maxit = 1000, epsilon = 1e-13))
  cal <- calibrate(des, list(~fdistrict, ~forigin, ~fsexage), pops, calfun = "raking",
                   epsilon = 1e-13, maxit = 100)
  stopifnot(max(abs(weights(rk) / weights(cal) - 1)) < 1e-9)
  for (ix in c("inclusion", "safety")) {
    b <- svyby(as.formula(paste0("~", ix)), ~group, cal, svymean, na.rm = TRUE)
    raked[[length(raked) + 1]] <- data.frame(measure = ix, group = b$group, wave = w,
                                             estimate = sprintf("%.17g", b[[ix]]),
                                             se = sprintf("%.17g", SE(b)))
    # helby compare --weights: the gap Danes - minorities within the wave (same calibrated
    # design, so with the covariance of the two domain means)
    # (svyby's covmat fails on this calibrated design in survey 4.1, so as the ratio of
    # domain totals: y and indicator of each group among respondents with a score)
    v <- cal$variables; has <- !is.na(v[[ix]])
    for (gr in 0:1) {
      i <- has & v$group == gr
      cal$variables[[paste0("t", gr)]] <- ifelse(i, v[[ix]], 0)
      cal$variables[[paste0("n", gr)]] <- as.numeric(i)
    }
    tt <- svytotal(~t0 + n0 + t1 + n1, cal)
    g <- svycontrast(tt, quote(t0 / n0 - t1 / n1))
    rgap[[length(rgap) + 1]] <- data.frame(measure = ix, wave = w,
                                           estimate = coef(g), se = SE(g))
  }
}
raked <- do.call(rbind, raked)
con <- file(file.path(out, "copenhagen_raked.csv"), "w")
writeLines(sprintf("# R %s, survey %s; raked per wave to margins/W.csv; scripts/r-golden.R",
                   getRversion(), packageVersion("survey")), con)
write.table(raked, con, sep = ";", row.names = FALSE, quote = FALSE)
close(con)
# Gaps, and the change of the gap since 2011 (waves are independent samples, each raked on
# its own: the variance of a difference of gaps is the sum of their variances).
rgap <- do.call(rbind, rgap)
con <- file(file.path(out, "copenhagen_raked_compare.csv"), "w")
writeLines(sprintf("# R %s, survey %s; raked per wave, svycontrast gaps; scripts/r-golden.R",
                   getRversion(), packageVersion("survey")), con)
writeLines("measure;wave;quantity;estimate;se", con)
for (i in seq_len(nrow(rgap))) {
  r <- rgap[i, ]
  writeLines(sprintf("%s;%d;gap;%.17g;%.17g", r$measure, r$wave, r$estimate, r$se), con)
  b0 <- rgap[rgap$measure == r$measure & rgap$wave == 2011, ]
  if (r$wave != 2011)
    writeLines(sprintf("%s;%d;did;%.17g;%.17g", r$measure, r$wave, r$estimate - b0$estimate,
                       sqrt(r$se^2 + b0$se^2)), con)
}
close(con)

# The inclusion index by group x wave x district (what `helby compute` stores).
b <- svyby(~inclusion, ~group + wave + district, cph, svymean, na.rm = TRUE)
dist <- data.frame(domain = sprintf("group=%d,wave=%d,district=%d", b$group, b$wave, b$district),
                   estimate = sprintf("%.17g", b$inclusion), se = sprintf("%.17g", SE(b)))
con <- file(file.path(out, "copenhagen_district.csv"), "w")
writeLines(sprintf("# R %s, survey %s; inclusion by group x wave x district; scripts/r-golden.R",
                   getRversion(), packageVersion("survey")), con)
write.table(dist, con, sep = ";", row.names = FALSE, quote = FALSE)
close(con)

# Comparisons (docs/method.md §7) with svycontrast on svyby(covmat = TRUE).
cmp <- list()
putc <- function(measure, wave, quantity, est) {
  cmp[[length(cmp) + 1]] <<- data.frame(measure = measure, wave = wave, quantity = quantity,
                                        estimate = sprintf("%.17g", coef(est)),
                                        se = sprintf("%.17g", SE(est)))
}
# svyby(covmat = TRUE) does not take na.rm: subset first (which keeps the design, as zeroing).
b <- svyby(~inclusion, ~group + wave, subset(cph, !is.na(inclusion)), svymean, covmat = TRUE)
# names: "0.2011" (Danes) and "1.2011" (minorities), ...
putc("inclusion", 2014, "gap", svycontrast(b, c(`0.2014` = 1, `1.2014` = -1)))
putc("inclusion", 2014, "ratio", svycontrast(b, quote(`1.2014` / `0.2014`)))
putc("inclusion", 2014, "gap_change",
     svycontrast(b, c(`0.2014` = 1, `1.2014` = -1, `0.2011` = -1, `1.2011` = 1)))
putc("inclusion", 2014, "rel_gap_change",
     svycontrast(b, quote((`0.2014` - `1.2014` - `0.2011` + `1.2011`) / (`0.2011` - `1.2011`))))
a <- svyby(~safety, ~wave, subset(cph, !is.na(safety)), svymean, covmat = TRUE)
putc("safety", 2014, "change_all", svycontrast(a, c(`2014` = 1, `2011` = -1)))
# The same changes with their CIs as helby states them (docs/method.md §7): waves are
# independent samples, so a change across waves takes Satterthwaite (Welch) df from each
# wave's variance part and df (R degf on the wave alone).
dfw1 <- function(w) degf(svydesign(id = ~psu, strata = ~stratum, weights = ~weight,
                                   data = subset(waves, wave == w)))
welch <- function(v, d) sum(v)^2 / sum(v^2 / d)
V <- vcov(b)
gv <- function(w) { i <- paste0("0.", w); j <- paste0("1.", w)
                    V[i, i] + V[j, j] - 2 * V[i, j] }
G0 <- coef(svycontrast(b, c(`0.2011` = 1, `1.2011` = -1)))
Gt <- coef(svycontrast(b, c(`0.2014` = 1, `1.2014` = -1)))
parts <- c(gv(2014) / G0^2, (Gt / G0^2)^2 * gv(2011))
rel <- (Gt - G0) / G0
dfr <- welch(parts, c(dfw1(2014), dfw1(2011)))
ci <- list(data.frame(quantity = "rel_gap_change", estimate = rel, se = sqrt(sum(parts)),
                      df = dfr, low = rel - qt(0.975, dfr) * sqrt(sum(parts)),
                      high = rel + qt(0.975, dfr) * sqrt(sum(parts))))
Va <- vcov(a)
pa <- c(Va["2014", "2014"], Va["2011", "2011"])
dfa <- welch(pa, c(dfw1(2014), dfw1(2011)))
ch <- coef(a)["2014"] - coef(a)["2011"]
ci[[2]] <- data.frame(quantity = "change_all", estimate = ch, se = sqrt(sum(pa)), df = dfa,
                      low = ch - qt(0.975, dfa) * sqrt(sum(pa)),
                      high = ch + qt(0.975, dfa) * sqrt(sum(pa)))
ci <- do.call(rbind, ci)
for (k in c("estimate", "se", "df", "low", "high")) ci[[k]] <- sprintf("%.17g", ci[[k]])
con <- file(file.path(out, "copenhagen_compare_ci.csv"), "w")
writeLines(sprintf("# R %s, survey %s; inclusion 2014 vs 2011 and safety (all) 2014 vs 2011 with Satterthwaite df; scripts/r-golden.R",
                   getRversion(), packageVersion("survey")), con)
write.table(ci, con, sep = ";", row.names = FALSE, quote = FALSE)
close(con)
cmp <- do.call(rbind, cmp)
con <- file(file.path(out, "copenhagen_compare.csv"), "w")
writeLines(sprintf("# R %s, survey %s; written by scripts/r-golden.R", getRversion(),
                   packageVersion("survey")), con)
write.table(cmp, con, sep = ";", row.names = FALSE, quote = FALSE)
close(con)
cli$estimate <- sprintf("%.17g", cli$estimate)
cli$se <- sprintf("%.17g", cli$se)
con <- file(file.path(out, "copenhagen_estimate.csv"), "w")
# Waves are independent samples: each wave's df is R's degf on that wave alone.
dfw <- sapply(2011:2014, function(w)
  degf(svydesign(id = ~psu, strata = ~stratum, weights = ~weight,
                 data = subset(waves, wave == w))))
writeLines(sprintf("# R %s, survey %s; df per wave %s; written by scripts/r-golden.R",
                   getRversion(), packageVersion("survey"), paste(dfw, collapse = ",")), con)
write.table(cli, con, sep = ";", row.names = FALSE, quote = FALSE)
close(con)

v <- do.call(rbind, vals)
con <- file(file.path(out, "values.csv"), "w")
writeLines(sprintf("# R %s, survey %s; written by scripts/r-golden.R", getRversion(),
                   packageVersion("survey")), con)
write.table(v, con, sep = ";", row.names = FALSE, quote = FALSE)
close(con)
cat("wrote", nrow(v), "values to", file.path(out, "values.csv"), "\n")

# Weighting: postStratify, rake, calibrate, trimWeights (tests/golden/weight_values.csv).
source("scripts/r-golden-weight.R")
