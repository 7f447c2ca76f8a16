#!/usr/bin/env Rscript
# Golden values for frequency tables and Rao–Scott tests (issue 22), computed by R's survey
# package independently of helby's C code. Run by hand from the repository root (CI does not
# need R):
#     Rscript scripts/r-golden-table.R
# Writes tests/golden/raoscott_values.csv (case;quantity;domain;value: svychisq F and Chisq on
# the api designs of tests/golden/{srs,strat,clus1}.csv), tests/golden/copenhagen_table.csv
# (svymean(~factor(item), na.rm = TRUE, deff = TRUE) by group per wave, logit CIs by
# svyciprop on the domain's subset with its own df (R's default), missing codes and empty
# answers as shares of all respondents)
# and tests/golden/copenhagen_chisq.csv (svychisq of item x group and item x item per wave).
suppressMessages(library(survey))
options(survey.lonely.psu = "fail")
out <- "tests/golden"
vals <- list()
put <- function(case, quantity, domain, value)
  vals[[length(vals) + 1]] <<- data.frame(case = case, quantity = quantity, domain = domain,
                                          value = sprintf("%.17g", value))
tests <- function(case, f, des) {
  F <- svychisq(f, des)                       # statistic = "F", the default
  C <- svychisq(f, des, statistic = "Chisq")
  put(case, "pearson", "", C$statistic)
  put(case, "f", "", F$statistic)
  put(case, "f_ndf", "", F$parameter[1])
  put(case, "f_ddf", "", F$parameter[2])
  put(case, "f_p", "", F$p.value)
  put(case, "chisq_df", "", C$parameter[1])
  put(case, "chisq_p", "", C$p.value)
}
rd <- function(name) {
  d <- read.table(file.path(out, paste0(name, ".csv")), sep = ";", header = TRUE)
  d$band <- floor(d$api00_na / 200) # NA where api00_na is
  d
}
srs <- rd("srs"); strat <- rd("strat"); clus1 <- rd("clus1")
ds <- list(srs = svydesign(ids = ~1, weights = ~weight, data = srs),
           strat = svydesign(ids = ~1, strata = ~stratum, weights = ~weight, data = strat),
           clus1 = svydesign(ids = ~psu, weights = ~weight, data = clus1))
for (nm in names(ds)) {
  tests(paste0(nm, "_stype_yes"), ~stype + yes, ds[[nm]])
  tests(paste0(nm, "_band_stype"), ~band + stype, ds[[nm]])
}
vals <- do.call(rbind, vals)
con <- file(file.path(out, "raoscott_values.csv"), "w")
writeLines(sprintf("# R %s, survey %s; written by scripts/r-golden-table.R", getRversion(),
                   packageVersion("survey")), con)
write.table(vals, con, sep = ";", row.names = FALSE, quote = FALSE)
close(con)

# svyciprop(method = "logit") fits svyglm(quasibinomial) by IRLS, whose convergence (1e-8)
# leaves ~1e-8 in the limits; the same Wald interval on the logit in closed form,
# expit(logit(p) -+ t_df SE / (p (1 - p))), checked against svyciprop to 1e-6.
logit_ci <- function(p, se, df, sv) {
  q <- qt(0.975, df)
  l <- log(p / (1 - p)); s <- se / (p * (1 - p))
  ci <- 1 / (1 + exp(-(l + c(-1, 1) * q * s)))
  stopifnot(max(abs(ci / attr(sv, "ci") - 1)) < 1e-6)
  as.numeric(ci)
}

# The example survey, each wave its own design.
rows <- list(); chis <- list()
for (w in 2011:2014) {
  d <- read.csv2(sprintf("surveys/copenhagen/example/wave_%d.csv", w), fileEncoding = "UTF-8-BOM",
                 colClasses = c(resp_id = "character", stratum = "character", psu = "character"))
  d$group <- ifelse(d$origin == 1, 0, 1)
  d$raw <- d$tillid_politi
  d$tp <- ifelse(d$raw %in% 8:9, NA, d$raw)
  d$tk <- ifelse(d$tillid_kommune %in% 8:9, NA, d$tillid_kommune)
  des <- svydesign(id = ~psu, strata = ~stratum, weights = ~weight, data = d)
  df <- degf(des)
  for (g in 0:1) {
    sub <- subset(des, group == g)
    m <- svymean(~factor(tp), sub, na.rm = TRUE, deff = TRUE)
    lv <- sort(unique(na.omit(d$tp)))
    for (i in seq_along(lv)) {
      k <- lv[i]
      # svyciprop on the domain's subset: its own df, degf() of the subset (R's default).
      valid <- subset(sub, !is.na(tp))
      ci <- logit_ci(coef(m)[i], SE(m)[i], degf(valid),
                     svyciprop(as.formula(sprintf("~I(tp == %d)", k)), valid, method = "logit"))
      rows[[length(rows) + 1]] <- data.frame(wave = w, group = g, code = k, base = "valid",
        estimate = sprintf("%.17g", coef(m)[i]), se = sprintf("%.17g", SE(m)[i]),
        ci_low = sprintf("%.17g", ci[1]), ci_high = sprintf("%.17g", ci[2]),
        deff = sprintf("%.17g", deff(m)[i]))
    }
    for (k in c(8, 9, NA)) {
      sub$variables$hit <- if (is.na(k)) as.numeric(is.na(sub$variables$raw))
                           else as.numeric(!is.na(sub$variables$raw) & sub$variables$raw == k)
      m <- svymean(~hit, sub)
      ci <- logit_ci(coef(m), SE(m), degf(sub), svyciprop(~I(hit == 1), sub, method = "logit"))
      rows[[length(rows) + 1]] <- data.frame(wave = w, group = g, code = k,
        base = if (is.na(k)) "empty" else "missing",
        estimate = sprintf("%.17g", coef(m)), se = sprintf("%.17g", SE(m)),
        ci_low = sprintf("%.17g", ci[1]), ci_high = sprintf("%.17g", ci[2]),
        deff = "")
    }
  }
  for (b in c("group", "tk")) {
    f <- as.formula(paste0("~tp + ", b))
    F <- svychisq(f, des); C <- svychisq(f, des, statistic = "Chisq")
    chis[[length(chis) + 1]] <- data.frame(wave = w, by = b,
      f = sprintf("%.17g", F$statistic), f_ndf = sprintf("%.17g", F$parameter[1]),
      f_ddf = sprintf("%.17g", F$parameter[2]), f_p = sprintf("%.17g", F$p.value),
      pearson = sprintf("%.17g", C$statistic), chisq_df = C$parameter[1],
      chisq_p = sprintf("%.17g", C$p.value))
  }
}
con <- file(file.path(out, "copenhagen_table.csv"), "w")
writeLines(sprintf("# R %s, survey %s; tillid_politi by group per wave; scripts/r-golden-table.R",
                   getRversion(), packageVersion("survey")), con)
write.table(do.call(rbind, rows), con, sep = ";", row.names = FALSE, quote = FALSE, na = "")
close(con)
con <- file(file.path(out, "copenhagen_chisq.csv"), "w")
writeLines(sprintf("# R %s, survey %s; svychisq per wave (tk = tillid_kommune); scripts/r-golden-table.R",
                   getRversion(), packageVersion("survey")), con)
write.table(do.call(rbind, chis), con, sep = ";", row.names = FALSE, quote = FALSE)
close(con)
