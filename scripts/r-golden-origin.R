#!/usr/bin/env Rscript
# Golden values for the origin subgroups of a run (docs/method.md §10): every code of the
# example survey's group column (origin: 1 Danish, 2 Western, 3 non-Western) by wave, from R's
# survey package on the example waves. Run by hand from the repository root (CI has no R):
#     Rscript scripts/r-golden-origin.R
# Writes tests/golden/copenhagen_origin.csv (measure;origin;wave;estimate;se); the index
# scores are written here from docs/method.md §1, independently of helby's C code.
suppressMessages(library(survey))
waves <- do.call(rbind, lapply(2011:2014, function(w) {
  f <- sprintf("surveys/copenhagen/example/wave_%d.csv", w)
  read.csv2(f, fileEncoding = "UTF-8-BOM", colClasses = c(resp_id = "character",
            stratum = "character", psu = "character"))
}))
miss <- function(x, codes) ifelse(x %in% codes, NA, x)
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
waves$share_discriminated <- as.numeric(miss(waves$disk_12m, c(8, 9)) == 1)
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
# Strata within wave: a domain inside one wave has the same estimate and linearization SE as
# on that wave's own design (the other waves' strata contribute nothing to it).
cph <- svydesign(id = ~psu, strata = ~interaction(wave, stratum), weights = ~weight,
                 data = waves)
out <- list()
for (m in c("inclusion", "trust", "safety", "share_discriminated")) {
  b <- svyby(as.formula(paste0("~", m)), ~origin + wave, cph, svymean, na.rm = TRUE)
  out[[m]] <- data.frame(measure = m, origin = b$origin, wave = b$wave, estimate = b[[m]],
                         se = SE(b))
}
out <- do.call(rbind, out)
con <- file("tests/golden/copenhagen_origin.csv", "w")
writeLines(sprintf("# R %s, survey %s; svyby ~origin + wave on the example waves; %s",
                   getRversion(), packageVersion("survey"), "scripts/r-golden-origin.R"), con)
writeLines("measure;origin;wave;estimate;se", con)
writeLines(sprintf("%s;%d;%d;%.17g;%.17g", out$measure, out$origin, out$wave, out$estimate,
                   out$se), con)
close(con)
