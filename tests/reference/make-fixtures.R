#!/usr/bin/env Rscript
# make-fixtures.R — writes the small canonical extracts in tests/fixtures/variance/ that the
# variance tests use. Deterministic (fixed RNG kind and seed); run from the repository root:
#   Rscript tests/reference/make-fixtures.R
# The files are committed; regenerate them only on purpose and then rerun
# variance-reference.R so the reference values match.

RNGkind(kind = "Mersenne-Twister", normal.kind = "Inversion", sample.kind = "Rejection")
set.seed(4711)

outdir <- file.path("tests", "fixtures", "variance")
dir.create(outdir, showWarnings = FALSE, recursive = TRUE)

# One PSU: n persons in the given Kreis (or, with kreis = "", only a stratum code).
make_psu <- function(kreis, schicht, stratum, psu, n, base_weight, mh_share, unemp_boost) {
  age <- floor(runif(n, 0, 91))
  mig <- ifelse(runif(n) < mh_share, ifelse(runif(n) < 0.5, 1L, 2L), 0L)
  mh <- mig > 0
  u <- runif(n)
  active_age <- age >= 15 & age <= 74
  p_emp <- ifelse(mh, 0.58, 0.70)
  p_unemp <- ifelse(mh, 0.10, 0.05) * unemp_boost
  ilo <- ifelse(!active_age, 3L,
         ifelse(u < p_emp, 1L, ifelse(u < p_emp + p_unemp, 2L, 3L)))
  selfemp <- ifelse(ilo == 1L & runif(n) < 0.11, 1L, 0L)
  s <- runif(n)
  sector <- ifelse(ilo != 1L, 0L,
            ifelse(s < 0.04, 1L, ifelse(s < 0.34, 2L, ifelse(s < 0.60, 3L, 4L))))
  data.frame(year = 2007L, kreis = kreis, schicht = schicht, psu = psu, stratum = stratum,
             weight = round(base_weight * runif(n, 0.8, 1.25), 2), age = age,
             sex = ifelse(runif(n) < 0.5, 1L, 2L), mig = mig, ilo = ilo,
             selfemp = selfemp, sector = sector, stringsAsFactors = FALSE)
}

# layout: one row per (design stratum, PSU, Kreis) piece
build <- function(layout) {
  parts <- lapply(seq_len(nrow(layout)), function(i) {
    l <- layout[i, ]
    make_psu(l$kreis, l$schicht, l$stratum, l$psu, l$n, l$w, l$mh, l$boost)
  })
  do.call(rbind, parts)
}

L <- function(stratum, psu, kreis, n, w, mh, boost = 1, schicht = "")
  data.frame(stratum = stratum, psu = psu, kreis = kreis, schicht = schicht, n = n, w = w,
             mh = mh, boost = boost, stringsAsFactors = FALSE)

# Fixture A: PSU ids restart in every design stratum (needs nest = TRUE); two design strata
# with a single PSU (S3, S9); a PSU spanning two Kreise (S5/3); a design stratum spanning
# two Anpassungsschichten (S7); RA_05 without any person with migration background (empty
# domain); RA_02 only as stratum-only records (column schicht, no Kreis).
layout_a <- rbind(
  L("S1", "1", "03101", 34, 110, 0.22, 1.4), L("S1", "2", "03101", 28, 120, 0.15),
  L("S1", "3", "03102", 31, 105, 0.30, 1.8), L("S1", "4", "03102", 25, 130, 0.10),
  L("S2", "1", "03103", 30, 140, 0.25), L("S2", "2", "03103", 27, 150, 0.18, 0.6),
  L("S2", "3", "03101", 33, 135, 0.35, 2.0),
  L("S3", "1", "03103", 29, 160, 0.20, 1.2),
  L("S4", "1", "03401", 32, 95, 0.28, 1.5), L("S4", "2", "03401", 26, 100, 0.12),
  L("S4", "3", "03403", 35, 90, 0.24), L("S4", "4", "03403", 30, 115, 0.33, 2.2),
  L("S4", "5", "03458", 28, 125, 0.08),
  L("S5", "1", "03458", 31, 170, 0.06), L("S5", "2", "03458", 27, 180, 0.14, 1.6),
  L("S5", "3", "03458", 16, 175, 0.20), L("S5", "3", "03403", 14, 175, 0.26),
  L("S6", "1", "03252", 30, 140, 0.00), L("S6", "2", "03252", 28, 150, 0.00, 1.5),
  L("S6", "3", "03255", 33, 145, 0.00), L("S6", "4", "03255", 25, 155, 0.00, 0.5),
  L("S7", "1", "03102", 30, 200, 0.27, 1.3), L("S7", "2", "03401", 29, 210, 0.19),
  L("S8", "1", "", 34, 120, 0.16, schicht = "RA_02"),
  L("S8", "2", "", 30, 115, 0.29, 1.7, schicht = "RA_02"),
  L("S8", "3", "", 27, 125, 0.11, schicht = "RA_02"),
  L("S9", "1", "03255", 31, 165, 0.00, 1.3)
)

# Fixture B: Ostfriesland-Nordseeküste (RA_09), design strata across Kreise, every design
# stratum with at least two PSUs (so --lonely-psu fail succeeds).
kreise_b <- c("03402", "03405", "03452", "03455", "03457", "03461", "03462")
layout_b <- do.call(rbind, lapply(1:6, function(h) {
  np <- 2 + (h %% 3)
  do.call(rbind, lapply(1:np, function(i) {
    k <- kreise_b[(h + i) %% length(kreise_b) + 1]
    L(paste0("B", h), sprintf("%d%02d", h, i), k, 22 + (h * 7 + i * 5) %% 15,
      90 + 20 * h + 5 * i, c(0.05, 0.12, 0.2, 0.3, 0.4)[(h + i) %% 5 + 1],
      c(0.6, 1, 1.4, 2)[(h * i) %% 4 + 1])
  }))
}))

write_fixture <- function(d, name, design = TRUE) {
  cols <- c("year", "kreis", "schicht", if (design) c("psu", "stratum"), "weight", "age",
            "sex", "mig", "ilo", "selfemp", "sector")
  write.csv(d[, cols], file.path(outdir, name), row.names = FALSE, quote = FALSE)
}

a <- build(layout_a)
b <- build(layout_b)
write_fixture(a, "design-a.csv")
write_fixture(b, "design-b.csv")
write_fixture(b, "nodesign-b.csv", design = FALSE)
cat(sprintf("design-a.csv: %d records; design-b.csv / nodesign-b.csv: %d records\n",
            nrow(a), nrow(b)))
