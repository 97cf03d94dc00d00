"""When proportional hazards fail: an analysis' RMST and period-specific hazard-ratio tables, each
row saying whether the analysis' Cox models fail the PH test.

A model *fails* the PH test in a truncation when the GLOBAL row of R's ``cox.zph``
(:func:`her2cohort.survival.ph.cox_zph`, in ``ph_test.tsv``) has p < ``ph_alpha`` (a cohort
setting, default 0.05). Its average hazard ratio is then a weighted mix of hazard ratios that change
over follow-up; two summaries that do not assume proportional hazards are reported beside it:

* ``rmst.tsv``: restricted mean survival time per group up to each ``rmst_taus`` horizon and its
  difference from the reference level (:func:`her2cohort.survival.rmst.rmst_table`); unadjusted.
* ``periods.tsv``: every model of the analysis refitted in each follow-up period between
  ``period_cuts`` (:func:`her2cohort.survival.periods.period_cox`).

For the ``dss`` endpoint both use the analysis table's ``event``, the death of the disease (deaths
of other causes censored): the cause-specific quantities.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from her2cohort.survival.periods import PERIOD_COLUMNS, period_cox
from her2cohort.survival.rmst import RMST_COLUMNS, rmst_table
from her2cohort.survival.settings import Analysis, Settings

#: the columns of ``rmst.tsv``
RMST_FILE_COLUMNS = [*RMST_COLUMNS, "ph_violated", "ph_violated_models"]
#: the columns of ``periods.tsv``
PERIOD_FILE_COLUMNS = [*PERIOD_COLUMNS, "ph_global_p", "ph_violated"]
#: the ``method`` of the PH test that decides (R's cox.zph; lifelines' is reported beside it)
PH_METHOD = "cox.zph"


def ph_global(ph_test: pd.DataFrame) -> pd.DataFrame:
    """The cox.zph GLOBAL p of every fitted model and truncation (``model``, ``truncation``,
    ``ph_global_p``); no row for a model that was not fitted or has no term."""
    if not len(ph_test):
        return pd.DataFrame(columns=["model", "truncation", "ph_global_p"])
    rows = ph_test[
        (ph_test["term"] == "GLOBAL") & ph_test["method"].astype(str).str.startswith(PH_METHOD)
    ]
    out = rows[["model", "truncation", "p"]].rename(columns={"p": "ph_global_p"})
    return out.reset_index(drop=True)


def violations(ph_test: pd.DataFrame, truncation: str, alpha: float) -> str:
    """The models failing the PH test in a truncation, ``'crude (p = 6.1e-34), ...'`` ('' if
    none)."""
    g = ph_global(ph_test)
    bad = g[(g["truncation"] == truncation) & (g["ph_global_p"] < alpha)]
    return ", ".join(f"{r.model} (p = {r.ph_global_p:.2g})" for r in bad.itertuples())


def rmst_tables(
    data: pd.DataFrame, analysis: Analysis, settings: Settings, ph_test: pd.DataFrame
) -> pd.DataFrame:
    """RMST per group and its difference from the reference, every truncation and horizon.

    Parameters
    ----------
    data
        The analysis table.
    analysis, settings
        The groups (first = reference), the truncations, ``rmst_taus`` and ``ph_alpha``.
    ph_test
        The analysis' ``ph_test`` table.

    Returns
    -------
    pandas.DataFrame
        :data:`RMST_FILE_COLUMNS`: the :func:`~her2cohort.survival.rmst.rmst_table` columns,
        ``ph_violated`` (some model of the analysis fails the PH test in the truncation) and
        ``ph_violated_models`` (which, with the global p).
    """
    parts = []
    for trunc in settings.truncations:
        failing = violations(ph_test, trunc, settings.ph_alpha)
        table = rmst_table(data, "group", analysis.levels, settings.rmst_taus, trunc)
        parts.append(table.assign(ph_violated=bool(failing), ph_violated_models=failing))
    return pd.concat(parts, ignore_index=True)[RMST_FILE_COLUMNS]


def period_tables(
    data: pd.DataFrame, analysis: Analysis, settings: Settings, ph_test: pd.DataFrame
) -> pd.DataFrame:
    """Period-specific hazard ratios of every model and truncation.

    Parameters
    ----------
    data
        The analysis table.
    analysis, settings
        The models, the truncations, ``period_cuts`` and ``ph_alpha``.
    ph_test
        The analysis' ``ph_test`` table.

    Returns
    -------
    pandas.DataFrame
        :data:`PERIOD_FILE_COLUMNS`: the :func:`~her2cohort.survival.periods.period_cox` columns,
        the model's whole-follow-up cox.zph ``ph_global_p`` and ``ph_violated`` (p < ph_alpha;
        False where the model was not tested).
    """
    parts = [
        period_cox(data, analysis, model, trunc, settings.period_cuts)
        for trunc in settings.truncations
        for model in analysis.models
    ]
    if not parts:
        return pd.DataFrame(columns=PERIOD_FILE_COLUMNS)
    out = pd.concat(parts, ignore_index=True).merge(
        ph_global(ph_test), on=["model", "truncation"], how="left"
    )
    p = pd.to_numeric(out["ph_global_p"], errors="coerce").to_numpy(float)
    out["ph_violated"] = np.nan_to_num(p, nan=1.0) < settings.ph_alpha
    return out[PERIOD_FILE_COLUMNS]
