#!/usr/bin/env Rscript
# Golden values of issue 24's survey-year scenario (tests/cli/test_survey_year.py, SurveyYear):
# R re-analyses the CSV that `helby export --weights raked` wrote at the end of the scenario,
# with the R block of the design file helby wrote beside it, as written. Run by hand (CI has
# no R):
#     mkdir /tmp/year
#     HELBY_SURVEY_YEAR_KEEP=/tmp/year python3 tests/cli/test_survey_year.py \
#         build/src/cli/helby build/tests/tools/write_readstat   # keeps scored.csv(.design.txt)
#     (cd /tmp/year && Rscript $OLDPWD/scripts/r-golden-survey-year.R scored.csv.design.txt \
#         $OLDPWD/tests/golden/survey_year.csv)
# Writes svyby means of the inclusion and safety indices and of share_discriminated by group
# and wave (the half-year waves 201506 and 201512) with their linearization SEs: with the
# call as written (weights = ~final_weight, the raked set; its SEs are those of fixed weights,
# not helby's calibrated ones) and with weights = ~weight in its place (the base design).
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
lines <- readLines(args[1], encoding = "UTF-8")
start <- which(lines == "## R (package survey)")
stop <- which(lines == "## Stata")
block <- lines[(start + 1):(stop - 1)]
block <- block[nchar(block) > 0]
# the export was written in the test's temporary directory: read it here, by its name
block <- sub('read\\.csv\\("[^"]*/', 'read.csv("', block)
eval(parse(text = block))  # library(survey); d <- read.csv(...); des <- svydesign(...)
stopifnot(sort(unique(d$wave)) == c(201506, 201512))
stopifnot(grepl("weights = ~final_weight", block[3], fixed = TRUE))
# the base design: the same call with the base weights, as the design file says
base <- eval(parse(text = sub("^des <- ", "", sub("~final_weight", "~weight", block[3], fixed = TRUE))))
full <- function(x) sprintf("%.17g", x)
est <- list()
for (w in c("weight", "final_weight")) {
  de <- if (w == "weight") base else des
  for (m in c("inclusion", "safety", "share_discriminated")) {
    b <- svyby(as.formula(paste0("~", m)), ~group + wave, de, svymean, na.rm = TRUE)
    est[[length(est) + 1]] <- data.frame(weights = w, measure = m, group = b$group,
                                         wave = b$wave, estimate = full(b[[m]]),
                                         se = full(SE(b)))
  }
}
con <- file(args[2], "w")
writeLines(sprintf("# R %s, survey %s; the R block of helby's design file beside the scenario's export, run as written (final_weight rows) and with weights = ~weight (weight rows); scripts/r-golden-survey-year.R",
                   getRversion(), packageVersion("survey")), con)
writeLines(paste("# ran:", block), con)
write.table(do.call(rbind, est), con, sep = ";", row.names = FALSE, quote = FALSE)
close(con)
