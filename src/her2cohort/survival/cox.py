"""Cox proportional-hazards fits and their tables: coefficients, group contrasts, fit statistics
and likelihood-ratio tests of nested models.

Fits use lifelines' ``CoxPHFitter`` (Efron ties; ``entry_col`` for left truncation, whose risk sets
are ``entry < t <= time`` like R's). A model term whose level has no deaths is reported as not
estimable (R: "coefficient may be infinite").
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import permutations
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from her2cohort.survival.concordance import concordance, harrell_c_at_risk
from her2cohort.survival.settings import Analysis, Z, chi2_sf, norm_p
from her2cohort.survival.table import fit_population

#: the columns of the ``cox`` table
COX_COLUMNS = ["term", "hr", "ci_low", "ci_high", "p", "n", "events", "model", "truncation"]
#: the columns of the ``contrasts`` table
CONTRAST_COLUMNS = ["model", "truncation", "group", "versus", "hr", "ci_low", "ci_high", "p"]
#: the columns of the ``lrt`` table
LRT_COLUMNS = ["truncation", "reduced", "full", "added", "chisq", "df", "p", "n", "events"]


class Design(NamedTuple):
    """A model's design matrix and the column positions of each model term."""

    X: pd.DataFrame
    assign: dict[str, list[int]]


def design_matrix(data: pd.DataFrame, analysis: Analysis, terms: Sequence[str]) -> Design:
    """Columns for a model: dummies ``var:level`` (reference = first level) and numeric columns.

    A level absent from ``data`` gets no dummy; a term left without columns is not in ``assign``.
    """
    cols: dict[str, np.ndarray] = {}
    assign: dict[str, list[int]] = {}
    for term in terms:
        start = len(cols)
        if term == "group" or term in analysis.categorical:
            levels = analysis.levels if term == "group" else analysis.categorical[term]
            values = data[term].astype(str).to_numpy()
            for lev in levels[1:]:
                if (values == lev).any():
                    cols[f"{term}:{lev}"] = (values == lev).astype(float)
        else:
            cols[term] = pd.to_numeric(data[term]).to_numpy(float)
        assign[term] = list(range(start, len(cols)))
    return Design(pd.DataFrame(cols, index=data.index), {k: v for k, v in assign.items() if v})


@dataclass
class CoxFit:
    """One fitted Cox model (one model of an analysis, one truncation)."""

    model: str
    truncation: str
    params: pd.Series
    se: pd.Series
    cov: pd.DataFrame
    loglik: float
    loglik_null: float
    n: int
    events: int
    assign: dict[str, list[int]]
    X: pd.DataFrame
    time: np.ndarray
    event: np.ndarray
    entry: np.ndarray | None
    notes: str = ""
    fitter: Any = None
    frame: pd.DataFrame | None = None
    #: dummy columns whose level has no deaths: the coefficient diverges (R: "may be infinite")
    not_estimable: tuple[str, ...] = ()

    @property
    def p(self) -> pd.Series:
        """Wald p-values of the coefficients."""
        return pd.Series(norm_p((self.params / self.se).to_numpy()), index=self.params.index)

    @property
    def linear_predictor(self) -> np.ndarray:
        """X @ beta (uncentred)."""
        return np.asarray(self.X.to_numpy(float) @ self.params.to_numpy(float))


def null_loglik(time: Any, event: Any, entry: Any = None) -> float:
    """Efron partial log-likelihood at beta = 0: minus the sum over death times of log(n - k),
    k < d (n at risk, d deaths)."""
    from her2cohort.survival.riskset import death_groups, risk_set_sums

    t = np.asarray(time, dtype=float)
    times, d, _ = death_groups(t, np.asarray(event))
    if not len(times):
        return 0.0
    n = risk_set_sums(t, entry, times, np.ones(len(t), dtype=np.int64))
    k = np.arange(int(d.sum())) - np.repeat(np.cumsum(d) - d, d)  # 0..d-1 within each time
    return -float(np.sum(np.log(np.repeat(n, d) - k)))


def fit_cox(data: pd.DataFrame, analysis: Analysis, model: str, truncation: str) -> CoxFit:
    """Fit one model of an analysis: Cox PH with Efron ties (lifelines), ``entry_col`` for left
    truncation. lifelines' warnings and the not-estimable terms are kept in ``notes``."""
    from lifelines import CoxPHFitter

    pop = fit_population(data, truncation)
    X, assign = design_matrix(pop, analysis, analysis.models[model])
    df = X.copy()
    df["__time"] = pop["time"].to_numpy(float)
    df["__event"] = pop["event"].to_numpy(int)
    entry_col = None
    if truncation == "left":
        df["__entry"] = pop["entry"].to_numpy(float)
        entry_col = "__entry"
    cph = CoxPHFitter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cph.fit(
            df,
            duration_col="__time",
            event_col="__event",
            entry_col=entry_col,
            fit_options={"precision": 1e-10, "r_precision": 1e-14, "max_steps": 200},
        )
    events = pop["event"].to_numpy(int)
    dummies = [c for c in X.columns if ":" in c]
    not_estimable = tuple(c for c in dummies if events[X[c].to_numpy() == 1].sum() == 0)
    messages = {str(w.message).splitlines()[0] for w in caught}
    messages |= {f"{c}: no deaths in this level, HR not estimable" for c in not_estimable}
    return CoxFit(
        model=model,
        truncation=truncation,
        params=cph.params_.copy(),
        se=cph.standard_errors_.copy(),
        cov=cph.variance_matrix_.copy(),
        loglik=float(cph.log_likelihood_),
        loglik_null=null_loglik(df["__time"], df["__event"], df["__entry"] if entry_col else None),
        n=len(pop),
        events=int(pop["event"].sum()),
        assign=assign,
        X=X,
        time=pop["time"].to_numpy(float),
        event=pop["event"].to_numpy(int),
        entry=pop["entry"].to_numpy(float) if truncation == "left" else None,
        notes="; ".join(sorted(messages)),
        fitter=cph,
        frame=df,
        not_estimable=not_estimable,
    )


def cox_table(fit: CoxFit) -> pd.DataFrame:
    """The ``cox`` table's rows of a fit (:data:`COX_COLUMNS`): HR, 95% CI and Wald p per
    coefficient; NaN for the not-estimable ones."""
    b, se = fit.params, fit.se
    with np.errstate(over="ignore"):
        out = pd.DataFrame(
            {
                "term": b.index,
                "hr": np.exp(b.to_numpy()),
                "ci_low": np.exp((b - Z * se).to_numpy()),
                "ci_high": np.exp((b + Z * se).to_numpy()),
                "p": fit.p.to_numpy(),
                "n": fit.n,
                "events": fit.events,
                "model": fit.model,
                "truncation": fit.truncation,
            }
        )[COX_COLUMNS]
    out.loc[out["term"].isin(fit.not_estimable), ["hr", "ci_low", "ci_high", "p"]] = np.nan
    return out


def group_contrasts(fit: CoxFit, levels: Sequence[str]) -> pd.DataFrame:
    """HR of every group vs every other, from the model's coefficients and covariance (the
    ``contrasts`` table's rows, :data:`CONTRAST_COLUMNS`)."""
    names = {lev: f"group:{lev}" for lev in levels}
    present = [lev for lev in levels if lev == levels[0] or names[lev] in fit.params.index]
    rows = []
    for a, b in permutations(present, 2):
        vec = pd.Series(0.0, index=fit.params.index)
        if a != levels[0]:
            vec[names[a]] += 1
        if b != levels[0]:
            vec[names[b]] -= 1
        est = float(vec @ fit.params)
        se = float(np.sqrt(vec @ fit.cov @ vec))
        if {names[a], names[b]} & set(fit.not_estimable):
            est = se = float("nan")
        with np.errstate(over="ignore"):
            hr, lo, hi = np.exp([est, est - Z * se, est + Z * se])
        rows.append(
            {
                "model": fit.model,
                "truncation": fit.truncation,
                "group": a,
                "versus": b,
                "hr": float(hr),
                "ci_low": float(lo),
                "ci_high": float(hi),
                "p": float(norm_p(est / se)),
            }
        )
    return pd.DataFrame(rows, columns=CONTRAST_COLUMNS)


def lr_test(reduced: CoxFit, full: CoxFit) -> dict[str, Any]:
    """Likelihood-ratio test of nested Cox models fitted to the same patients (an ``lrt`` row,
    :data:`LRT_COLUMNS`).

    Raises
    ------
    ValueError
        The fits are not of the same patients.
    """
    if reduced.n != full.n or reduced.truncation != full.truncation:
        raise ValueError("nested models must be fitted to the same patients")
    chisq = 2 * (full.loglik - reduced.loglik)
    df = len(full.params) - len(reduced.params)
    return {
        "truncation": full.truncation,
        "reduced": reduced.model,
        "full": full.model,
        "added": ", ".join(t for t in full.assign if t not in reduced.assign),
        "chisq": chisq,
        "df": df,
        "p": float(chi2_sf(chisq, df)),
        "n": full.n,
        "events": full.events,
    }


def model_summary(fit: CoxFit, tau: float | None) -> dict[str, Any]:
    """A ``models`` row: size, log-likelihoods, LR test against the null model, AIC and
    concordance (Harrell's, Harrell's on the risk sets, Uno's up to ``tau``)."""
    harrell, uno = concordance(fit, tau)
    at_risk = harrell_c_at_risk(fit.time, fit.event, fit.linear_predictor, fit.entry)
    chisq = 2 * (fit.loglik - fit.loglik_null)
    df = len(fit.params)
    return {
        "model": fit.model,
        "truncation": fit.truncation,
        "n": fit.n,
        "events": fit.events,
        "terms": " + ".join(fit.assign),
        "loglik": fit.loglik,
        "loglik_null": fit.loglik_null,
        "lr_chisq": chisq,
        "lr_df": df,
        "lr_p": float(chi2_sf(chisq, df)),
        "aic": -2 * fit.loglik + 2 * df,
        "harrell_c": harrell,
        "harrell_c_at_risk": at_risk,
        "uno_c": uno,
        "uno_tau": tau,
        "notes": fit.notes,
    }
