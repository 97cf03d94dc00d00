"""Tests of the proportional-hazards assumption of a Cox fit.

:func:`cox_zph` is R's ``cox.zph`` (survival >= 3.0: a score test for adding ``x * g(t)`` terms,
one per model term plus GLOBAL) with R's default ``km`` transform (g = 1 - left-continuous KM of the
fitted sample, entry-aware). It is implemented here because lifelines'
``proportional_hazard_test`` computes Schoenfeld residuals without delayed entry and uses the
pre-3.0 approximation; its ``km`` version is reported beside ours for naive fits only
(:func:`lifelines_ph_test`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from her2cohort.survival.cox import CoxFit
from her2cohort.survival.km import entry_array, kaplan_meier
from her2cohort.survival.riskset import death_groups, risk_set_sums
from her2cohort.survival.settings import chi2_sf

#: the columns of the ``ph_test`` table
PH_COLUMNS = ["model", "truncation", "term", "chisq", "df", "p", "method", "transform"]


def _km_transform(time: np.ndarray, event: np.ndarray, entry: np.ndarray | None) -> np.ndarray:
    """R cox.zph 'km' transform: 1 - KM(t-) of the pooled fitted sample, per subject."""
    curve = kaplan_meier(time, event, entry)
    idx = np.searchsorted(curve["time"].to_numpy(float), time, "left")  # curve times strictly < t
    surv = np.concatenate([[1.0], curve["surv"].to_numpy(float)])
    return np.asarray(1 - surv[idx])


def _score_parts(fit: CoxFit) -> tuple[np.ndarray, np.ndarray]:
    """The score vector of the ``x * g(t)`` terms at (beta-hat, 0) and the full information
    matrix [[I_bb, I_bg], [I_gb, I_gg]] (Efron ties, the fit's risk sets)."""
    X = fit.X.to_numpy(float)
    X = X - X.mean(axis=0)
    beta = fit.params.to_numpy(float)
    p = X.shape[1]
    t, e = fit.time, fit.event.astype(bool)
    s = entry_array(fit.entry, len(t))
    g = _km_transform(t, e, fit.entry)
    gt = g - g[e].mean()
    w = np.exp(X @ beta)
    times, nd, deaths = death_groups(t, e)
    if not len(times):
        z = np.zeros((p, p))
        return np.zeros(p), np.block([[z, z], [z, z]])
    xx = X[:, :, None] * X[:, None, :]
    s0 = risk_set_sums(t, s, times, w)
    s1 = risk_set_sums(t, s, times, w[:, None] * X)
    s2 = risk_set_sums(t, s, times, w[:, None, None] * xx)
    starts = np.cumsum(nd) - nd
    wd = w[deaths]
    d0 = np.add.reduceat(wd, starts)
    d1 = np.add.reduceat(wd[:, None] * X[deaths], starts)
    d2 = np.add.reduceat(wd[:, None, None] * xx[deaths], starts)
    # Efron: the k-th of nd tied deaths (k = 0..nd-1) sees the risk set less k/nd of the deaths
    tau = np.repeat(np.arange(len(times)), nd)
    f = (np.arange(len(deaths)) - np.repeat(starts, nd)) / np.repeat(nd, nd)
    den = s0[tau] - f * d0[tau]
    m = (s1[tau] - f[:, None] * d1[tau]) / den[:, None]
    v = (s2[tau] - f[:, None, None] * d2[tau]) / den[:, None, None] - m[:, :, None] * m[:, None, :]
    msum = np.add.reduceat(m, starts)
    vsum = np.add.reduceat(v, starts)
    gk = gt[deaths[starts]]
    u = (gk[:, None] * (np.add.reduceat(X[deaths], starts) - msum)).sum(axis=0)
    ibb = vsum.sum(axis=0)
    ibg = (gk[:, None, None] * vsum).sum(axis=0)
    igg = (gk[:, None, None] ** 2 * vsum).sum(axis=0)
    return u, np.block([[ibb, ibg], [ibg.T, igg]])


def cox_zph(fit: CoxFit) -> pd.DataFrame:
    """Scaled-Schoenfeld PH test as R's cox.zph (survival >= 3.0), transform 'km', Efron ties.

    For each time-fixed covariate x the model is extended with x * g(t), g = km transform centred
    on the events; the test is the score test for those terms at (beta-hat, 0), per model term and
    GLOBAL. Risk sets are the fit's (entry-aware).

    Parameters
    ----------
    fit
        A Cox fit.

    Returns
    -------
    pandas.DataFrame
        ``ph_test`` rows (:data:`PH_COLUMNS`), one per model term and GLOBAL.
    """
    p = fit.X.shape[1]
    u, imat = _score_parts(fit)

    def score(cols: list[int]) -> float:
        kk = list(range(p)) + [p + j for j in cols]
        uu = np.concatenate([np.zeros(p), u[cols]])
        return float(uu @ np.linalg.solve(imat[np.ix_(kk, kk)], uu))

    rows = [
        {"term": term, "chisq": score(cols), "df": len(cols)} for term, cols in fit.assign.items()
    ]
    if p:
        rows.append({"term": "GLOBAL", "chisq": score(list(range(p))), "df": p})
    out = pd.DataFrame(rows)
    out["p"] = chi2_sf(out["chisq"].to_numpy(float), out["df"].to_numpy(float))
    out.insert(0, "truncation", fit.truncation)
    out.insert(0, "model", fit.model)
    out["method"] = "cox.zph score test (R survival >= 3.0)"
    out["transform"] = "km"
    return out


def lifelines_ph_test(fit: CoxFit) -> pd.DataFrame:
    """lifelines' ``proportional_hazard_test`` (time_transform='km'), per column; naive fits only
    (its Schoenfeld residuals ignore delayed entry): an empty frame otherwise."""
    from lifelines.statistics import proportional_hazard_test

    if fit.truncation != "none" or fit.fitter is None:
        return pd.DataFrame()
    res = proportional_hazard_test(fit.fitter, fit.frame, time_transform="km").summary
    return pd.DataFrame(
        {
            "model": fit.model,
            "truncation": fit.truncation,
            "term": res.index.astype(str),
            "chisq": res["test_statistic"].to_numpy(),
            "df": 1,
            "p": res["p"].to_numpy(),
            "method": "lifelines proportional_hazard_test (pre-3.0 cox.zph approximation)",
            "transform": "km",
        }
    )
