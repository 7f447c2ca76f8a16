#!/usr/bin/env Rscript
# Golden values for the changes between waves that reports mark as significant (issue 22):
# each group's change of a measure since the previous wave and since the baseline, on the
# example survey with base weights. Waves are independent samples: each wave is its own
# design (svydesign on that wave alone), a group is a domain of it (svyby), the change's
# variance is the sum of the two waves' (SE^2), its df the Welch-Satterthwaite df of the two
# parts with each wave's degf, its CI t on that df, its test t = change / SE with p on it.
# Run by hand from the repository root (CI does not need R):
#     Rscript scripts/r-golden-change.R
# Writes tests/golden/copenhagen_changes.csv; tests/cli/test_report.py compares.
suppressMessages(library(survey))
out <- "tests/golden"
waves <- do.call(rbind, lapply(2011:2014, function(w) {
  f <- sprintf("surveys/copenhagen/example/wave_%d.csv", w)
  read.csv2(f, fileEncoding = "UTF-8-BOM", colClasses = c(resp_id = "character",
            stratum = "character", psu = "character"))
}))
miss <- function(x, codes) ifelse(x %in% codes, NA, x)
waves$group <- ifelse(waves$origin == 1, 0, 1)
# Scores as docs/method.md §1 defines them, written here independently of helby's C code.
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
  safety <- dimension(list(item(tryg_dag, 1, 4, TRUE, 8:9), item(tryg_aften, 1, 5, TRUE, 8:9),
                           item(tryg_kvarter, 0, 10, FALSE, 98:99),
                           item(tryg_kriminalitet, 1, 2, FALSE, 8:9)), 3)
  waves$safety <<- safety
})
waves$share_discriminated <- as.numeric(miss(waves$disk_12m, c(8, 9)) == 1)
level <- function(measure, w, g) {
  d <- svydesign(id = ~psu, strata = ~stratum, weights = ~weight,
                 data = subset(waves, wave == w))
  f <- as.formula(paste0("~", measure))
  if (g == "all") {
    m <- svymean(f, subset(d, !is.na(d$variables[[measure]])))
  } else {
    b <- svyby(f, ~group, d, svymean, na.rm = TRUE)
    m <- b[b$group == (g == "minorities"), ]
    return(c(est = m[[measure]], se = SE(b)[b$group == (g == "minorities")], df = degf(d)))
  }
  c(est = unname(coef(m)), se = unname(SE(m)), df = degf(d))
}
rows <- list()
for (measure in c("safety", "share_discriminated"))
  for (g in c("danes", "minorities", "all"))
    for (w in 2012:2014)
      for (k in c("change_previous", "change_baseline")) {
        from <- if (k == "change_previous") w - 1 else 2011
        if (k == "change_baseline" && w == 2012) next  # the same as change_previous
        a <- level(measure, w, g); b <- level(measure, from, g)
        v <- c(a[["se"]]^2, b[["se"]]^2)
        df <- sum(v)^2 / sum(v^2 / c(a[["df"]], b[["df"]]))
        est <- a[["est"]] - b[["est"]]; se <- sqrt(sum(v)); q <- qt(0.975, df)
        t <- est / se
        rows[[length(rows) + 1]] <- data.frame(
          measure = measure, group = g, wave = w, from = from, quantity = k,
          estimate = sprintf("%.17g", est), se = sprintf("%.17g", se), df = sprintf("%.17g", df),
          ci_low = sprintf("%.17g", est - q * se), ci_high = sprintf("%.17g", est + q * se),
          t = sprintf("%.17g", t), p = sprintf("%.17g", 2 * pt(-abs(t), df)))
      }
con <- file(file.path(out, "copenhagen_changes.csv"), "w")
writeLines(sprintf("# R %s, survey %s; written by scripts/r-golden-change.R", getRversion(),
                   packageVersion("survey")), con)
write.table(do.call(rbind, rows), con, sep = ";", row.names = FALSE, quote = FALSE)
close(con)
