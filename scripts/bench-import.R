# R's side of scripts/bench-import (a benchmark run by hand, never a test).
#   Rscript bench-import.R READER FILE...
# READER: read.table | read.csv2 | fread (each FILE a CSV: ';', decimal comma) | read_sav
# (each FILE an SPSS .sav, haven). Prints "read ELAPSED CPU ROWS": seconds of the read step
# inside this process (elapsed, and user + system) and the rows read.
#   Rscript bench-import.R write_sav DIR FILE...   writes DIR/<name>.sav of each CSV (haven)
a <- commandArgs(TRUE)
reader <- a[1]; files <- a[-1]
if (reader == "write_sav") {
    suppressMessages({library(data.table); library(haven)})
    for (f in files[-1])
        write_sav(fread(f, sep = ";", dec = ","),
                  file.path(files[1], sub("\\.csv$", ".sav", basename(f))))
    quit(save = "no")
}
if (reader == "read_sav") suppressMessages(library(haven))
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
        fread = fread(f, sep = ";", dec = ","),
        read_sav = read_sav(f))
    rows <- rows + nrow(d)
}
cat(sprintf("read %.3f %.3f %d\n", el() - t0, cpu() - c0, rows))
