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
    u = np.zeros(p)
    ibb, ibg, igg = np.zeros((p, p)), np.zeros((p, p)), np.zeros((p, p))
    order = np.argsort(t[e], kind="stable")
    for tt in np.unique(t[e][order]):
        risk = (s < tt) & (t >= tt)
        dead = e & (t == tt)
        gk = gt[dead][0]
        xr, wr = X[risk], w[risk]
        xd, wd = X[dead], w[dead]
        s0, s1, s2 = wr.sum(), wr @ xr, xr.T @ (wr[:, None] * xr)
        d0, d1, d2 = wd.sum(), wd @ xd, xd.T @ (wd[:, None] * xd)
        nd = int(dead.sum())
        msum = np.zeros(p)
        vsum = np.zeros((p, p))
        for k in range(nd):
            f = k / nd
            den = s0 - f * d0
            m = (s1 - f * d1) / den
            msum += m
            vsum += (s2 - f * d2) / den - np.outer(m, m)
        u += gk * (xd.sum(axis=0) - msum)
        ibb += vsum
        ibg += gk * vsum
        igg += gk * gk * vsum
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
