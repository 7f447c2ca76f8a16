# Golden values for helby sensitivity (tests/unit/test_sensitivity.c): each construction of
# the inclusion index in a small space -- aggregation arithmetic or geometric, and none or one
# of the discrimination items left out -- scored here from the example's files, independently
# of helby's C code (docs/method.md §1, §8), and estimated with R survey: the index's mean by
# group x wave, and goal 4's relative gap reduction 2011 -> 2014 with its delta-method SE
# (waves independent, each its own design) and Satterthwaite df.
# Run from the repository root: Rscript scripts/r-golden-sensitivity.R
suppressMessages(library(survey))
out <- "tests/golden"
waves <- do.call(rbind, lapply(2011:2014, function(w) {
  f <- sprintf("surveys/copenhagen/example/wave_%d.csv", w)
  read.csv2(f, fileEncoding = "UTF-8-BOM", colClasses = c(resp_id = "character",
            stratum = "character", psu = "character"))
}))
waves$group <- ifelse(waves$origin == 1, 0, ifelse(waves$origin %in% 2:3, 1, NA))
item <- function(x, lo, hi, rev, miss) {
  x[x %in% miss] <- NA
  if (rev) x <- lo + hi - x
  100 * (x - lo) / (hi - lo)
}
dimension <- function(cols, min_valid) {
  m <- do.call(cbind, cols)
  s <- rowMeans(m, na.rm = TRUE)
  s[rowSums(!is.na(m)) < min(min_valid, ncol(m))] <- NA
  s
}
D <- with(waves, list(
  disk = list(disk_12m = item(disk_12m, 1, 2, FALSE, 8:9),
              disk_arbejde = item(disk_arbejde, 1, 4, TRUE, 8:9),
              disk_offentlig = item(disk_offentlig, 1, 4, TRUE, 8:9)),
  infl = dimension(list(item(indfl_lokal, 1, 5, FALSE, 8:9),
                        item(indfl_kommune, 1, 5, FALSE, 8:9),
                        item(indfl_folketing, 0, 10, FALSE, 98:99)), 2),
  trust = dimension(list(item(tillid_naboer, 0, 10, FALSE, 98:99),
                         item(tillid_politi, 1, 5, FALSE, 8:9),
                         item(tillid_kommune, 1, 4, FALSE, 8:9)), 2)))
dfw <- function(w) degf(svydesign(id = ~psu, strata = ~stratum, weights = ~weight,
                                  data = subset(waves, wave == w)))
welch <- function(v, d) sum(v)^2 / sum(v^2 / d)
rows <- list()
for (agg in c("arithmetic", "geometric")) for (drop in c("none", names(D$disk))) {
  disk <- dimension(D$disk[names(D$disk) != drop], 2)
  dims <- cbind(disk, D$infl, D$trust)
  waves$ix <- if (agg == "arithmetic") rowSums(dims) / 3 else
    exp(rowSums(log(dims + 1)) / 3) - 1
  des <- svydesign(id = ~psu, strata = ~interaction(wave, stratum), weights = ~weight,
                   data = waves)
  b <- svyby(~ix, ~group + wave, subset(des, !is.na(ix) & !is.na(group)), svymean,
             covmat = TRUE)
  rows[[length(rows) + 1]] <- data.frame(aggregation = agg, dropped = drop,
    quantity = ifelse(b$group == 0, "danes", "minorities"), wave = b$wave, estimate = b$ix,
    se = SE(b), df = NA)
  V <- vcov(b)
  gv <- function(w) { i <- paste0("0.", w); j <- paste0("1.", w)
                      V[i, i] + V[j, j] - 2 * V[i, j] }
  G <- function(w) coef(b)[paste0("0.", w)] - coef(b)[paste0("1.", w)]
  G0 <- G(2011); Gt <- G(2014)
  parts <- c(gv(2014) / G0^2, (Gt / G0^2)^2 * gv(2011))
  rows[[length(rows) + 1]] <- data.frame(aggregation = agg, dropped = drop,
    quantity = "goal4", wave = 2014, estimate = -(Gt - G0) / G0, se = sqrt(sum(parts)),
    df = welch(parts, c(dfw(2014), dfw(2011))))
}
rows <- do.call(rbind, rows)
for (k in c("estimate", "se", "df")) rows[[k]] <- sprintf("%.17g", rows[[k]])
con <- file(file.path(out, "sensitivity_small.csv"), "w")
writeLines(sprintf("# R %s, survey %s; written by scripts/r-golden-sensitivity.R",
                   getRversion(), packageVersion("survey")), con)
write.table(rows, con, sep = ";", row.names = FALSE, quote = FALSE)
close(con)
