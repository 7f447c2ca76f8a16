#!/usr/bin/env Rscript
# Golden values for quantiles (issue 22), computed by R's survey package (svyquantile, survey
# >= 4.1), independently of helby's C code. Run by hand from the repository root (CI does not
# need R):
#     Rscript scripts/r-golden-quantile.R
# Writes tests/golden/quantile_values.csv (case;quantity;domain;value: the api designs of
# tests/golden/{srs,strat,clus1}.csv, the bootstrap replicates of boot_repweights.csv and BRR
# and Fay on tests/data/brr10.csv; rules math, school, hf7; a tied variable and a domain of
# one respondent) and tests/golden/copenhagen_quantiles.csv (the example survey per wave, by
# group: what `helby estimate --quantiles` must print).
suppressMessages(library(survey))
options(survey.lonely.psu = "fail", warn = -1)
out <- "tests/golden"
vals <- list()
put <- function(case, quantity, domain, value) {
  vals[[length(vals) + 1]] <<- data.frame(case = case, quantity = quantity, domain = domain,
                                          value = if (is.na(value)) "NaN"
                                                  else sprintf("%.17g", value))
}
probs <- c(0.1, 0.25, 0.5, 0.75, 0.9)
# One svyquantile call's numbers (NA when R stops, as hf7 on one respondent does).
q1 <- function(f, des, p, rule, type = "mean") {
  r <- tryCatch(suppressMessages(svyquantile(f, des, p, qrule = rule, na.rm = TRUE, ci = TRUE,
                            interval.type = type))[[1]], error = function(e) NULL)
  if (is.null(r)) return(rep(NA, 4))
  as.numeric(r[1, 1:4]) # quantile, ci low, ci high, se
}
run <- function(case, des, vars, doms, rules = c("math", "school", "hf7"), type = "mean") {
  for (v in vars) for (dn in names(doms)) {
    sub <- doms[[dn]](des)
    ok <- subset(sub, !is.na(sub$variables[[v]]))
    put(case, paste0(v, "_df"), dn, degf(ok))
    for (rule in rules) for (p in probs) {
      r <- q1(as.formula(paste0("~", v)), sub, p, rule, type)
      for (i in 1:4)
        put(case, sprintf("%s_%s_p%g_%s", v, rule, p, c("est", "lo", "hi", "se")[i]), dn, r[i])
    }
  }
}
rd <- function(name) {
  d <- read.table(file.path(out, paste0(name, ".csv")), sep = ";", header = TRUE)
  d$tie <- floor(d$api00 / 100) # few distinct values: ties everywhere
  d$dom <- d$stype
  d$dom[1] <- 4 # a domain of one respondent
  d
}
doms <- list(all = function(d) d)
for (g in 1:4) doms[[paste0("dom=", g)]] <- local({ gg <- g; function(d) subset(d, dom == gg) })
srs <- rd("srs"); strat <- rd("strat"); clus1 <- rd("clus1")
vars <- c("api00", "api00_na", "tie")
run("srs", svydesign(ids = ~1, weights = ~weight, data = srs), vars, doms)
run("strat", svydesign(ids = ~1, strata = ~stratum, weights = ~weight, data = strat), vars, doms)
run("clus1", svydesign(ids = ~psu, weights = ~weight, data = clus1), vars, doms)

# Replicate method (interval.type = "quantile"): R's bootstrap weights of clus1, supplied.
rw <- as.matrix(read.table(file.path(out, "boot_repweights.csv"), sep = ";", header = TRUE))
boot <- svrepdesign(data = clus1, repweights = rw, weights = ~weight, type = "other",
                    scale = 1 / 49, rscales = rep(1, 50), combined.weights = TRUE, mse = FALSE)
put("boot", "df", "", degf(boot))
run("boot", boot, c("api00", "tie"), doms[c("all", "dom=1", "dom=2", "dom=3")],
    c("math", "school"), "quantile")
bootm <- svrepdesign(data = clus1, repweights = rw, weights = ~weight, type = "other",
                     scale = 1 / 49, rscales = rep(1, 50), combined.weights = TRUE, mse = TRUE)
run("boot_mse", bootm, "api00", doms["all"], "math", "quantile")
b10 <- read.table("tests/data/brr10.csv", sep = ";", header = TRUE)
b10$yt <- round(b10$y / 5) # ties
b10$dom <- ifelse(b10$x > 12, 1, 2)
d10 <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, data = b10)
d2 <- list(all = function(d) d, "dom=1" = function(d) subset(d, dom == 1))
run("brr", as.svrepdesign(d10, type = "BRR"), c("y", "yt"), d2, c("math", "school"), "quantile")
run("fay", as.svrepdesign(d10, type = "Fay", fay.rho = 0.3), c("y", "yt"), d2, "math",
    "quantile")
# Woodruff on the same stratified design (2 PSUs per stratum, df 10).
run("brr10_lin", d10, c("y", "yt"), d2, c("math", "school"))

vals <- do.call(rbind, vals)
con <- file(file.path(out, "quantile_values.csv"), "w")
writeLines(sprintf("# R %s, survey %s; written by scripts/r-golden-quantile.R", getRversion(),
                   packageVersion("survey")), con)
write.table(vals, con, sep = ";", row.names = FALSE, quote = FALSE)
close(con)

# The example survey: each wave its own design (strata and PSUs within wave), by group.
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
rows <- list()
for (w in 2011:2014) {
  d <- read.csv2(sprintf("surveys/copenhagen/example/wave_%d.csv", w), fileEncoding = "UTF-8-BOM",
                 colClasses = c(resp_id = "character", stratum = "character", psu = "character"))
  d$group <- ifelse(d$origin == 1, 0, 1)
  d$tillid_politi[d$tillid_politi %in% 8:9] <- NA
  discr <- with(d, dimension(list(item(disk_12m, 1, 2, FALSE, 8:9),
                                  item(disk_arbejde, 1, 4, TRUE, 8:9),
                                  item(disk_offentlig, 1, 4, TRUE, 8:9)), 2))
  infl <- with(d, dimension(list(item(indfl_lokal, 1, 5, FALSE, 8:9),
                                 item(indfl_kommune, 1, 5, FALSE, 8:9),
                                 item(indfl_folketing, 0, 10, FALSE, 98:99)), 2))
  trust <- with(d, dimension(list(item(tillid_naboer, 0, 10, FALSE, 98:99),
                                  item(tillid_politi, 1, 5, FALSE, 8:9),
                                  item(tillid_kommune, 1, 4, FALSE, 8:9)), 2))
  # helby rounds to 12 significant digits before quantiles: scores equal on paper are ties
  d$inclusion <- signif((discr + infl + trust) / 3, 12)
  des <- svydesign(id = ~psu, strata = ~stratum, weights = ~weight, data = d)
  for (m in c("inclusion", "tillid_politi")) for (rule in c("math", "school")) for (g in 0:1) {
    sub <- subset(des, group == g)
    df <- degf(subset(sub, !is.na(sub$variables[[m]])))
    for (p in c(0.25, 0.5, 0.75)) {
      r <- q1(as.formula(paste0("~", m)), sub, p, rule)
      rows[[length(rows) + 1]] <- data.frame(measure = m, rule = rule, wave = w, group = g,
        p = p, estimate = sprintf("%.17g", r[1]), se = sprintf("%.17g", r[4]),
        ci_low = sprintf("%.17g", r[2]), ci_high = sprintf("%.17g", r[3]), df = df)
    }
  }
}
con <- file(file.path(out, "copenhagen_quantiles.csv"), "w")
writeLines(sprintf("# R %s, survey %s; svyquantile per wave by group; scripts/r-golden-quantile.R",
                   getRversion(), packageVersion("survey")), con)
write.table(do.call(rbind, rows), con, sep = ";", row.names = FALSE, quote = FALSE)
close(con)
