#!/usr/bin/env Rscript
# Korn–Graubard CIs of shares on domains of a jackknife (JKn) replicate design, as R survey's
# svyciprop(method = "beta") on each domain's subset: its df is degf() of the subset, the rank
# of the domain's replicate weights - 1 (not the wave's). Run by hand from the repository root
# (CI does not need R):   Rscript scripts/r-golden-kgrep.R
# Reads tests/data/edge/waves/wave_2014.csv (scripts/r-golden-edge.R), writes
# tests/golden/kg_replicates.csv (group;district;n;degf;low;high, full precision).
suppressMessages(library(survey))
d <- read.csv2("tests/data/edge/waves/wave_2014.csv", dec = ".")
d$grp <- ifelse(d$origin == 1, 0, 1)
d$q1v <- ifelse(d$q1 == 8, NA, d$q1)
d$q1_high <- ifelse(is.na(d$q1v), NA, as.numeric(d$q1v %in% 4:5))
rep <- as.svrepdesign(svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, data = d),
                      type = "JKn")
out <- NULL
for (g in 0:1) for (dist in 1:3) {
  sub <- subset(rep, grp == g & district == dist & !is.na(q1_high))
  p <- svyciprop(~I(q1_high == 1), sub, method = "beta")
  if (!(coef(p) > 0 && coef(p) < 1)) next
  out <- rbind(out, data.frame(group = g, district = dist, n = nrow(sub), degf = degf(sub),
                               low = sprintf("%.17g", confint(p)[1]),
                               high = sprintf("%.17g", confint(p)[2])))
}
write.table(out, "tests/golden/kg_replicates.csv", sep = ";", row.names = FALSE, quote = FALSE)
print(out)
