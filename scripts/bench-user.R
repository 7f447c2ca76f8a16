# R survey's side of scripts/bench-user (run by it, one Rscript process per measurement).
#   Rscript bench-user.R MODE DIR OUT [JKN_STRATA] [RPROF]
# MODE: read | linearization | jkn | bootstrap. Reads DIR/wave_*.csv (the files helby
# imports) with read.csv2, then for the estimates: svydesign with strata and PSUs within wave
# (as helby takes them) + svyby of the mean of tillid_naboer by group and wave. Prints
# "read S CPU", "prep S", "estimate S CPU" (elapsed and user + system seconds), the rows used
# and the replicates, and writes svyby's table to OUT. For jkn, JKN_STRATA > 0 keeps strata
# S01..Sk of every wave (JKn with one replicate per PSU on all 10,000 PSUs does not fit in
# memory). RPROF = a file: profile design + svyby there and print the functions that take
# the most time.
suppressMessages(library(survey))
a <- commandArgs(TRUE)
mode <- a[1]; dir <- a[2]; out <- a[3]
jkn_strata <- if (length(a) >= 4) as.integer(a[4]) else 0L
rprof <- if (length(a) >= 5) a[5] else ""
el <- function() proc.time()[["elapsed"]]
cpu <- function() sum(proc.time()[c("user.self", "sys.self")])

files <- sort(list.files(dir, pattern = "^wave_.*\\.csv$", full.names = TRUE))
t0 <- el(); c0 <- cpu()
d <- do.call(rbind, lapply(files, read.csv2))
cat(sprintf("read %.3f %.3f\n", el() - t0, cpu() - c0))
if (mode == "read") quit(save = "no")

# Preparation helby does from the survey definition: the item's missing codes (98, 99) out,
# group = ethnic Danes (origin 1) vs minorities (2, 3), strata within wave.
t0 <- el()
if (mode == "jkn" && jkn_strata > 0)
    d <- d[as.integer(substring(d$stratum, 2)) <= jkn_strata, ]
d$y <- d$tillid_naboer
d$y[d$y %in% c(98, 99)] <- NA
d$group <- ifelse(d$origin == 1, "danes", "minorities")
d$wstratum <- paste(d$wave, d$stratum)
cat(sprintf("prep %.3f\n", el() - t0))
cat(sprintf("rows %d\n", nrow(d)))

if (nzchar(rprof)) Rprof(rprof, interval = 0.02)
t0 <- el(); c0 <- cpu()
des <- svydesign(ids = ~psu, strata = ~wstratum, weights = ~weight, nest = TRUE, data = d)
if (mode == "jkn") {
    des <- as.svrepdesign(des, type = "JKn")
} else if (mode == "bootstrap") {
    set.seed(1)
    des <- as.svrepdesign(des, type = "subbootstrap", replicates = 100)
}
b <- svyby(~y, ~group + wave, des, svymean, na.rm = TRUE)
cat(sprintf("estimate %.3f %.3f\n", el() - t0, cpu() - c0))
if (nzchar(rprof)) {
    Rprof(NULL)
    s <- summaryRprof(rprof)$by.total
    cat("Rprof, by total time (s, %):\n")
    print(head(s[, c("total.time", "total.pct")], 15))
}
if (mode != "linearization") cat(sprintf("replicates %d\n", ncol(des$repweights)))
write.csv(data.frame(group = b$group, wave = b$wave, estimate = b$y, se = SE(b)), out,
          row.names = FALSE)
