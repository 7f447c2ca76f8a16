#!/usr/bin/env Rscript
# Edge cases of real waves, with golden values from R's survey package (T. Lumley), computed
# wave by wave: each wave is an independent sample, analysed alone, as helby must.
# Run by hand from the repository root (CI does not need R):
#     Rscript scripts/r-golden-edge.R
# Writes the survey definition tests/data/edge/ (survey.ini, codebook, indices, shares,
# targets), its four waves tests/data/edge/waves/wave_YYYY.csv, and
# tests/golden/edge_values.csv (case;wave;domain;quantity;value, full precision).
#
# What the data holds, on purpose:
#  - 2011: stratum S6 has a single PSU (lonely; the survey's rule is `average`);
#  - 2013: every minority respondent answered q1 "ved ikke" (8): an empty cell;
#  - 2014: district 4 has three respondents (below min_cell = 5);
#  - q2 arrives in 2013 (an optional item absent from the 2011 and 2012 files);
#  - q3 has (almost) no gap between the groups in 2011 and a clear one in 2014: the
#    relative gap change has a near-zero denominator;
#  - 2012: no ethnic Dane answered q3 = 1, so the share q3_low is 0 in that domain.
suppressMessages(library(survey))
set.seed(20111)
def <- "tests/data/edge"
dir.create(file.path(def, "waves"), showWarnings = FALSE, recursive = TRUE)
vals <- list()
put <- function(case, wave, domain, quantity, value) {
  vals[[length(vals) + 1]] <<- data.frame(case = case, wave = wave, domain = domain,
                                          quantity = quantity,
                                          value = sprintf("%.17g", value))
}

make_wave <- function(wave) {
  rows <- list()
  for (h in 1:6) {
    n_psu <- if (wave == 2011 && h == 6) 1 else 3
    for (p in seq_len(n_psu)) {
      m <- 8 + (h + p) %% 5
      origin <- sample(1:3, m, replace = TRUE, prob = c(0.5, 0.2, 0.3))
      minority <- origin != 1
      district <- sample(1:3, m, replace = TRUE)
      q1 <- pmin(5, pmax(1, round(3 + 0.5 * (h - 3) / 3 - 0.6 * minority + rnorm(m))))
      q1[sample.int(m, 1)] <- 8
      gap3 <- if (wave == 2011) 0.02 else if (wave == 2014) 0.9 else 0.4
      q3 <- pmin(5, pmax(1, round(3 - gap3 * minority + rnorm(m, sd = 0.9))))
      q2 <- pmin(5, pmax(1, round(3.2 - 0.3 * minority + rnorm(m))))
      rows[[length(rows) + 1]] <- data.frame(
        stratum = sprintf("S%d", h), psu = sprintf("S%d-P%d", h, p),
        weight = round(runif(1, 40, 160) * runif(m, 0.8, 1.25), 4),
        origin = origin, district = district, q1 = q1, q2 = q2, q3 = q3)
    }
  }
  d <- do.call(rbind, rows)
  d$resp_id <- sprintf("%d-%04d", wave, seq_len(nrow(d)))
  d$wave <- wave
  if (wave == 2013) d$q1[d$origin != 1] <- 8
  if (wave == 2012) d$q3[d$origin == 1 & d$q3 == 1] <- 2
  if (wave == 2014) {
    d$district[d$district == 4] <- 3
    d$district[c(5, 40, 77)] <- 4
  }
  d[, c("resp_id", "wave", "stratum", "psu", "weight", "origin", "district", "q1", "q2", "q3")]
}

waves <- 2011:2014
data <- lapply(waves, make_wave)
names(data) <- waves
for (w in waves) {
  d <- data[[as.character(w)]]
  if (w < 2013) d$q2 <- NULL
  write.table(d, file.path(def, "waves", sprintf("wave_%d.csv", w)), sep = ";",
              row.names = FALSE, quote = FALSE, na = "")
}

writeLines(c(
  "; The edge-case survey of helby's tests: made by scripts/r-golden-edge.R.",
  "[survey]", "id = edge", "title_da = Kanttilfælde", "title_en = Edge cases",
  "id_column = resp_id", "wave_column = wave", "waves = 2011, 2012, 2013, 2014",
  "", "[design]", "strata = stratum", "psu = psu", "weight = weight", "lonely_psu = average",
  "", "[groups]", "column = origin", "danes = 1", "minorities = 2, 3",
  "", "[district]", "column = district",
  "", "[report]", "min_cell = 5", "language = en"), file.path(def, "survey.ini"))
writeLines(c(
  "variable;label_da;label_en;role;type;min;max;missing;reverse;required;values",
  "resp_id;Id;Id;id;text;;;;0;1;",
  "wave;Bølge;Wave;wave;code;2011;2014;;0;1;",
  "stratum;Stratum;Stratum;stratum;text;;;;0;1;",
  "psu;PSU;PSU;psu;text;;;;0;1;",
  "weight;Vægt;Weight;weight;real;;;;0;1;",
  "origin;Herkomst;Origin;group;code;1;3;;0;1;1=Dansk|2=Vestlig|3=Ikke-vestlig",
  "district;Bydel;District;district;code;1;4;;0;1;1=A|2=B|3=C|4=D",
  "q1;Spørgsmål 1;Question 1;item;code;1;5;8;0;1;1=Lav|5=Høj|8=Ved ikke",
  "q2;Spørgsmål 2;Question 2;item;code;1;5;8;0;0;1=Lav|5=Høj|8=Ved ikke",
  "q3;Spørgsmål 3;Question 3;item;code;1;5;8;0;1;1=Lav|5=Høj|8=Ved ikke"),
  file.path(def, "codebook.csv"))
writeLines(c(
  "index;index_label_da;index_label_en;aggregation;dimension;dimension_label_da;dimension_label_en;dimension_weight;min_valid;item;item_weight",
  "idx;Indeks;Index;arithmetic;dim13;Dimension;Dimension;1;1;q1;1",
  "idx;;;;dim13;;;;;q3;1"), file.path(def, "indices.csv"))
writeLines(c(
  "share;label_da;label_en;variable;codes",
  "q1_high;Andel høj q1;Share high q1;q1;4|5",
  "q2_high;Andel høj q2;Share high q2;q2;4|5",
  "q3_low;Andel lav q3;Share low q3;q3;1"), file.path(def, "shares.csv"))
writeLines(c(
  "goal;label_da;label_en;measure;kind;x;group;baseline_wave;target_wave",
  "goal4;Mål 4;Goal 4;q3_low;relative_gap_reduction;10;minorities;2011;2014"),
  file.path(def, "targets.csv"))

# ---- Golden values, wave by wave ----
options(survey.lonely.psu = "average")
recode <- function(d) {
  d$grp <- ifelse(d$origin == 1, 0, 1)
  d$q1v <- ifelse(d$q1 == 8, NA, d$q1)
  d$q3v <- ifelse(d$q3 == 8, NA, d$q3)
  d$q1_high <- ifelse(is.na(d$q1v), NA, as.numeric(d$q1v %in% 4:5))
  d$q3_low <- ifelse(is.na(d$q3v), NA, as.numeric(d$q3v == 1))
  d
}
gaps <- list()
for (w in waves) {
  d <- recode(data[[as.character(w)]])
  des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, data = d)
  df <- degf(des)
  put("lin", w, "", "df", df)
  for (g in 0:1) {
    dom <- paste0("group=", g)
    for (v in c("q1v", "q3v")) {
      sub <- subset(des, grp == g & !is.na(d[[v]]))
      if (nrow(sub) == 0) { put("lin", w, dom, paste0("empty_", v), 1); next }
      m <- svymean(as.formula(paste0("~", v)), sub)
      put("lin", w, dom, paste0("mean_", v), coef(m))
      put("lin", w, dom, paste0("se_", v), SE(m))
      # Domains of a wave take the wave's df (docs/method.md §2: "for every domain of the wave").
      ci <- confint(m, df = df)
      put("lin", w, dom, paste0("low_", v), ci[1]); put("lin", w, dom, paste0("high_", v), ci[2])
    }
    # Shares with their CIs on the domain (svyciprop on the domain's subset: its own n, df).
    for (v in c("q1_high", "q3_low")) {
      sub <- subset(des, grp == g & !is.na(d[[v]]))
      if (nrow(sub) == 0) next
      f <- as.formula(paste0("~I(", v, " == 1)"))
      p <- coef(svymean(as.formula(paste0("~", v)), sub))
      put("lin", w, dom, paste0("share_", v), p)
      put("lin", w, dom, paste0("share_n_", v), nrow(sub))
      if (p > 0 && p < 1) {
        for (method in c("logit", "beta")) {
          # R's default df: degf() of the domain's subset, for both methods.
          ci <- confint(svyciprop(f, sub, method = method))
          put("lin", w, dom, paste0(method, "_low_", v), ci[1])
          put("lin", w, dom, paste0(method, "_high_", v), ci[2])
        }
      } else {
        # Korn & Graubard (1998) at p = 0 or 1: deff = 1, so the Clopper-Pearson interval on
        # the domain's n (R's svyciprop gives NaN here: its n.eff is 0/0).
        n <- nrow(sub); x <- p * n
        put("lin", w, dom, paste0("beta_low_", v), if (x == 0) 0 else qbeta(0.025, x, n - x + 1))
        put("lin", w, dom, paste0("beta_high_", v), if (x == n) 1 else qbeta(0.975, x + 1, n - x))
      }
    }
  }
  # The gaps (Danes - minorities) on the wave, with their variances, for the cross-wave
  # quantities below.
  for (v in c("q1v", "q3v")) {
    if (any(tapply(d[[v]], d$grp, function(x) all(is.na(x))))) next
    b <- svyby(as.formula(paste0("~", v)), ~grp, subset(des, !is.na(d[[v]])), svymean,
               covmat = TRUE)
    gc <- svycontrast(b, c(1, -1))
    gaps[[paste(v, w)]] <- c(g = unname(coef(gc)), v = as.numeric(vcov(gc)), df = df)
    put("lin", w, "", paste0("gap_", v), coef(gc)); put("lin", w, "", paste0("se_gap_", v), SE(gc))
  }
  # JKn replicates of the wave alone (waves 2012-2014: no lonely PSU).
  if (w != 2011) {
    rep <- as.svrepdesign(des, type = "JKn")
    put("jkn", w, "", "df", degf(rep))
    for (g in 0:1) {
      sub <- subset(rep, grp == g & !is.na(d$q3v))
      m <- svymean(~q3v, sub)
      put("jkn", w, paste0("group=", g), "mean_q3v", coef(m))
      put("jkn", w, paste0("group=", g), "se_q3v", SE(m))
    }
  }
}
# Across waves: independent samples, so variances add; Satterthwaite (Welch) df.
cross <- function(v, w0, w1) {
  G0 <- gaps[[paste(v, w0)]]; G1 <- gaps[[paste(v, w1)]]
  q <- function(name, value) put("cross", w1, paste0("baseline=", w0), paste0(name, "_", v), value)
  a <- G1["g"] - G0["g"]; va <- G1["v"] + G0["v"]
  df_w <- va^2 / (G1["v"]^2 / G1["df"] + G0["v"]^2 / G0["df"])
  tq <- qt(0.975, df_w)
  q("gap_change", a); q("se_gap_change", sqrt(va)); q("df_gap_change", df_w)
  q("low_gap_change", a - tq * sqrt(va)); q("high_gap_change", a + tq * sqrt(va))
  # Relative gap change r = (G1 - G0) / G0 by the delta method ...
  b0 <- G0["g"]; vb <- G0["v"]; cab <- -G0["v"]
  r <- a / b0
  se_r <- sqrt(va / b0^2 - 2 * a * cab / b0^3 + a^2 * vb / b0^4)
  q("rel_gap_change", r); q("se_rel_gap_change", se_r)
  # Fieller's interval: by its definition in scripts/r-golden-fieller.R (root search).
  q("gap0_t", abs(b0) / sqrt(vb))
}
cross("q3v", 2011, 2014)   # near-zero baseline gap: Fieller unbounded
cross("q1v", 2012, 2014)   # a clear baseline gap: Fieller bounded
out <- do.call(rbind, vals)
write.table(out, "tests/golden/edge_values.csv", sep = ";", row.names = FALSE, quote = FALSE)
cat(sprintf("wrote %d values\n", nrow(out)))
