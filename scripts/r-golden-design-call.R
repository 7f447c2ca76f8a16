#!/usr/bin/env Rscript
# Golden values for the design calls beside helby's exports (src/lib/export/export_design.c):
# R runs the R block of the design file helby wrote beside its CSV export, as written, and
# estimates on it. Run by hand from the directory of the export (CI has no R):
#     helby --db x.db init && helby --db x.db survey add surveys/copenhagen
#     helby --db x.db import --survey copenhagen surveys/copenhagen/example/wave_201?.csv
#     helby --db x.db export --survey copenhagen -o scored.csv    # also scored.csv.design.txt
#     Rscript scripts/r-golden-design-call.R scored.csv.design.txt tests/golden/copenhagen_design_call.csv
# Writes svyby means of the inclusion and safety indices and of share_discriminated by group
# and wave, with their linearization SEs; its first lines record the R block it ran.
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
lines <- readLines(args[1], encoding = "UTF-8")
start <- which(lines == "## R (package survey)")
stop <- which(lines == "## Stata")
block <- lines[(start + 1):(stop - 1)]
block <- block[nchar(block) > 0]
eval(parse(text = block))  # library(survey); d <- read.csv(...); des <- svydesign(...)
full <- function(x) sprintf("%.17g", x)
est <- list()
for (m in c("inclusion", "safety", "share_discriminated")) {
  b <- svyby(as.formula(paste0("~", m)), ~group + wave, des, svymean, na.rm = TRUE)
  est[[length(est) + 1]] <- data.frame(measure = m, group = b$group, wave = b$wave,
                                       estimate = full(b[[m]]), se = full(SE(b)))
}
con <- file(args[2], "w")
writeLines(sprintf("# R %s, survey %s; the R block of helby's design file, run as written; scripts/r-golden-design-call.R",
                   getRversion(), packageVersion("survey")), con)
writeLines(paste("# ran:", block), con)
write.table(do.call(rbind, est), con, sep = ";", row.names = FALSE, quote = FALSE)
close(con)
