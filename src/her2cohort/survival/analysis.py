"""One survival analysis end to end, and a cohort's summary: what the workflow's scripts call.

* :func:`survival_tables`: the analysis table (one row per patient), its exclusions, the KM
  curves, and KM, log-rank and Cox PH tables (contrasts, fit statistics, LR and PH tests), RMST
  and period-specific hazard ratios (:mod:`.nonph`), and for the ``dss`` endpoint the cumulative
  incidence of both causes (:mod:`.competing`), fitted to the analysis table exactly as written to
  ``data.tsv`` (so anyone refitting that file elsewhere, e.g. in R, gets the same numbers);
* :func:`survival_summary`: a cohort's data warnings (all analyses) and its claims' verdicts.

For the ``dss`` endpoint the table's ``event`` is the death of the disease, so KM, log-rank, Cox
and the PH test are the cause-specific ones (deaths of other causes censored).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import pandas as pd

from her2cohort.survival.claim_rows import claims_table
from her2cohort.survival.competing import (
    CIF_CURVES_COLUMNS,
    CIF_TABLE_COLUMNS,
    cif_curves,
    cif_table,
)
from her2cohort.survival.cox import (
    COX_COLUMNS,
    LRT_COLUMNS,
    CoxFit,
    cox_table,
    group_contrasts,
    lr_test,
    model_summary,
)
from her2cohort.survival.fitting import not_fittable, try_fit, unfitted_model_row
from her2cohort.survival.km import km_curves, km_table
from her2cohort.survival.logrank import LOGRANK_COLUMNS, logrank_table
from her2cohort.survival.nonph import period_tables, rmst_tables
from her2cohort.survival.ph import cox_zph, lifelines_ph_test
from her2cohort.survival.settings import Analysis, Settings
from her2cohort.survival.table import as_written, build_analysis_table

log = logging.getLogger(__name__)

#: the tables :func:`run_analysis` returns (one TSV each)
ANALYSIS_TABLES = (
    *("km", "logrank", "cox", "contrasts", "models", "lrt", "ph_test"),
    *("rmst", "periods", "cif"),
)
#: the tables :func:`survival_tables` returns, in order (``survival/{analysis}/<name>.tsv``)
ANALYSIS_FILES = ("data", "exclusions", "km_curves", "cif_curves", *ANALYSIS_TABLES)
__all__ = ["not_fittable", "unfitted_model_row"]  # re-exported: the fit checks live in .fitting


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
        km, logrank, cox, contrasts, models, lrt, ph_test, rmst, periods, cif (empty but for the
        ``dss`` endpoint).
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
            fit = None if why else try_fit(data, analysis, mname, trunc)
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
    tables["rmst"] = rmst_tables(data, analysis, settings, tables["ph_test"])
    tables["periods"] = period_tables(data, analysis, settings, tables["ph_test"])
    tables["cif"] = cif_tables(data, analysis, settings)
    return {k: tables[k] for k in ANALYSIS_TABLES}


def cif_tables(data: pd.DataFrame, analysis: Analysis, settings: Settings) -> pd.DataFrame:
    """Cumulative incidence of death of the disease (cause 1) and of other causes (2) per group
    at ``km_times``, every truncation (:func:`~her2cohort.survival.competing.cif_table`); empty
    (:data:`~her2cohort.survival.competing.CIF_TABLE_COLUMNS`) but for the ``dss`` endpoint."""
    if analysis.endpoint != "dss":
        return pd.DataFrame(columns=CIF_TABLE_COLUMNS)
    parts = [
        cif_table(data, analysis.levels, trunc, settings.km_times) for trunc in settings.truncations
    ]
    return pd.concat(parts, ignore_index=True)


def _concat(frames: list[pd.DataFrame], kind: str) -> pd.DataFrame:
    kept = [f for f in frames if len(f)]
    if kept:
        return pd.concat(kept, ignore_index=True)
    return pd.DataFrame(columns=EMPTY_COLUMNS.get(kind, []))


def survival_tables(
    clinical: pd.DataFrame,
    categories: pd.DataFrame | None,
    analysis: Analysis | Mapping[str, Any],
    settings: Settings | Mapping[str, Any],
    matrix: pd.DataFrame | None = None,
    alteration_summary: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """Every table of one analysis, for ``results/{cohort}/survival/{analysis}/<name>.tsv``.

    Parameters
    ----------
    clinical
        The clinical table (one row per sample).
    categories
        The long HER2 categories table (used by analyses that read HER2).
    analysis, settings
        What to build and fit (or their ``as_dict()`` mappings, as the workflow passes them).
    matrix, alteration_summary
        The alteration matrix and its summary (used by alteration-grouped analyses).

    Returns
    -------
    dict of str to pandas.DataFrame
        By :data:`ANALYSIS_FILES` name, in that order: data, exclusions, km_curves, cif_curves
        (``dss`` only; empty otherwise), then :data:`ANALYSIS_TABLES`. Curves and fits use the
        analysis table as written.
    """
    analysis, settings = Analysis.of(analysis), Settings.of(settings)
    data, exclusions = build_analysis_table(
        clinical, categories, analysis, settings, matrix, alteration_summary
    )
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
    cif = pd.DataFrame(columns=CIF_CURVES_COLUMNS)
    if analysis.endpoint == "dss":
        cif = cif_curves(written, analysis.levels, settings.truncations)
    head = {"data": data, "exclusions": exclusions, "km_curves": curves, "cif_curves": cif}
    return {**head, **tables}  # ANALYSIS_FILES


def survival_summary(
    exclusions: Sequence[pd.DataFrame],
    tables: Mapping[str, Mapping[str, pd.DataFrame]],
    claims_cfg: Mapping[str, Any] | None,
    settings: Settings | Mapping[str, Any],
    analyses: Mapping[str, Analysis | Mapping[str, Any]] | None = None,
) -> SurvivalSummary:
    """A cohort's survival warnings and claims.

    Parameters
    ----------
    exclusions
        The ``exclusions`` table of every analysis.
    tables
        ``tables[analysis][kind]``: the ``cox``, ``contrasts``, ``lrt``, ``models`` and (for group
        sizes and the PH rule) ``km``, ``ph_test`` and ``rmst`` tables of the analyses the claims
        use and of their sensitivity variants.
    claims_cfg, settings
        The cohort's validated ``survival.claims`` and its settings (or their ``as_dict()``).
    analyses
        Those analyses by name (or their ``as_dict()``): reference levels, endpoints and the
        sensitivity variants whose rows are added (:func:`.claim_rows.evaluate_claim`).

    Returns
    -------
    SurvivalSummary
        ``warnings`` (all exclusion rows, analyses in the order given) and ``claims``.
    """
    warnings = pd.concat(list(exclusions), ignore_index=True)
    problems = warnings[(warnings["count"] > 0) & ~warnings["step"].isin(["population"])]
    log.info("%d data-problem / exclusion rows with a non-zero count", len(problems))
    claims = claims_table(claims_cfg, tables, settings, analyses)
    for row in claims[claims["primary"].astype(bool)].itertuples():
        log.info("claim %s: %s (%s)", row.claim_id, row.verdict, row.reason)
    return SurvivalSummary(warnings, claims)
