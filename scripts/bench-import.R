# R's side of scripts/bench-import (a benchmark run by hand, never a test).
#   Rscript bench-import.R READER FILE...
# READER: read.table | read.csv2 | fread. Reads every FILE (';', decimal comma) and prints
# "read ELAPSED CPU ROWS": seconds of the read step inside this process (elapsed, and user +
# system) and the rows read.
a <- commandArgs(TRUE)
reader <- a[1]; files <- a[-1]
if (reader == "fread") {
    suppressMessages(library(data.table))
    setDTthreads(2)
}
el <- function() proc.time()[["elapsed"]]
cpu <- function() sum(proc.time()[c("user.self", "sys.self")])
t0 <- el(); c0 <- cpu()
rows <- 0
for (f in files) {
    d <- switch(reader,
        read.table = read.table(f, header = TRUE, sep = ";", dec = ","),
        read.csv2 = read.csv2(f),
        fread = fread(f, sep = ";", dec = ","))
    rows <- rows + nrow(d)
}
cat(sprintf("read %.3f %.3f %d\n", el() - t0, cpu() - c0, rows))
