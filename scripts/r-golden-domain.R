#!/usr/bin/env Rscript
# Golden values for subpopulations as domains and comparisons within levels (issue 22), from
# R's survey package independently of helby's C code: R's subset() keeps the whole design
# (the rows outside weigh 0), which `--where` must reproduce. Run by hand from the repository
# root (CI does not need R):
#     Rscript scripts/r-golden-domain.R
# Writes tests/golden/copenhagen_where.csv (estimate --where 'sex=2' of inclusion by group
# per wave; table --where 'sex=2' of tillid_politi by group in 2014 with svychisq) and
# tests/golden/copenhagen_compare_by.csv (compare --by ageband: per wave and age band the
# means of both groups, the gap Danes - minorities and the ratio minorities / Danes by
# svycontrast of domain totals, the change of the gap since 2011); and in copenhagen_where.csv
# estimate --total (svytotal) and --ratio (svyratio) by group in 2014.
suppressMessages(library(survey))
options(survey.lonely.psu = "fail")
out <- "tests/golden"
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
f <- function(x) sprintf("%.17g", x)
where <- list(); cby <- list(); gap0 <- list()
for (w in 2011:2014) {
  d <- read.csv2(sprintf("surveys/copenhagen/example/wave_%d.csv", w), fileEncoding = "UTF-8-BOM",
                 colClasses = c(resp_id = "character", stratum = "character", psu = "character"))
  d$group <- ifelse(d$origin == 1, 0, 1)
  d$tp <- ifelse(d$tillid_politi %in% 8:9, NA, d$tillid_politi)
  discr <- with(d, dimension(list(item(disk_12m, 1, 2, FALSE, 8:9),
                                  item(disk_arbejde, 1, 4, TRUE, 8:9),
                                  item(disk_offentlig, 1, 4, TRUE, 8:9)), 2))
  infl <- with(d, dimension(list(item(indfl_lokal, 1, 5, FALSE, 8:9),
                                 item(indfl_kommune, 1, 5, FALSE, 8:9),
                                 item(indfl_folketing, 0, 10, FALSE, 98:99)), 2))
  trust <- with(d, dimension(list(item(tillid_naboer, 0, 10, FALSE, 98:99),
                                  item(tillid_politi, 1, 5, FALSE, 8:9),
                                  item(tillid_kommune, 1, 4, FALSE, 8:9)), 2))
  d$inclusion <- (discr + infl + trust) / 3
  des <- svydesign(id = ~psu, strata = ~stratum, weights = ~weight, data = d)
  women <- subset(des, sex == 2)
  for (g in 0:1) {
    m <- svymean(~inclusion, subset(women, group == g), na.rm = TRUE)
    where[[length(where) + 1]] <- data.frame(what = "estimate", wave = w, group = g, code = "",
                                             estimate = f(coef(m)), se = f(SE(m)))
    if (w == 2014) {
      m <- svymean(~factor(tp), subset(women, group == g), na.rm = TRUE)
      lv <- sort(unique(na.omit(d$tp)))
      for (i in seq_along(lv))
        where[[length(where) + 1]] <- data.frame(what = "table", wave = w, group = g,
                                                 code = lv[i], estimate = f(coef(m)[i]),
                                                 se = f(SE(m)[i]))
    }
  }
  if (w == 2014) {
    d$tk <- ifelse(d$tillid_kommune %in% 8:9, NA, d$tillid_kommune)
    des2 <- svydesign(id = ~psu, strata = ~stratum, weights = ~weight, data = d)
    for (g in 0:1) { # estimate --total, --ratio (svytotal, svyratio: domains of the design)
      m <- svytotal(~inclusion, subset(des2, group == g), na.rm = TRUE)
      where[[length(where) + 1]] <- data.frame(what = "total", wave = w, group = g, code = "",
                                               estimate = f(coef(m)), se = f(SE(m)))
      r <- svyratio(~tp, ~tk, subset(des2, group == g & !is.na(tp) & !is.na(tk)))
      where[[length(where) + 1]] <- data.frame(what = "ratio", wave = w, group = g, code = "",
                                               estimate = f(coef(r)), se = f(SE(r)))
    }
    t <- svychisq(~tp + group, women)
    where[[length(where) + 1]] <- data.frame(what = "f", wave = w, group = "", code = "",
                                             estimate = f(t$statistic), se = f(t$p.value))
  }
  for (a in 1:4) {
    # Domain means as ratios of totals over the whole design (no subset at all)
    v <- des$variables; has <- !is.na(v$inclusion) & v$ageband == a
    for (g in 0:1) {
      des$variables[[paste0("t", g)]] <- ifelse(has & v$group == g, v$inclusion, 0)
      des$variables[[paste0("n", g)]] <- as.numeric(has & v$group == g)
    }
    tt <- svytotal(~t0 + n0 + t1 + n1, des)
    m0 <- svycontrast(tt, quote(t0 / n0)); m1 <- svycontrast(tt, quote(t1 / n1))
    g <- svycontrast(tt, quote(t0 / n0 - t1 / n1))
    rr <- svycontrast(tt, quote((t1 / n1) / (t0 / n0)))
    m <- c(coef(m0), coef(m1)); V <- diag(c(SE(m0), SE(m1))^2)
    gap <- coef(g); gse <- SE(g); r <- coef(rr); rse <- SE(rr)
    key <- paste(a)
    if (w == 2011) gap0[[key]] <- c(gap, gse)
    add <- function(q, e, s) cby[[length(cby) + 1]] <<- data.frame(ageband = a, wave = w,
                                                                   quantity = q, estimate = f(e),
                                                                   se = f(s))
    add("ethnic Danes", m[1], sqrt(V[1, 1]))
    add("ethnic minorities", m[2], sqrt(V[2, 2]))
    add("gap (Danes - minorities)", gap, gse)
    add("ratio (minorities / Danes)", r, rse)
    if (w > 2011)
      add("gap change since baseline", gap - gap0[[key]][1], sqrt(gse^2 + gap0[[key]][2]^2))
  }
}
hdr <- sprintf("# R %s, survey %s; scripts/r-golden-domain.R", getRversion(),
               packageVersion("survey"))
con <- file(file.path(out, "copenhagen_where.csv"), "w")
writeLines(hdr, con)
write.table(do.call(rbind, where), con, sep = ";", row.names = FALSE, quote = FALSE)
close(con)
con <- file(file.path(out, "copenhagen_compare_by.csv"), "w")
writeLines(hdr, con)
write.table(do.call(rbind, cby), con, sep = ";", row.names = FALSE, quote = FALSE)
close(con)
