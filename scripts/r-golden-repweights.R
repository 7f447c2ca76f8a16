#!/usr/bin/env Rscript
# Producer replicate weights (issue 22): a small survey with supplied replicate weights, and
# R svrepdesign's estimates on it, for `--variance supplied`.
# Run by hand from the repository root (CI does not need R):
#     Rscript scripts/r-golden-repweights.R
# Writes tests/data/repweights/wave_2013.csv and wave_2014.csv: every 10th respondent of the
# example's waves with 20 replicate weights rw1..rw20 (the weight times a multiplier per PSU
# and replicate, drawn here, rounded to 4 decimals as the file holds them), and
# tests/golden/repweights_values.csv: per design spec (survey.ini [replicates]) and wave,
# svymean of the safety index and of the share discriminated by group, with SE and degf.
suppressMessages(library(survey))
set.seed(20261204)
R <- 20
dat <- list()
for (w in 2013:2014) {
  d <- read.csv2(sprintf("surveys/copenhagen/example/wave_%d.csv", w), fileEncoding = "UTF-8-BOM",
                 colClasses = c(resp_id = "character", stratum = "character", psu = "character"))
  d <- d[seq(1, nrow(d), by = 10), ]
  psus <- unique(d$psu)
  m <- matrix(round(runif(length(psus) * R, 0.4, 1.6), 3), nrow = length(psus))
  rw <- round(d$weight * m[match(d$psu, psus), , drop = FALSE], 4)
  colnames(rw) <- paste0("rw", 1:R)
  d <- cbind(d, rw)
  out <- d
  write.table(out, sprintf("tests/data/repweights/wave_%d.csv", w), sep = ";", dec = ",",
              row.names = FALSE, quote = FALSE, na = "", fileEncoding = "UTF-8")
  dat[[as.character(w)]] <- read.csv2(sprintf("tests/data/repweights/wave_%d.csv", w),
                                      colClasses = c(resp_id = "character",
                                                     stratum = "character", psu = "character"))
}
miss <- function(x, codes) ifelse(x %in% codes, NA, x)
item <- function(x, lo, hi, rev, miss) {  # docs/method.md §1, written here independently
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
specs <- list(
  bootstrap = list(type = "bootstrap", scale = NULL, rscales = NULL, mse = FALSE),
  other = list(type = "other", scale = 0.07, rscales = rep(c(1, 0.5), R / 2), mse = FALSE),
  jk1_mse = list(type = "JK1", scale = NULL, rscales = NULL, mse = TRUE))
rows <- list()
put <- function(spec, wave, measure, group, quantity, value)
  rows[[length(rows) + 1]] <<- data.frame(spec = spec, wave = wave, measure = measure,
                                          group = group, quantity = quantity,
                                          value = sprintf("%.17g", value))
for (sn in names(specs)) for (w in names(dat)) {
  d <- dat[[w]]
  d$group <- ifelse(d$origin == 1, 0, 1)
  d$share_discriminated <- as.numeric(miss(d$disk_12m, c(8, 9)) == 1)
  d$safety <- with(d, dimension(list(item(tryg_dag, 1, 4, TRUE, 8:9),
                                     item(tryg_aften, 1, 5, TRUE, 8:9),
                                     item(tryg_kvarter, 0, 10, FALSE, 98:99),
                                     item(tryg_kriminalitet, 1, 2, FALSE, 8:9)), 3))
  sp <- specs[[sn]]
  des <- suppressWarnings(svrepdesign(data = d, repweights = "rw[0-9]+", weights = ~weight,
                                      type = sp$type, scale = sp$scale, rscales = sp$rscales,
                                      mse = sp$mse, combined.weights = TRUE))
  put(sn, w, "", "", "degf", degf(des))
  put(sn, w, "", "", "scale", des$scale)
  for (ms in c("safety", "share_discriminated")) {
    b <- svyby(as.formula(paste0("~", ms)), ~group, des, svymean, na.rm = TRUE)
    for (g in 0:1) {
      put(sn, w, ms, g, "estimate", b[[ms]][b$group == g])
      put(sn, w, ms, g, "se", SE(b)[b$group == g])
    }
    a <- svymean(as.formula(paste0("~", ms)), subset(des, !is.na(d[[ms]])))
    put(sn, w, ms, "all", "estimate", coef(a))
    put(sn, w, ms, "all", "se", SE(a))
  }
}
con <- file("tests/golden/repweights_values.csv", "w")
writeLines(sprintf("# R %s, survey %s; written by scripts/r-golden-repweights.R; R = %d",
                   getRversion(), packageVersion("survey"), R), con)
write.table(do.call(rbind, rows), con, sep = ";", row.names = FALSE, quote = FALSE)
close(con)
