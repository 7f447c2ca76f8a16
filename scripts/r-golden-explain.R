#!/usr/bin/env Rscript
# Golden values for `helby explain` (composition-adjusted gaps and the Oaxaca-Blinder
# decomposition, docs/method.md "Explaining the gap"), from R's survey package, computed
# independently of helby:
#   - raw means and gap: svyby(svymean) + svycontrast;
#   - standardised means and gap: svystandardize(by = ~covariates, over = ~group);
#   - regression-adjusted means and gap: svypredmeans(svyglm(y ~ covariates), ~group);
#   - the pooled twofold Oaxaca-Blinder decomposition: svyglm(y ~ covariates + group) and,
#     under linearization, the influence functions written out here by hand (the design
#     variance of their totals by svytotal); under JKn, withReplicates recomputing it all.
# Run by hand from the repository root (CI has no R):  Rscript scripts/r-golden-explain.R
# Writes tests/golden/explain_values.csv (case;wave;quantity;term;estimate;se) and
# tests/golden/explain_api.csv (the data(api) rows the unit test reads).
suppressMessages(library(survey))
options(survey.lonely.psu = "fail")
out <- list()
put <- function(case, wave, quantity, term, est, se) {
  out[[length(out) + 1]] <<- data.frame(case = case, wave = wave, quantity = quantity,
                                        term = term, estimate = sprintf("%.17g", est),
                                        se = sprintf("%.17g", se))
}

# The Oaxaca decomposition from a design (complete cases only), by formulas written out:
# pooled model with the group dummy; E = (xbar_D - xbar_M)' beta_c; influence of E
# (z^xD - z^xM)' beta_c + (xbar_D - xbar_M)' z^beta with z^xg_i = 1{i in g}(x_i - xbar_g)/N_g
# and z^beta_i = A^-1 x_i r_i, A = sum w x x'.
oaxaca_point <- function(dat, w, rhs, y, terms) {
  X <- model.matrix(as.formula(paste("~", rhs, "+ group")), dat)
  fit <- lm.wfit(X, dat[[y]], w)
  b <- fit$coefficients
  b[is.na(b)] <- 0
  cov <- setdiff(colnames(X), c("(Intercept)", "group"))
  D <- dat$group == 0
  M <- dat$group == 1
  xD <- colSums(w[D] * X[D, cov, drop = FALSE]) / sum(w[D])
  xM <- colSums(w[M] * X[M, cov, drop = FALSE]) / sum(w[M])
  parts <- sapply(terms, function(t) sum(((xD - xM) * b[cov])[startsWith(cov, t)]))
  gap <- sum(w[D] * dat[[y]][D]) / sum(w[D]) - sum(w[M] * dat[[y]][M]) / sum(w[M])
  list(X = X, b = b, cov = cov, xD = xD, xM = xM, parts = parts, E = sum(parts), gap = gap,
       fit = fit)
}

oaxaca_lin <- function(des, y, rhs, terms) {
  # A calibrated design keeps the rows a subset leaves out, at weight 0: the influence
  # functions are computed on the rows in the analysis and 0 on the others, whose totals then
  # carry the calibration residuals (svyrecvar with postStrata) over every row.
  full <- des$variables
  inrows <- weights(des) > 0
  dat <- full[inrows, ]
  w <- weights(des)[inrows]
  o <- oaxaca_point(dat, w, rhs, y, terms)
  X <- o$X
  r <- dat[[y]] - X %*% ifelse(is.na(o$fit$coefficients), 0, o$fit$coefficients)
  keep <- !is.na(o$fit$coefficients)
  A <- crossprod(X[, keep, drop = FALSE] * sqrt(w))
  zb <- matrix(0, nrow(X), ncol(X), dimnames = list(NULL, colnames(X)))
  zb[, keep] <- (X[, keep, drop = FALSE] * as.vector(r)) %*% solve(A)
  D <- dat$group == 0
  M <- dat$group == 1
  ND <- sum(w[D])
  NM <- sum(w[M])
  Z <- sapply(terms, function(t) {
    cols <- o$cov[startsWith(o$cov, t)]
    zx <- (sweep(X[, cols, drop = FALSE], 2, o$xD[cols]) * D / ND) -
      (sweep(X[, cols, drop = FALSE], 2, o$xM[cols]) * M / NM)
    zx %*% o$b[cols] + zb[, cols, drop = FALSE] %*% (o$xD[cols] - o$xM[cols])
  })
  zgap <- D * (dat[[y]] - sum(w[D] * dat[[y]][D]) / ND) / ND -
    M * (dat[[y]] - sum(w[M] * dat[[y]][M]) / NM) / NM
  zE <- rowSums(Z)
  des2 <- des
  zz <- matrix(0, nrow(full), length(terms) + 2)
  zz[inrows, ] <- cbind(Z, zE, zgap - zE)
  colnames(zz) <- c(paste0("z_", terms), "z_E", "z_U")
  des2$variables <- cbind(des2$variables, zz)
  tot <- svytotal(as.formula(paste("~", paste(colnames(zz), collapse = "+"))), des2)
  list(est = c(o$parts, o$E, o$gap - o$E), se = SE(tot))
}

oaxaca_rep <- function(rep, y, rhs, terms) {
  dat <- rep$variables
  o <- withReplicates(rep, function(w, data) {
    p <- oaxaca_point(data, w, rhs, y, terms)
    c(p$parts, p$E, p$gap - p$E)
  })
  list(est = coef(o), se = SE(o))
}

# Group means and their gap: under linearization as ratios of totals (svytotal, then
# svycontrast by the delta method: the same numbers as svyby(svymean) with its covariance);
# with replicates recomputed per replicate (withReplicates, as svymean on a svyrep.design).
means_gap <- function(case, wave, des, y, prefix, gapname) {
  if (inherits(des, "svyrep.design")) {
    q <- withReplicates(des, function(w, data) {
      D <- data$group == 0
      M <- data$group == 1
      mD <- sum(w[D] * data[[y]][D]) / sum(w[D])
      mM <- sum(w[M] * data[[y]][M]) / sum(w[M])
      c(mD, mM, mD - mM)
    })
  } else {
    des$variables$.ok <- weights(des) > 0
    des <- update(des, .yD = ifelse(.ok & group == 0, get(y), 0), .nD = as.numeric(.ok & group == 0),
                  .yM = ifelse(.ok & group == 1, get(y), 0), .nM = as.numeric(.ok & group == 1))
    tot <- svytotal(~.yD + .nD + .yM + .nM, des)
    q <- svycontrast(tot, list(d = quote(.yD / .nD), m = quote(.yM / .nM),
                               g = quote(.yD / .nD - .yM / .nM)))
  }
  put(case, wave, paste0(prefix, "mean_danes"), "", coef(q)[1], SE(q)[1])
  put(case, wave, paste0(prefix, "mean_minorities"), "", coef(q)[2], SE(q)[2])
  put(case, wave, gapname, "", coef(q)[3], SE(q)[3])
}

explain_case <- function(case, des, y, rhs, terms, by, pop, wave, rep = FALSE) {
  means_gap(case, wave, des, y, "", "raw_gap")
  if (!is.null(pop)) {
    st <- svystandardize(des, by = by, over = ~group, population = pop)
    means_gap(case, wave, st, y, "std_", "std_gap")
  }
  m <- svyglm(as.formula(paste(y, "~", rhs)), design = des)
  pm <- svypredmeans(m, ~group)
  cf <- coef(pm)[c("0", "1")]
  V <- vcov(pm)[c("0", "1"), c("0", "1")]
  put(case, wave, "adj_mean_danes", "", cf[1], sqrt(V[1, 1]))
  put(case, wave, "adj_mean_minorities", "", cf[2], sqrt(V[2, 2]))
  put(case, wave, "adj_gap", "", cf[1] - cf[2], sqrt(V[1, 1] + V[2, 2] - 2 * V[1, 2]))
  o <- if (rep) oaxaca_rep(des, y, rhs, terms) else oaxaca_lin(des, y, rhs, terms)
  k <- length(terms)
  for (i in seq_len(k)) put(case, wave, "explained", terms[i], o$est[i], o$se[i])
  put(case, wave, "explained", "total", o$est[k + 1], o$se[k + 1])
  put(case, wave, "unexplained", "", o$est[k + 2], o$se[k + 2])
}

# ---- The example survey: inclusion by ageband and sex, waves 2011 and 2014 ----
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
std <- read.csv2("surveys/copenhagen/standard.csv", comment.char = "#")
for (wv in c(2011, 2014)) {
  d <- read.csv2(sprintf("surveys/copenhagen/example/wave_%d.csv", wv),
                 fileEncoding = "UTF-8-BOM",
                 colClasses = c(resp_id = "character", stratum = "character",
                                psu = "character"))
  d$group <- ifelse(d$origin == 1, 0, 1)
  discr <- dimension(list(item(d$disk_12m, 1, 2, FALSE, 8:9),
                          item(d$disk_arbejde, 1, 4, TRUE, 8:9),
                          item(d$disk_offentlig, 1, 4, TRUE, 8:9)), 2)
  infl <- dimension(list(item(d$indfl_lokal, 1, 5, FALSE, 8:9),
                         item(d$indfl_kommune, 1, 5, FALSE, 8:9),
                         item(d$indfl_folketing, 0, 10, FALSE, 98:99)), 2)
  trust <- dimension(list(item(d$tillid_naboer, 0, 10, FALSE, 98:99),
                          item(d$tillid_politi, 1, 5, FALSE, 8:9),
                          item(d$tillid_kommune, 1, 4, FALSE, 8:9)), 2)
  d$inclusion <- (discr + infl + trust) / 3
  d$ageband <- factor(d$ageband)
  d$sex <- factor(d$sex)
  full <- svydesign(id = ~psu, strata = ~stratum, weights = ~weight, data = d)
  ok <- !is.na(d$inclusion) & !is.na(d$ageband) & !is.na(d$sex)
  des <- subset(full, ok)
  # The standard population in the order of svytable(~ageband + sex) (ageband fastest).
  tab <- as.data.frame(svytable(~ageband + sex, des))
  pop <- std$population[match(paste(tab$ageband, tab$sex), paste(std$ageband, std$sex))]
  explain_case("example_lin", des, "inclusion", "ageband + sex", c("ageband", "sex"),
               ~ageband + sex, pop, wv)
  rep <- subset(as.svrepdesign(full, type = "JKn"), ok)
  explain_case("example_jkn", rep, "inclusion", "ageband + sex", c("ageband", "sex"),
               ~ageband + sex, pop, wv, rep = TRUE)
  # --standard pooled: the wave's own estimated cell totals as the (fixed) population.
  for (dd in list(list("example_pooled_lin", des), list("example_pooled_jkn", rep))) {
    pooled <- as.vector(svytable(~ageband + sex, dd[[2]]))
    st <- svystandardize(dd[[2]], by = ~ageband + sex, over = ~group, population = pooled)
    means_gap(dd[[1]], wv, st, "inclusion", "std_", "std_gap")
  }
  cat(sprintf("wave %d: degf %d (linearization), %d (JKn)\n", wv, degf(des), degf(rep)))
}

# ---- A covariate with missing codes (tillid_kommune: 8, 9): the respondents without it leave
# the analysis (complete cases, their PSUs kept); standardised to the pooled cells.
dw <- d # wave 2014, the last of the loop above
dw$kommune <- factor(ifelse(dw$tillid_kommune %in% c(8, 9), NA, dw$tillid_kommune))
okm <- !is.na(dw$inclusion) & !is.na(dw$kommune)
desm <- subset(svydesign(id = ~psu, strata = ~stratum, weights = ~weight, data = dw), okm)
explain_case("example_missing_lin", desm, "inclusion", "sex + kommune", c("sex", "kommune"),
             ~sex + kommune, as.vector(svytable(~sex + kommune, desm)), 2014)

# ---- Raked weights (helby weight create --method rake on 2014's margins: district, origin,
# sex x age band), as R calibrate(calfun = "raking"): regression-adjusted means and the
# decomposition carry the calibration residuals. (Standardisation after calibration is left
# out: docs/method.md §13.)
mg <- read.csv2("surveys/copenhagen/margins/2014.csv", colClasses = "character")
mg$total <- as.numeric(mg$total)
dw <- d # wave 2014, the last of the loop above
dw$fdistrict <- factor(dw$district, levels = 1:10)
dw$forigin <- factor(dw$origin, levels = 1:3)
dw$fsexage <- factor(paste0(dw$sex, "*", dw$ageband))
pd <- subset(mg, variable == "district")
po <- subset(mg, variable == "origin")
ps <- subset(mg, variable == "sex*ageband")
pops <- list(data.frame(fdistrict = factor(pd$level, levels = 1:10), Freq = pd$total),
             data.frame(forigin = factor(po$level, levels = 1:3), Freq = po$total),
             data.frame(fsexage = factor(ps$level, levels = levels(dw$fsexage)),
                        Freq = ps$total))
cal <- calibrate(svydesign(id = ~psu, strata = ~stratum, weights = ~weight, data = dw),
                 list(~fdistrict, ~forigin, ~fsexage), pops, calfun = "raking",
                 epsilon = 1e-13, maxit = 100)
# svypredmeans needs a model frame without NA over every row of a calibrated design (its
# subset keeps the rows left out, at weight 0): those rows' missing index is set to 0, which
# their weight 0 keeps out of every estimate.
okr <- !is.na(cal$variables$inclusion)
cal$variables$inclusion[!okr] <- 0
explain_case("example_raked_lin", subset(cal, okr), "inclusion", "ageband + sex",
             c("ageband", "sex"), ~ageband + sex, NULL, 2014)
# JKn replicates of the wave, each re-calibrated to the same margins (as helby does).
calrep <- calibrate(as.svrepdesign(svydesign(id = ~psu, strata = ~stratum, weights = ~weight,
                                             data = dw), type = "JKn"),
                    list(~fdistrict, ~forigin, ~fsexage), pops, calfun = "raking",
                    epsilon = 1e-13, maxit = 100)
explain_case("example_raked_jkn", subset(calrep, !is.na(inclusion)), "inclusion",
             "ageband + sex", c("ageband", "sex"), ~ageband + sex, NULL, 2014, rep = TRUE)

# ---- data(api): apistrat, api00 by meals band and school type, group = awards ----
data(api)
a <- apistrat
a$group <- as.numeric(a$awards == "Yes")
a$mealsband <- factor(cut(a$meals, c(-1, 33, 66, 101), labels = FALSE))
a$stypec <- factor(as.numeric(a$stype))
a$stratum <- as.numeric(a$stype)
write.table(data.frame(stratum = a$stratum, pw = sprintf("%.17g", a$pw), y = a$api00,
                       group = a$group, mealsband = a$mealsband, stypec = a$stypec),
            "tests/golden/explain_api.csv", sep = ";", row.names = FALSE, quote = FALSE)
des <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = a)
# cells mealsband 1..3 x stypec 1..3 (E, H, M), mealsband fastest
apipop <- c(100, 200, 300, 150, 250, 50, 120, 80, 40)
explain_case("api_lin", des, "api00", "mealsband + stypec", c("mealsband", "stypec"),
             ~mealsband + stypec, apipop, 0)
rep <- as.svrepdesign(des, type = "JKn")
explain_case("api_jkn", rep, "api00", "mealsband + stypec", c("mealsband", "stypec"),
             ~mealsband + stypec, apipop, 0, rep = TRUE)
res <- do.call(rbind, out)
writeLines(sprintf("# R %s, survey %s; scripts/r-golden-explain.R",
                   paste(R.version$major, R.version$minor, sep = "."),
                   packageVersion("survey")), "tests/golden/explain_values.csv")
suppressWarnings(write.table(res, "tests/golden/explain_values.csv", sep = ";",
                             row.names = FALSE, quote = FALSE, append = TRUE))
cat("wrote", nrow(res), "values\n")
