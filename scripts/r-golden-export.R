#!/usr/bin/env Rscript
# Golden values for helby's exports (src/lib/export/export.c), computed by R's survey package. Run by
# hand from the repository root (CI has no R):
#     helby --db x.db init && helby --db x.db survey add surveys/copenhagen
#     helby --db x.db import --survey copenhagen surveys/copenhagen/example/wave_201?.csv
#     helby --db x.db weight create --survey copenhagen --name raked --method rake \
#           --margins 'district,origin,sex*ageband'
#     helby --db x.db export --survey copenhagen --weights raked -o /tmp/export.csv
#     Rscript scripts/r-golden-export.R /tmp/export.csv
# Writes
#  - tests/golden/copenhagen_raked_weights.csv: the example waves raked per wave to
#    margins/W.csv by R calibrate(calfun = "raking") from the response files themselves (not
#    from helby's export): resp_id;wave;weight, full precision;
#  - tests/golden/copenhagen_export_estimate.csv: svydesign on helby's exported CSV (strata
#    within wave, base weights), svyby means of the inclusion and safety indices by group
#    and wave with their SEs, and the same means with the export's final (raked) weights.
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
out <- "tests/golden"
full <- function(x) sprintf("%.17g", x)

ws <- list()
for (w in 2011:2014) {
  dw <- read.csv2(sprintf("surveys/copenhagen/example/wave_%d.csv", w),
                  fileEncoding = "UTF-8-BOM",
                  colClasses = c(resp_id = "character", stratum = "character",
                                 psu = "character"))
  mg <- read.csv2(sprintf("surveys/copenhagen/margins/%d.csv", w), colClasses = "character")
  mg$total <- as.numeric(mg$total)
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
  ws[[length(ws) + 1]] <- data.frame(resp_id = dw$resp_id, wave = w,
                                     weight = full(weights(cal)))
}
con <- file(file.path(out, "copenhagen_raked_weights.csv"), "w")
writeLines(sprintf("# R %s, survey %s; calibrate(calfun = \"raking\") per wave to margins/W.csv; scripts/r-golden-export.R",
                   getRversion(), packageVersion("survey")), con)
write.table(do.call(rbind, ws), con, sep = ";", row.names = FALSE, quote = FALSE)
close(con)

if (length(args) == 1) {
  x <- read.csv(args[1], sep = ";", colClasses = c(resp_id = "character", stratum = "character",
                                        psu = "character"))
  est <- list()
  for (wt in c("weight", "final_weight")) {
    d <- svydesign(id = ~psu, strata = ~interaction(wave, stratum),
                   weights = as.formula(paste0("~", wt)), data = x)
    for (ix in c("inclusion", "safety")) {
      b <- svyby(as.formula(paste0("~", ix)), ~group + wave, d, svymean, na.rm = TRUE)
      est[[length(est) + 1]] <- data.frame(weights = wt, measure = ix, group = b$group,
                                           wave = b$wave, estimate = full(b[[ix]]),
                                           se = full(SE(b)))
    }
  }
  con <- file(file.path(out, "copenhagen_export_estimate.csv"), "w")
  writeLines(sprintf("# R %s, survey %s; svydesign on helby export's CSV; scripts/r-golden-export.R",
                     getRversion(), packageVersion("survey")), con)
  write.table(do.call(rbind, est), con, sep = ";", row.names = FALSE, quote = FALSE)
  close(con)
}
