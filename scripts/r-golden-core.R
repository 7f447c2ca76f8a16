#!/usr/bin/env Rscript
# Golden values for the estimation core's edge cases (issue 13, finding 6), from R's
# survey package (T. Lumley), written independently of helby's C code. Run by hand from the
# repository root (CI does not need R):
#     Rscript scripts/r-golden-core.R
# Reads the edge survey's wave 2011 (tests/data/edge, made by scripts/r-golden-edge.R: stratum
# S6 has a single PSU); writes tests/data/brr10.csv (10 strata of 2 PSUs) and
# tests/golden/core_edges.csv (case;wave;domain;quantity;value, full precision).
suppressMessages(library(survey))
vals <- list()
put <- function(case, wave, domain, quantity, value) {
  vals[[length(vals) + 1]] <<- data.frame(case = case, wave = wave, domain = domain,
                                          quantity = quantity, value = sprintf("%.17g", value))
}

# ---- 6a. JKn with a lonely PSU: as.svrepdesign applies options(survey.lonely.psu) ----
d <- read.table("tests/data/edge/waves/wave_2011.csv", sep = ";", header = TRUE)
d$grp <- ifelse(d$origin == 1, 0, 1)
d$q3v <- ifelse(d$q3 == 8, NA, d$q3)
for (rule in c("remove", "certainty", "average", "adjust")) {
  options(survey.lonely.psu = rule)
  des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, data = d)
  rep <- as.svrepdesign(des, type = "JKn")
  case <- paste0("jkn_", rule)
  put(case, 2011, "", "replicates", ncol(weights(rep, "analysis")))
  put(case, 2011, "", "scale", rep$scale)
  put(case, 2011, "", "rscale_min", min(rep$rscales))
  put(case, 2011, "", "rscale_max", max(rep$rscales))
  put(case, 2011, "", "df", degf(rep))
  for (g in 0:1) {
    m <- svymean(~q3v, subset(rep, grp == g & !is.na(q3v)))
    put(case, 2011, paste0("group=", g), "mean_q3v", coef(m))
    put(case, 2011, paste0("group=", g), "se_q3v", SE(m))
  }
}
options(survey.lonely.psu = "fail")

# ---- 6c. JK1 per wave: the edge waves read with PSUs and no strata, each wave alone ----
for (w in 2011:2014) {
  d <- read.table(sprintf("tests/data/edge/waves/wave_%d.csv", w), sep = ";", header = TRUE)
  d$grp <- ifelse(d$origin == 1, 0, 1)
  d$q3v <- ifelse(d$q3 == 8, NA, d$q3)
  rep <- as.svrepdesign(svydesign(ids = ~psu, weights = ~weight, data = d), type = "JK1")
  put("jk1", w, "", "df", degf(rep))
  for (g in 0:1) {
    m <- svymean(~q3v, subset(rep, grp == g & !is.na(q3v)))
    put("jk1", w, paste0("group=", g), "mean_q3v", coef(m))
    put("jk1", w, paste0("group=", g), "se_q3v", SE(m))
  }
}

# ---- 6b. BRR and Fay with 10 strata: R's hadamard(10) has order 12 ----
set.seed(20131)
b <- do.call(rbind, lapply(1:10, function(h) do.call(rbind, lapply(1:2, function(p) {
  m <- 4 + (h + p) %% 3
  data.frame(stratum = sprintf("S%d", h), psu = sprintf("S%d-P%d", h, p),
             weight = round(runif(m, 20, 80), 3), x = round(rnorm(m, 10 + h, 2), 3),
             y = round(rnorm(m, 50 + 2 * h + 3 * p, 8), 3))
}))))
# Rows not sorted by stratum (S10 first): R numbers strata by sorted name, not appearance.
b <- b[order(b$stratum != "S10"), ]
write.table(b, "tests/data/brr10.csv", sep = ";", row.names = FALSE, quote = FALSE)
bdes <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, data = b)
for (type in c("BRR", "Fay")) {
  rep <- as.svrepdesign(bdes, type = type, fay.rho = if (type == "Fay") 0.3 else 0)
  case <- tolower(type)
  put(case, 0, "", "replicates", ncol(weights(rep, "analysis")))
  put(case, 0, "", "df", degf(rep))
  m <- svymean(~y, rep); put(case, 0, "", "mean_y", coef(m)); put(case, 0, "", "se_mean_y", SE(m))
  t <- svytotal(~y, rep); put(case, 0, "", "total_y", coef(t)); put(case, 0, "", "se_total_y", SE(t))
  r <- svyratio(~y, ~x, rep)
  put(case, 0, "", "ratio_y_x", coef(r)); put(case, 0, "", "se_ratio_y_x", SE(r))
}

out <- do.call(rbind, vals)
write.table(out, "tests/golden/core_edges.csv", sep = ";", row.names = FALSE, quote = FALSE)
cat(sprintf("wrote %d values\n", nrow(out)))
