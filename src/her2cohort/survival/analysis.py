"""One survival analysis end to end, and a cohort's summary: what the workflow's scripts call.

* :func:`survival_tables`: the analysis table (one row per patient), its exclusions, the KM
  curves, and KM, log-rank and Cox PH tables (contrasts, fit statistics, LR and PH tests), fitted
  to the analysis table exactly as written to ``data.tsv`` (so anyone refitting that file
  elsewhere, e.g. in R, gets the same numbers);
* :func:`survival_summary`: a cohort's data warnings (all analyses) and its claims' verdicts.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from her2cohort.survival.claims import claims_table
from her2cohort.survival.cox import (
    COX_COLUMNS,
    LRT_COLUMNS,
    CoxFit,
    cox_table,
    fit_cox,
    group_contrasts,
    lr_test,
    model_summary,
)
from her2cohort.survival.km import km_curves, km_table
from her2cohort.survival.logrank import LOGRANK_COLUMNS, logrank_table
from her2cohort.survival.ph import cox_zph, lifelines_ph_test
from her2cohort.survival.settings import Analysis, Settings
from her2cohort.survival.table import as_written, build_analysis_table, fit_population

log = logging.getLogger(__name__)

#: the tables :func:`run_analysis` returns (one TSV each)
ANALYSIS_TABLES = ("km", "logrank", "cox", "contrasts", "models", "lrt", "ph_test")
#: the tables :func:`survival_tables` returns, in order (``survival/{analysis}/<name>.tsv``)
ANALYSIS_FILES = ("data", "exclusions", "km_curves", *ANALYSIS_TABLES)


#: columns of ``models.tsv`` (a model that was not fitted has its size and ``notes`` only)
MODEL_COLUMNS = [
    "model", "truncation", "n", "events", "terms", "loglik", "loglik_null", "lr_chisq", "lr_df",
    "lr_p", "aic", "harrell_c", "harrell_c_at_risk", "uno_c", "uno_tau", "notes",
]  # fmt: skip
#: columns of a table that has no row (every model of the analysis unfitted)
EMPTY_COLUMNS = {
    "logrank": LOGRANK_COLUMNS,
    "cox": COX_COLUMNS,
    "contrasts": ["model", "truncation", "group", "versus", "hr", "ci_low", "ci_high", "p"],
    "ph_test": ["model", "truncation", "term", "chisq", "df", "p", "method", "transform"],
}


class SurvivalSummary(NamedTuple):
    """A cohort's survival summary: the data warnings of all its analyses, and its claims."""

    warnings: pd.DataFrame
    claims: pd.DataFrame


def run_analysis(
    data: pd.DataFrame, analysis: Analysis, settings: Settings
) -> dict[str, pd.DataFrame]:
    """All the fitted tables of one analysis (:data:`ANALYSIS_TABLES`), every truncation.

    Parameters
    ----------
    data
        The analysis table (:func:`her2cohort.survival.build_analysis_table`).
    analysis, settings
        What to fit.

    Returns
    -------
    dict of str to pandas.DataFrame
        km, logrank, cox, contrasts, models, lrt, ph_test.
    """
    out: dict[str, list[pd.DataFrame]] = {
        k: [] for k in ("km", "logrank", "cox", "contrasts", "ph_test")
    }
    models, lrts = [], []
    for trunc in settings.truncations:
        out["km"].append(km_table(data, analysis.levels, trunc, settings.km_times))
        out["logrank"].append(logrank_table(data, analysis.levels, trunc))
        fits = {}
        for mname in analysis.models:
            why = not_fittable(data, analysis, mname, trunc)
            fit = None if why else _try_fit(data, analysis, mname, trunc)
            if not isinstance(fit, CoxFit):
                models.append(unfitted_model_row(data, mname, trunc, why or str(fit)))
                continue
            fits[mname] = fit
            out["cox"].append(cox_table(fit))
            out["contrasts"].append(group_contrasts(fit, analysis.levels))
            models.append(model_summary(fit, settings.concordance_tau))
            out["ph_test"].append(cox_zph(fit))
            out["ph_test"].append(lifelines_ph_test(fit))
        for red, full in analysis.comparisons:
            if red in fits and full in fits:
                lrts.append(lr_test(fits[red], fits[full]))
    tables = {k: _concat(v, k) for k, v in out.items()}
    tables["models"] = pd.DataFrame(models, columns=MODEL_COLUMNS)
    tables["lrt"] = pd.DataFrame(lrts, columns=LRT_COLUMNS)
    return {k: tables[k] for k in ANALYSIS_TABLES}


def _concat(frames: list[pd.DataFrame], kind: str) -> pd.DataFrame:
    kept = [f for f in frames if len(f)]
    if kept:
        return pd.concat(kept, ignore_index=True)
    return pd.DataFrame(columns=EMPTY_COLUMNS.get(kind, []))


def not_fittable(data: pd.DataFrame, analysis: Analysis, model: str, truncation: str) -> str:
    """Why a Cox model cannot be fitted to an analysis table ('' if it can be tried)."""
    pop = fit_population(data, truncation)
    if not len(pop):
        return "no patient in the analysis population"
    if int(pop["event"].sum()) == 0:
        return f"no deaths among {len(pop)} patients"
    if "group" in analysis.models[model] and pop["group"].nunique() < 2:
        return f"fewer than two groups with patients ({', '.join(sorted(set(pop['group'])))})"
    return ""


def _try_fit(data: pd.DataFrame, analysis: Analysis, model: str, truncation: str) -> CoxFit | str:
    """The fit, or why the fitter gave up (non-convergence, a singular information matrix)."""
    from lifelines.exceptions import ConvergenceError

    try:
        return fit_cox(data, analysis, model, truncation)
    except (ConvergenceError, np.linalg.LinAlgError, ZeroDivisionError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"the fit failed: {first[:200]}"


def unfitted_model_row(data: pd.DataFrame, model: str, truncation: str, why: str) -> dict[str, Any]:
    """A ``models`` row for a model that was not fitted: its size and the reason in ``notes``."""
    pop = fit_population(data, truncation)
    log.warning("model %s (%s) not fitted: %s", model, truncation, why)
    return {
        "model": model,
        "truncation": truncation,
        "n": len(pop),
        "events": int(pop["event"].sum()) if len(pop) else 0,
        "notes": f"not fitted: {why}",
    }


def survival_tables(
    clinical: pd.DataFrame,
    categories: pd.DataFrame | None,
    analysis: Analysis | Mapping[str, Any],
    settings: Settings | Mapping[str, Any],
) -> dict[str, pd.DataFrame]:
    """Every table of one analysis, for ``results/{cohort}/survival/{analysis}/<name>.tsv``.

    Parameters
    ----------
    clinical
        The clinical table (one row per sample).
    categories
        The long HER2 categories table (used by HER2-grouped analyses).
    analysis, settings
        What to build and fit (or their ``as_dict()`` mappings, as the workflow passes them).

    Returns
    -------
    dict of str to pandas.DataFrame
        By :data:`ANALYSIS_FILES` name, in that order: data, exclusions, km_curves, then
        :data:`ANALYSIS_TABLES`. Curves and fits use the analysis table as written.
    """
    analysis, settings = Analysis.of(analysis), Settings.of(settings)
    data, exclusions = build_analysis_table(clinical, categories, analysis, settings)
    for row in exclusions[exclusions["count"] > 0].itertuples():
        log.info("%s: %s: %d (%s)", row.analysis, row.check, row.count, row.action)
    written = as_written(data)
    tables = run_analysis(written, analysis, settings)
    for m in tables["models"][tables["models"]["loglik"].notna()].itertuples():
        log.info(
            "%s %s (%s): n=%d events=%d loglik=%.4f C=%.3f %s",
            analysis.name,
            m.model,
            m.truncation,
            m.n,
            m.events,
            m.loglik,
            m.harrell_c_at_risk,
            m.notes,
        )
    curves = km_curves(written, analysis.levels, settings.truncations)
    return {"data": data, "exclusions": exclusions, "km_curves": curves, **tables}  # ANALYSIS_FILES


def survival_summary(
    exclusions: Sequence[pd.DataFrame],
    tables: Mapping[str, Mapping[str, pd.DataFrame]],
    claims_cfg: Mapping[str, Any] | None,
    settings: Settings | Mapping[str, Any],
) -> SurvivalSummary:
    """A cohort's survival warnings and claims.

    Parameters
    ----------
    exclusions
        The ``exclusions`` table of every analysis.
    tables
        ``tables[analysis][kind]``: the ``cox``, ``contrasts`` and ``lrt`` tables of the analyses
        the claims use.
    claims_cfg, settings
        The cohort's validated ``survival.claims`` and its settings (or their ``as_dict()``).

    Returns
    -------
    SurvivalSummary
        ``warnings`` (all exclusion rows, analyses in the order given) and ``claims``.
    """
    warnings = pd.concat(list(exclusions), ignore_index=True)
    problems = warnings[(warnings["count"] > 0) & ~warnings["step"].isin(["population"])]
    log.info("%d data-problem / exclusion rows with a non-zero count", len(problems))
    claims = claims_table(claims_cfg, tables, Settings.of(settings).truncations)
    for row in claims[claims["primary"]].itertuples():
        log.info("claim %s: %s (%s)", row.claim_id, row.verdict, row.reason)
    return SurvivalSummary(warnings, claims)
