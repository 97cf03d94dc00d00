# Reference values from R's survival package for tests/survival/ (R is not needed at test time).
#
#   Rscript tests/reference/survival_reference.R      (run from the repository root or from here)
#
# Inputs:  models.tsv (one row per cohort x analysis x model: terms, factor levels, truncations,
#          KM times, nested comparisons) and the analysis tables in data/, both written by
#          make_fixtures.py from results/{cohort}/survival/{analysis}/data.tsv.
# Outputs: r_cox.tsv      coxph(ties = "efron"): coef, se, HR, 95% CI, Wald p, n, events
#          r_models.tsv   log-likelihoods (null, model), concordance
#          r_lrt.tsv      anova() likelihood-ratio tests between nested models
#          r_zph.tsv      cox.zph(fit) (transform "km", terms = TRUE): chisq, df, p per term + GLOBAL
#          r_km.tsv       survfit(conf.type = "log-log"): n, events, median (95% CI) via quantile(),
#                         survival (95% CI) and n.risk via summary(times =)
#          r_logrank.tsv  naive: survdiff (global and pairwise) and, as a cross-check, the score
#                         test of coxph(ties = "exact"); left-truncated: survdiff does not take
#                         counting-process data, so the score test of coxph(Surv(entry, time, event)
#                         ~ group, ties = "exact") -- the log-rank statistic on (entry, time] risk sets
#          r_session.tsv  R and survival versions
# Left truncation: Surv(entry, time, event) on the patients with entry < time (as the pipeline).
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
parse_levels <- function(spec) {
  out <- list()
  for (part in strsplit(spec, ";", fixed = TRUE)[[1]]) {
    kv <- strsplit(part, "=", fixed = TRUE)[[1]]
    out[[kv[1]]] <- strsplit(kv[2], "|", fixed = TRUE)[[1]]
  }
  out
}
term_names <- function(names, factors) {
  for (v in factors) names <- sub(paste0("^", v), paste0(v, ":"), names)
  names
}
surv_formula <- function(trunc, rhs) {
  lhs <- if (trunc == "left") "Surv(entry, time, event)" else "Surv(time, event)"
  as.formula(paste(lhs, "~", rhs))
}
population <- function(d, trunc) if (trunc == "left") d[!is.na(d$entry) & d$entry < d$time, ] else d

spec <- read.delim("models.tsv", stringsAsFactors = FALSE, colClasses = "character")
cox_rows <- list(); model_rows <- list(); zph_rows <- list(); lrt_rows <- list()
km_rows <- list(); lr_rows <- list()
fits <- list()

for (i in seq_len(nrow(spec))) {
  s <- spec[i, ]
  lev <- parse_levels(s$levels)
  d <- read.delim(s$file, stringsAsFactors = FALSE, na.strings = "NA")
  for (v in names(lev)) d[[v]] <- factor(d[[v]], levels = lev[[v]])
  terms <- strsplit(s$terms, "+", fixed = TRUE)[[1]]
  for (trunc in strsplit(s$truncations, ",", fixed = TRUE)[[1]]) {
    pop <- population(d, trunc)
    fit <- coxph(surv_formula(trunc, paste(terms, collapse = " + ")), data = pop, ties = "efron",
                 control = coxph.control(eps = 1e-10, iter.max = 100))
    fits[[paste(s$cohort, s$analysis, s$model, trunc, sep = "|")]] <- fit
    b <- coef(fit); se <- sqrt(diag(vcov(fit))); z <- qnorm(0.975)
    cox_rows[[length(cox_rows) + 1]] <- data.frame(
      cohort = s$cohort, analysis = s$analysis, model = s$model, truncation = trunc,
      term = term_names(names(b), names(lev)), coef = unname(b), se = unname(se), hr = exp(unname(b)),
      ci_low = exp(unname(b) - z * se), ci_high = exp(unname(b) + z * se),
      p = 2 * pnorm(-abs(unname(b) / se)), n = fit$n, events = fit$nevent)
    conc <- concordance(fit)
    model_rows[[length(model_rows) + 1]] <- data.frame(
      cohort = s$cohort, analysis = s$analysis, model = s$model, truncation = trunc, n = fit$n,
      events = fit$nevent, loglik_null = fit$loglik[1], loglik = fit$loglik[2],
      concordance = unname(conc$concordance))
    zt <- cox.zph(fit, transform = "km", terms = TRUE)$table
    zph_rows[[length(zph_rows) + 1]] <- data.frame(
      cohort = s$cohort, analysis = s$analysis, model = s$model, truncation = trunc,
      term = rownames(zt), chisq = zt[, "chisq"], df = zt[, "df"], p = zt[, "p"])
  }
}

# nested-model likelihood-ratio tests
for (key in unique(paste(spec$cohort, spec$analysis, sep = "|"))) {
  s <- spec[paste(spec$cohort, spec$analysis, sep = "|") == key, ][1, ]
  if (is.na(s$comparisons) || s$comparisons == "") next
  for (cmp in strsplit(s$comparisons, ";", fixed = TRUE)[[1]]) {
    rf <- strsplit(cmp, "<", fixed = TRUE)[[1]]
    for (trunc in strsplit(s$truncations, ",", fixed = TRUE)[[1]]) {
      red <- fits[[paste(s$cohort, s$analysis, rf[1], trunc, sep = "|")]]
      full <- fits[[paste(s$cohort, s$analysis, rf[2], trunc, sep = "|")]]
      a <- anova(red, full)
      lrt_rows[[length(lrt_rows) + 1]] <- data.frame(
        cohort = s$cohort, analysis = s$analysis, truncation = trunc, reduced = rf[1], full = rf[2],
        chisq = a$Chisq[2], df = a$Df[2], p = a[["Pr(>|Chi|)"]][2])
    }
  }
}

# Kaplan-Meier and log-rank, once per analysis
for (key in unique(paste(spec$cohort, spec$analysis, sep = "|"))) {
  s <- spec[paste(spec$cohort, spec$analysis, sep = "|") == key, ][1, ]
  lev <- parse_levels(s$levels)
  d <- read.delim(s$file, stringsAsFactors = FALSE, na.strings = "NA")
  d$group <- factor(d$group, levels = lev$group)
  times <- as.numeric(strsplit(s$km_times, ",", fixed = TRUE)[[1]])
  for (trunc in strsplit(s$truncations, ",", fixed = TRUE)[[1]]) {
    pop <- population(d, trunc)
    for (g in c(lev$group, "all")) {
      sub <- if (g == "all") pop else pop[pop$group == g, ]
      if (nrow(sub) == 0) next
      f <- survfit(surv_formula(trunc, "1"), data = sub, conf.type = "log-log")
      q <- quantile(f, probs = 0.5)
      row <- data.frame(cohort = s$cohort, analysis = s$analysis, truncation = trunc, group = g,
                        n = nrow(sub), events = sum(sub$event), median = unname(q$quantile),
                        median_ci_low = unname(q$lower), median_ci_high = unname(q$upper))
      sm <- summary(f, times = times)
      for (t in times) {
        k <- match(t, sm$time)
        row[[paste0("surv_", t)]] <- if (is.na(k)) NA else sm$surv[k]
        row[[paste0("surv_", t, "_ci_low")]] <- if (is.na(k)) NA else sm$lower[k]
        row[[paste0("surv_", t, "_ci_high")]] <- if (is.na(k)) NA else sm$upper[k]
        row[[paste0("at_risk_", t)]] <- if (is.na(k)) NA else sm$n.risk[k]
      }
      km_rows[[length(km_rows) + 1]] <- row
    }
    present <- lev$group[lev$group %in% unique(as.character(pop$group))]
    comparisons <- list(global = present)
    if (length(present) > 2) {
      for (pair in combn(seq_along(present), 2, simplify = FALSE)) {
        comparisons[[paste(present[pair[2]], "vs", present[pair[1]])]] <- present[pair]
      }
    }
    for (label in names(comparisons)) {
      sub <- pop[pop$group %in% comparisons[[label]], ]
      sub$group <- droplevels(sub$group)
      score <- coxph(surv_formula(trunc, "group"), data = sub, ties = "exact")$score
      if (trunc == "none") {
        sd <- survdiff(Surv(time, event) ~ group, data = sub)
        lr_rows[[length(lr_rows) + 1]] <- data.frame(
          cohort = s$cohort, analysis = s$analysis, truncation = trunc, comparison = label,
          method = "survdiff", chisq = sd$chisq, df = length(sd$n) - 1, n = nrow(sub),
          events = sum(sub$event))
      }
      lr_rows[[length(lr_rows) + 1]] <- data.frame(
        cohort = s$cohort, analysis = s$analysis, truncation = trunc, comparison = label,
        method = "coxph exact score", chisq = score, df = nlevels(sub$group) - 1, n = nrow(sub),
        events = sum(sub$event))
    }
  }
}

bind <- function(rows) do.call(rbind, rows)
write_out(bind(cox_rows), "r_cox.tsv")
write_out(bind(model_rows), "r_models.tsv")
write_out(bind(zph_rows), "r_zph.tsv")
write_out(bind(lrt_rows), "r_lrt.tsv")
km <- do.call(rbind, lapply(km_rows, function(r) r[, names(km_rows[[1]])]))
write_out(km, "r_km.tsv")
write_out(bind(lr_rows), "r_logrank.tsv")
write_out(data.frame(R = R.version.string, survival = as.character(packageVersion("survival"))),
          "r_session.tsv")
cat("wrote r_*.tsv to", here, "\n")
