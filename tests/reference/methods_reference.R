# Reference values from R's survival package for the RMST, competing-risks and period-specific Cox
# tests (tests/survival/test_rmst.py, test_competing.py, test_periods.py; R is not needed at test
# time).
#
#   .venv/bin/python tests/reference/make_methods_data.py   (builds the inputs)
#   Rscript tests/reference/methods_reference.R             (run from the repository root or here)
#
# Inputs (data/, written by make_methods_data.py):
#   methods__metabric.tsv        METABRIC: time, event (OS), cause (0 censored, 1 died of disease,
#                                2 died of other causes), subtype, her2, age; no delayed entry
#   methods__metabric_entry.tsv  the same with a synthetic delayed entry (left-truncated checks)
#   methods__msk_hrpos.tsv       MSK HR+ HER2-0 / HER2-low, real delayed entry (first sequencing)
# Populations: "all" patients, "her2pos" the clinically HER2-positive ones. Left truncation:
# Surv(entry, time, ...) on the patients with entry < time (as the pipeline); naive: Surv(time, ...)
# on everyone.
# Outputs:
#   r_rmst.tsv        summary(survfit(Surv(time, event) ~ group), rmean = tau)$table[, c("rmean",
#                     "se(rmean)")] per group and tau (survival:::survmean); counting-process fits
#                     Surv(entry, time, event) ~ group accept rmean (integrated from 0 as well);
#                     last_time: the group's last follow-up (R extends the curve beyond it, the
#                     package refuses: tau 300 is beyond some groups' follow-up on purpose)
#   r_cif.tsv         Aalen-Johansen: survfit(Surv(time, factor(cause, 0:2, c("censor", "disease",
#                     "other"))) ~ group) (truncated: Surv(entry, time, status), id = patient_id);
#                     summary(fit, times =): pstate, std.err (infinitesimal jackknife), lower,
#                     upper (conf.type "log", the default), n.risk
#   r_cs_cox.tsv      cause-specific Cox: coxph(Surv(time, cause == k) ~ group + age,
#                     ties = "efron") for k = 1 (disease) and 2 (other causes). The two warnings
#                     "coefficient may be infinite" are expected: no HER2-positive Normal-like
#                     patient died of other causes (the tests check that term is not estimable)
#   r_period_cox.tsv  sp <- survSplit(Surv(time, event) ~ ., cut = c(60, 120), episode = "period");
#                     coxph(Surv(tstart, time, event) ~ group + age, subset = period == k,
#                     ties = "efron"); truncated: survSplit(Surv(entry, time, event) ~ ., ...).
#                     survSplit refuses an OS of 0 (its zero = 0 must be below every time): such
#                     patients (one in METABRIC, censored) are dropped first -- they have no risk
#                     interval (0, 0] in any period.
# Cox fits: coxph.control(eps = 1e-10, iter.max = 100). Numbers are written with 17 significant
# digits. Written with R 4.2.2 and survival 3.5.3 (the versions also in r_session.tsv).
suppressPackageStartupMessages(library(survival))

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(script)) dirname(normalizePath(script)) else if (file.exists("models.tsv")) "." else "tests/reference"
setwd(here)

num <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))
write_out <- function(df, file) {
  for (col in names(df)) if (is.numeric(df[[col]])) df[[col]] <- num(df[[col]])
  write.table(df, file, sep = "\t", quote = FALSE, row.names = FALSE, na = "NA")
}
bind <- function(rows) do.call(rbind, rows)
population <- function(d, trunc) if (trunc == "left") d[!is.na(d$entry) & d$entry < d$time, ] else d
lhs <- function(trunc, status) {
  paste0(if (trunc == "left") "Surv(entry, time, " else "Surv(time, ", status, ")")
}

SUBTYPES <- c("LumA", "LumB", "Her2", "Basal", "claudin-low", "Normal")
HER2POS <- c("Her2", "LumA", "LumB", "Basal", "claudin-low", "Normal")  # Her2 the reference
metabric <- read.delim("data/methods__metabric.tsv", stringsAsFactors = FALSE, na.strings = "NA")
metabric_entry <- read.delim("data/methods__metabric_entry.tsv", stringsAsFactors = FALSE,
                             na.strings = "NA")
msk <- read.delim("data/methods__msk_hrpos.tsv", stringsAsFactors = FALSE, na.strings = "NA")
for (d in c("metabric", "metabric_entry")) {
  x <- get(d); x$group <- x$subtype; assign(d, x)
}
# dataset, population, truncations, data, group levels
cases <- list(
  list("msk_hrpos", "all", c("none", "left"), msk, c("HER2-0", "HER2-low")),
  list("metabric", "all", "none", metabric, SUBTYPES),
  list("metabric", "her2pos", "none", metabric[metabric$her2 == "positive", ], HER2POS),
  list("metabric_entry", "all", "left", metabric_entry, SUBTYPES),
  list("metabric_entry", "her2pos", "left",
       metabric_entry[metabric_entry$her2 == "positive", ], HER2POS)
)
TAUS <- c(60, 120, 240, 300)  # 300: beyond some groups' last follow-up
CIF_TIMES <- c(12, 60, 120, 240)
CUTS <- c(60, 120)
CTRL <- coxph.control(eps = 1e-10, iter.max = 100)

cox_rows <- function(fit, extra) {
  b <- coef(fit); se <- sqrt(diag(vcov(fit))); z <- qnorm(0.975)
  term <- sub("^group", "group:", names(b))
  data.frame(extra, term = term, coef = unname(b), se = unname(se), hr = exp(unname(b)),
             ci_low = exp(unname(b) - z * se), ci_high = exp(unname(b) + z * se),
             p = 2 * pnorm(-abs(unname(b) / se)), n = fit$n, events = fit$nevent,
             row.names = NULL)
}

rmst_rows <- list(); cif_rows <- list(); cs_rows <- list(); period_rows <- list()
for (case in cases) {
  names(case) <- c("dataset", "population", "truncations", "data", "levels")
  for (trunc in case$truncations) {
    pop <- population(case$data, trunc)
    pop$group <- factor(pop$group, levels = case$levels)
    key <- data.frame(dataset = case$dataset, population = case$population, truncation = trunc)

    # RMST per group
    fit <- survfit(as.formula(paste(lhs(trunc, "event"), "~ group")), data = pop)
    for (tau in TAUS) {
      tab <- summary(fit, rmean = tau)$table
      rmst_rows[[length(rmst_rows) + 1]] <- data.frame(
        key, tau = tau, group = sub("^group=", "", rownames(tab)), n = tab[, "records"],
        events = tab[, "events"], rmean = tab[, "rmean"], se = tab[, "se(rmean)"],
        last_time = tapply(pop$time, pop$group, max)[sub("^group=", "", rownames(tab))],
        row.names = NULL)
    }

    # Aalen-Johansen cumulative incidence
    if ("cause" %in% names(pop)) {
      pop$status <- factor(pop$cause, 0:2, c("censor", "disease", "other"))
      form <- as.formula(paste(lhs(trunc, "status"), "~ group"))
      aj <- if (trunc == "left") {
        survfit(form, data = pop, id = patient_id)  # counting-process multi-state data need id
      } else {
        survfit(form, data = pop)
      }
      s <- summary(aj, times = CIF_TIMES)
      for (k in 1:2) {
        stopifnot(identical(s$states[k + 1], c("disease", "other")[k]))  # column k + 1: state k
        cif_rows[[length(cif_rows) + 1]] <- data.frame(
          key, group = sub("^group=", "", as.character(s$strata)), cause = k, time = s$time,
          n_risk = s$n.risk[, 1], pstate = s$pstate[, k + 1], std_err = s$std.err[, k + 1],
          lower = s$lower[, k + 1], upper = s$upper[, k + 1], row.names = NULL)
      }

      # cause-specific Cox
      for (k in 1:2) {
        cs <- coxph(as.formula(paste(lhs(trunc, paste0("cause == ", k)), "~ group + age")),
                    data = pop, ties = "efron", control = CTRL)
        cs_rows[[length(cs_rows) + 1]] <- cox_rows(cs, data.frame(key, cause = k))
      }
    }

    # period-specific Cox (survSplit)
    if (case$population == "all") {
      pop <- pop[pop$time > 0, ]  # survSplit: zero = 0 must be below every time
      sp <- if (trunc == "left") {
        survSplit(Surv(entry, time, event) ~ ., data = pop, cut = CUTS, episode = "period")
      } else {
        survSplit(Surv(time, event) ~ ., data = pop, cut = CUTS, episode = "period")
      }
      start <- if (trunc == "left") "entry" else "tstart"
      for (k in sort(unique(sp$period))) {
        pf <- coxph(as.formula(paste0("Surv(", start, ", time, event) ~ group + age")),
                    data = sp[sp$period == k, ], ties = "efron", control = CTRL)
        period_rows[[length(period_rows) + 1]] <- cox_rows(
          pf, data.frame(key, period = k, start = c(0, CUTS)[k], end = c(CUTS, Inf)[k]))
      }
    }
  }
}

write_out(bind(rmst_rows), "r_rmst.tsv")
write_out(bind(cif_rows), "r_cif.tsv")
write_out(bind(cs_rows), "r_cs_cox.tsv")
write_out(bind(period_rows), "r_period_cox.tsv")
cat("wrote r_rmst.tsv, r_cif.tsv, r_cs_cox.tsv, r_period_cox.tsv to", here, "\n")
