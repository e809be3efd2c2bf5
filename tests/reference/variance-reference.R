#!/usr/bin/env Rscript
# variance-reference.R — reference standard errors and confidence intervals from R's survey
# package for the fixtures in tests/fixtures/variance/. Run from the repository root:
#   Rscript tests/reference/variance-reference.R
# Writes tests/reference/variance-reference.csv (committed; the criterion tests compare to it)
# and tests/reference/ci-reference.csv (interval formulas at given inputs).
#
# Design: svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, nest = TRUE).
# Rates of a region: svyratio on the region's subset. Rates by group and their gap:
# svyby(~num, ~grp, <region subset>, svyratio, denominator = ~den, covmat = TRUE) and
# svycontrast(with - without). Intervals: confint() (normal), svyciprop(method = "logit")
# and svyciprop(method = "beta") on the domain (region x group x denominator persons).
# Kish approximation (fixture nodesign-b, computed without the survey package):
# SE = sqrt(p (1 - p) * sum(w^2) / sum(w)^2) over the denominator persons; gap: the two
# variances added.

suppressPackageStartupMessages(library(survey))

fixdir <- file.path("tests", "fixtures", "variance")
refdir <- file.path("tests", "reference")
gz <- read.csv(file.path("data", "regions", "gazetteer-ni.csv"), colClasses = "character")
band <- c(18, 64)

load_fixture <- function(name) {
  d <- read.csv(file.path(fixdir, name), colClasses = c(kreis = "character",
                schicht = "character"), stringsAsFactors = FALSE)
  d$kreis[is.na(d$kreis)] <- ""
  d$schicht[is.na(d$schicht)] <- ""
  if ("psu" %in% names(d)) d$psu <- as.character(d$psu)
  d$ra <- ifelse(d$kreis != "", gz$schicht[match(d$kreis, gz$ags)], d$schicht)
  inb <- d$age >= band[1] & d$age <= band[2]
  d$grp <- factor(ifelse(d$mig > 0, "with", "without"), levels = c("with", "without"))
  d$one <- 1
  d$mh <- as.numeric(d$mig > 0)
  d$popb <- as.numeric(inb)
  d$empb <- as.numeric(inb & d$ilo == 1)
  d$unempb <- as.numeric(inb & d$ilo == 2)
  d$lf <- d$empb + d$unempb
  d$emp <- as.numeric(d$ilo == 1)
  d$self <- as.numeric(d$ilo == 1 & d$selfemp == 1)
  for (k in 1:4) {
    d[[paste0("sec", k)]] <- as.numeric(d$ilo == 1 & d$sector == k)
    d[[paste0("mhsec", k)]] <- as.numeric(d$ilo == 1 & d$sector == k & d$mig > 0)
  }
  d
}

# indicator id, numerator, denominator, reported by group?
indicators <- list(
  list("migration_share", "mh", "one", FALSE),
  list("employment_rate", "empb", "popb", TRUE),
  list("self_employment_share", "self", "emp", TRUE),
  list("unemployment_rate", "unempb", "lf", TRUE),
  list("sector_migration_share:agriculture", "mhsec1", "sec1", FALSE),
  list("sector_migration_share:production", "mhsec2", "sec2", FALSE),
  list("sector_migration_share:trade", "mhsec3", "sec3", FALSE),
  list("sector_migration_share:services", "mhsec4", "sec4", FALSE))

regions_of <- function(d) {
  r <- list(list(level = "land", code = "03", rows = rep(TRUE, nrow(d))))
  for (s in sort(unique(d$ra)))
    r[[length(r) + 1]] <- list(level = "schicht", code = s, rows = d$ra == s)
  for (k in sort(unique(d$kreis[d$kreis != ""])))
    r[[length(r) + 1]] <- list(level = "region", code = k, rows = d$kreis == k)
  r
}

num <- function(x) if (length(x) == 1 && is.finite(x)) x else NA_real_

# logit and beta intervals of a proportion from svyciprop, on the domain's denominator persons
ciprop <- function(des, rows, numvar, method) {
  dd <- subset(des, rows)
  if (sum(rows) < 2) return(c(NA, NA))
  f <- as.formula(paste0("~I(", numvar, " > 0)"))
  ci <- tryCatch(suppressWarnings(attr(svyciprop(f, dd, method = method), "ci")),
                 error = function(e) c(NA, NA))
  as.numeric(ci) * 100
}

reference_rows <- function(fixture, d, lonely, with_ci) {
  options(survey.lonely.psu = lonely)
  des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, nest = TRUE, data = d)
  out <- list()
  add <- function(...) {
    v <- lapply(list(...), function(x) unname(x[1]))
    out[[length(out) + 1]] <<- as.data.frame(v, stringsAsFactors = FALSE)
  }
  for (reg in regions_of(d)) {
    dreg <- subset(des, reg$rows)
    for (ind in indicators) {
      nv <- ind[[2]]; dv <- ind[[3]]
      fn <- as.formula(paste0("~", nv)); fd <- as.formula(paste0("~", dv))
      groups <- if (ind[[4]]) c("with", "without", "all") else "all"
      est <- list(); se <- list(); cin <- list()
      # group "all": svyratio on the region
      if (sum(d[[dv]][reg$rows] * d$weight[reg$rows]) > 0) {
        r <- svyratio(fn, fd, dreg)
        est$all <- num(coef(r)); se$all <- num(SE(r))
        cin$all <- as.numeric(confint(r))
      }
      if (ind[[4]]) {
        present <- levels(d$grp)[sapply(levels(d$grp), function(g)
          sum(d[[dv]][reg$rows & d$grp == g]) > 0)]
        if (length(present) == 2) {
          b <- svyby(fn, ~grp, dreg, svyratio, denominator = fd, covmat = TRUE)
          cb <- coef(b); vb <- vcov(b); ci <- confint(b)
          for (g in present) {
            est[[g]] <- num(cb[g]); se[[g]] <- num(sqrt(vb[g, g])); cin[[g]] <- ci[g, ]
          }
          gap <- svycontrast(b, c(with = 1, without = -1))
          est$gap <- num(coef(gap)); se$gap <- num(SE(gap))
          cin$gap <- as.numeric(confint(gap))
        } else if (length(present) == 1) {
          g <- present
          r <- svyratio(fn, fd, subset(dreg, d$grp[reg$rows] == g))
          est[[g]] <- num(coef(r)); se[[g]] <- num(SE(r)); cin[[g]] <- as.numeric(confint(r))
        }
        groups <- c(groups, "gap")
      }
      for (g in groups) {
        e <- if (is.null(est[[g]])) NA_real_ else est[[g]]
        s <- if (is.null(se[[g]])) NA_real_ else se[[g]]
        cn <- if (is.null(cin[[g]])) c(NA, NA) else cin[[g]]
        cl <- cb2 <- c(NA, NA)
        df <- NA
        if (with_ci && g != "gap" && is.finite(e)) {
          rows <- reg$rows & d[[dv]] > 0 & (g == "all" | d$grp == g)
          df <- degf(subset(des, rows))
          cl <- ciprop(des, rows, nv, "logit")
          cb2 <- ciprop(des, rows, nv, "beta")
        }
        add(fixture = fixture, lonely_psu = lonely, indicator = ind[[1]], level = reg$level,
            region = reg$code, group = g, estimate = 100 * e, se = 100 * s,
            ci_normal_low = 100 * cn[1], ci_normal_high = 100 * cn[2], df = df,
            ci_logit_low = cl[1], ci_logit_high = cl[2],
            ci_beta_low = cb2[1], ci_beta_high = cb2[2])
      }
    }
  }
  do.call(rbind, out)
}

kish_rows <- function(fixture, d) {
  out <- list()
  kish <- function(rows, nv, dv) {
    w <- d$weight[rows & d[[dv]] > 0]
    y <- d[[nv]][rows & d[[dv]] > 0]
    if (length(w) == 0) return(c(NA, NA))
    p <- sum(w * y) / sum(w)
    c(p, p * (1 - p) * sum(w^2) / sum(w)^2)
  }
  for (reg in regions_of(d)) for (ind in indicators) {
    nv <- ind[[2]]; dv <- ind[[3]]
    groups <- if (ind[[4]]) c("with", "without", "all", "gap") else "all"
    for (g in groups) {
      if (g == "gap") {
        a <- kish(reg$rows & d$grp == "with", nv, dv)
        b <- kish(reg$rows & d$grp == "without", nv, dv)
        pv <- c(a[1] - b[1], a[2] + b[2])
      } else {
        pv <- kish(reg$rows & (g == "all" | d$grp == g), nv, dv)
      }
      out[[length(out) + 1]] <- data.frame(
        fixture = fixture, lonely_psu = "", indicator = ind[[1]], level = reg$level,
        region = reg$code, group = g, estimate = 100 * pv[1], se = 100 * sqrt(pv[2]),
        ci_normal_low = NA, ci_normal_high = NA, df = NA, ci_logit_low = NA, ci_logit_high = NA,
        ci_beta_low = NA, ci_beta_high = NA, stringsAsFactors = FALSE)
    }
  }
  do.call(rbind, out)
}

a <- load_fixture("design-a.csv")
b <- load_fixture("design-b.csv")
nb <- load_fixture("nodesign-b.csv")
ref <- rbind(reference_rows("design-a.csv", a, "adjust", TRUE),
             reference_rows("design-a.csv", a, "remove", FALSE),
             reference_rows("design-b.csv", b, "adjust", TRUE),
             reference_rows("design-b.csv", b, "remove", FALSE),
             kish_rows("nodesign-b.csv", nb))
fmt <- function(x) ifelse(is.finite(x), sprintf("%.17g", x), "NA")
for (col in names(ref)[7:ncol(ref)]) ref[[col]] <- fmt(ref[[col]])
write.csv(ref, file.path(refdir, "variance-reference.csv"), row.names = FALSE, quote = FALSE)

# Interval formulas at given inputs, from R's own quantile functions: normal, logit with a t
# quantile (as svyciprop logit), Korn-Graubard with the df adjustment (as svyciprop beta).
cases <- expand.grid(p = c(0.02, 0.137, 0.5, 0.91), se = c(0.004, 0.03),
                     n = c(40, 900), df = c(3, 25, 400), level = c(0.9, 0.95, 0.99))
ci <- t(apply(cases, 1, function(r) {
  p <- r[["p"]]; s <- r[["se"]]; n <- r[["n"]]; df <- r[["df"]]; lv <- r[["level"]]
  a <- 1 - lv
  z <- qnorm(1 - a / 2)
  tq <- qt(1 - a / 2, df)
  l <- log(p / (1 - p)); sl <- s / (p * (1 - p))
  ne <- p * (1 - p) / s^2 * (qt(a / 2, n - 1) / qt(a / 2, df))^2
  c(p - z * s, p + z * s, plogis(l - tq * sl), plogis(l + tq * sl),
    qbeta(a / 2, ne * p, ne * (1 - p) + 1), qbeta(1 - a / 2, ne * p + 1, ne * (1 - p)))
}))
cires <- data.frame(estimate = 100 * cases$p, se = 100 * cases$se, n = cases$n,
                    df = cases$df, level = 100 * cases$level)
nm <- c("normal_low", "normal_high", "logit_low", "logit_high", "beta_low", "beta_high")
for (i in seq_along(nm)) cires[[nm[i]]] <- fmt(100 * ci[, i])
for (col in c("estimate", "se", "level")) cires[[col]] <- fmt(cires[[col]])
write.csv(cires, file.path(refdir, "ci-reference.csv"), row.names = FALSE, quote = FALSE)
cat(sprintf("variance-reference.csv: %d rows; ci-reference.csv: %d rows\n", nrow(ref),
            nrow(cires)))
