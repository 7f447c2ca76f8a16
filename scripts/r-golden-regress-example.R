# The example survey's part of scripts/r-golden-regress.R (sourced by it, which defines put,
# record, logit and ctl): svyglm per wave on surveys/copenhagen/example/wave_*.csv as read
# by R (missing codes NA; the index scored here independently of helby, docs/method.md §1),
# each wave its own design svydesign(ids = ~psu, strata = ~stratum, weights = ~weight) and
# the stacked waves with strata and PSUs nested in wave. Coefficient names are turned into
# helby's: ageband2 -> ageband=2, group -> group=minorities, wave2012 -> wave=2012 (the stacked fit's wave factor).
waves <- do.call(rbind, lapply(2011:2014, function(w) {
  f <- sprintf("surveys/copenhagen/example/wave_%d.csv", w)
  read.csv2(f, fileEncoding = "UTF-8-BOM", colClasses = c(resp_id = "character",
            stratum = "character", psu = "character"))
}))
miss <- function(x, codes) ifelse(x %in% codes, NA, x)
waves$group <- ifelse(waves$origin == 1, 0, 1)
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
waves <- within(waves, {
  discr <- dimension(list(item(disk_12m, 1, 2, FALSE, 8:9), item(disk_arbejde, 1, 4, TRUE, 8:9),
                          item(disk_offentlig, 1, 4, TRUE, 8:9)), 2)
  infl <- dimension(list(item(indfl_lokal, 1, 5, FALSE, 8:9),
                         item(indfl_kommune, 1, 5, FALSE, 8:9),
                         item(indfl_folketing, 0, 10, FALSE, 98:99)), 2)
  trust <- dimension(list(item(tillid_naboer, 0, 10, FALSE, 98:99),
                          item(tillid_politi, 1, 5, FALSE, 8:9),
                          item(tillid_kommune, 1, 4, FALSE, 8:9)), 2)
  inclusion <- (discr + infl + trust) / 3
  share_trust_police <- as.numeric(miss(tillid_politi, 8:9) %in% 4:5)
  share_trust_police[is.na(miss(tillid_politi, 8:9))] <- NA
  share_discriminated <- as.numeric(miss(disk_12m, 8:9) == 1)
})
for (v in c("ageband", "sex", "district")) waves[[v]] <- factor(waves[[v]])

helby_names <- function(nm) {
  sapply(strsplit(nm, ":", fixed = TRUE), function(parts) {
    parts <- sub("^group$", "group=minorities", parts)
    parts <- sub("^(ageband|sex|district|wave)([0-9]+)$", "\\1=\\2", parts)
    paste(parts, collapse = ":")
  })
}
# record() with helby's names for the coefficients and the terms.
record_ex <- function(case, m, tests = character(0)) {
  names(m$coefficients) <- helby_names(names(m$coefficients))
  rownames(m$cov.unscaled) <- colnames(m$cov.unscaled) <- names(m$coefficients)
  record(case, m, tests)
}
wave_design <- function(w) {
  svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, data = subset(waves, wave == w))
}
d14 <- wave_design(2014)
record_ex("ex_2014_lin", svyglm(inclusion ~ group + ageband + sex, d14), "ageband")
record_ex("ex_2014_logit", logit(share_trust_police ~ group + ageband, d14), "ageband")
d12 <- wave_design(2012)
record_ex("ex_2012_inter", svyglm(inclusion ~ group * sex + district, d12),
          "district")
for (w in 2011:2013)
  record_ex(sprintf("ex_%d_lin", w), svyglm(inclusion ~ group + ageband + sex, wave_design(w)),
            "ageband")
r14 <- as.svrepdesign(d14, type = "JKn")
record_ex("ex_2014_jkn_lin", svyglm(inclusion ~ group + ageband + sex, r14), "ageband")
record_ex("ex_2014_jkn_logit", logit(share_trust_police ~ group + ageband, r14), "ageband")
sw <- waves
sw$wave <- factor(sw$wave)
stacked <- svydesign(ids = ~psu, strata = ~interaction(wave, stratum), weights = ~weight,
                     data = sw)
record_ex("ex_stacked_lin", svyglm(inclusion ~ group + wave + ageband, stacked),
          c("wave", "ageband"))
# Raked to the register margins of margins/2014.csv (district, origin, sex x age band), as
# `helby weight create --method rake`: calibrate with the raking distance, whose residuals
# are the exact linearization (scripts/r-golden.R does the same for the estimates).
mg <- read.csv2("surveys/copenhagen/margins/2014.csv", colClasses = "character")
mg$total <- as.numeric(mg$total)
dw <- subset(waves, wave == 2014)
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
cal <- calibrate(des, list(~fdistrict, ~forigin, ~fsexage), pops, calfun = "raking",
                 epsilon = 1e-13, maxit = 100)
record_ex("ex_2014_raked_lin", svyglm(inclusion ~ group + ageband + sex, cal), "ageband")
