"""Kaplan-Meier curves with R's ``survfit`` semantics, their quantiles, and the KM tables.

Computed here rather than with lifelines' ``KaplanMeierFitter``: lifelines counts a subject
entering at t as at risk at t, R's ``(start, stop]`` does not, and with entries rounded to 0.01
month and deaths recorded to 0.1 month such ties happen. For naive data the two agree (tested).

* Risk set at time t: naive ``time >= t``; left-truncated ``entry < t <= time`` (R's counting
  process ``Surv(entry, time, event)``).
* Confidence intervals: R's ``conf.type="log-log"`` from the Greenwood variance (the "exponential
  Greenwood" interval lifelines uses).
* Medians and their CI: R's ``quantile.survfit`` (midpoint rule on flat stretches at exactly 0.5).
* Numbers at risk: the risk set at t itself; R's ``summary(times = t)`` reports the risk set at its
  next curve time, which with delayed entry can be larger.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from her2cohort.survival.settings import Z
from her2cohort.survival.table import fit_population

TOL = math.sqrt(np.finfo(float).eps)  # R's quantile.survfit tolerance
#: the columns :func:`kaplan_meier` returns
CURVE_COLUMNS = ["time", "n_risk", "n_event", "n_censor", "surv", "std_err", "lower", "upper"]
#: the columns of the ``km_curves`` table (:func:`km_curves`)
KM_CURVES_COLUMNS = ["truncation", "group", *CURVE_COLUMNS]


class Bounds(NamedTuple):
    """Lower and upper confidence bounds."""

    lower: np.ndarray
    upper: np.ndarray


class Estimate(NamedTuple):
    """A point estimate and its confidence interval."""

    estimate: float
    ci_low: float
    ci_high: float


def entry_array(entry: Any, n: int) -> np.ndarray:
    """Entry times as floats; ``None`` (no delayed entry) is -inf for all ``n`` subjects."""
    if entry is None:
        return np.full(n, -np.inf)
    return np.asarray(entry, dtype=float)


def check_entry(time: np.ndarray, entry: np.ndarray) -> None:
    """Raise ValueError unless every subject enters before their last follow-up."""
    if np.any(entry >= time):
        raise ValueError("entry must be before time for every subject (drop late entries first)")


def kaplan_meier(time: Any, event: Any, entry: Any = None) -> pd.DataFrame:
    """KM curve with R's survfit semantics: one row per distinct time (events and censorings).

    Parameters
    ----------
    time, event
        Follow-up times and event indicators (1 = death).
    entry
        Entry times (delayed entry), or None. Every entry must be before its time.

    Returns
    -------
    pandas.DataFrame
        :data:`CURVE_COLUMNS`: time, n_risk, n_event, n_censor, surv, std_err (Greenwood, log
        scale), lower, upper (log-log, NaN where surv is 0 or 1, as in R).
    """
    t = np.asarray(time, dtype=float)
    e = np.asarray(event).astype(bool)
    s = entry_array(entry, len(t))
    check_entry(t, s)
    times = np.unique(t)
    ts, ss = np.sort(t), np.sort(s)
    n_risk = (len(t) - np.searchsorted(ts, times, "left")) - (
        len(s) - np.searchsorted(ss, times, "left")
    )
    d = np.bincount(np.searchsorted(times, t[e]), minlength=len(times)).astype(float)
    c = np.bincount(np.searchsorted(times, t[~e]), minlength=len(times)).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(n_risk > 0, 1 - d / np.where(n_risk > 0, n_risk, 1), 1.0)
        surv = np.cumprod(frac)
        inc = np.where(d > 0, d / (n_risk * (n_risk - d)), 0.0)
        std = np.sqrt(np.cumsum(inc))
    lower, upper = loglog_ci(surv, std)
    columns = (times, n_risk, d, c, surv, std, lower, upper)
    return pd.DataFrame(dict(zip(CURVE_COLUMNS, columns, strict=True)))


def loglog_ci(surv: np.ndarray, std_err: np.ndarray, z: float = Z) -> Bounds:
    """R's survfit ``conf.type="log-log"`` bounds (NaN where surv is 0 or 1)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        xx = np.where((surv == 0) | (surv == 1), np.nan, surv)
        se2 = z * std_err / np.log(xx)
        lower = np.exp(-np.exp(np.log(-np.log(xx)) - se2))
        upper = np.exp(-np.exp(np.log(-np.log(xx)) + se2))
    return Bounds(lower, upper)


def _findq(x: np.ndarray, y: np.ndarray, p: float, tol: float = TOL) -> float:
    """R's ``survival:::findq`` for one probability p, with x = c(0, times), y = c(0, 1 - curve).

    Duplicated y values are dropped (first kept; NA equal to NA), NA points are ignored; the answer
    is the first x where y reaches p, or the midpoint to the next x where y sits exactly (within
    tol) at p over a stretch, or the midpoint to the last time when the curve ends at p.
    """
    if np.all(np.isnan(y)) or np.nanmax(y) < p:
        return float("nan")
    xmax = x[-1]
    dups = pd.Series(y).duplicated().to_numpy()
    x, y = x[~dups], y[~dups]
    valid = np.nonzero(~np.isnan(y))[0]

    def approx_index(knots: np.ndarray) -> int | None:
        # approx(knots, 1:n, p, method="constant", f=1): NA outside, else the first knot >= p
        if p < knots[0] or p > knots[-1]:
            return None
        return int(valid[np.nonzero(knots >= p)[0][0]])

    i1 = approx_index(y[valid] + tol)
    i2 = approx_index(y[valid] - tol)
    quant = (x[i1] + x[i2]) / 2 if i1 is not None and i2 is not None else float("nan")
    if p == 0:
        quant = x[0]
    if not np.isnan(y[-1]) and abs(p - y[-1]) < tol:
        quant = (x[i1] + xmax) / 2 if i1 is not None else float("nan")
    return float(quant)


def km_quantile(curve: pd.DataFrame, p: float = 0.5) -> Estimate:
    """Time at which the curve reaches ``1 - p`` and its CI from the log-log bands.

    Parameters
    ----------
    curve
        A :func:`kaplan_meier` curve.
    p
        The probability (0.5: the median).

    Returns
    -------
    Estimate
        NaN where not reached (R's ``quantile.survfit``).
    """
    x = np.concatenate([[0.0], curve["time"].to_numpy(float)])

    def q(column: str) -> float:
        return _findq(x, np.concatenate([[0.0], 1 - curve[column].to_numpy(float)]), p)

    return Estimate(q("surv"), q("lower"), q("upper"))


def km_at(curve: pd.DataFrame, t: float) -> Estimate:
    """Survival and its CI at time ``t``, as R's ``summary(fit, times = t)``.

    The last step at or before t; before the first time 1 with a 1-1 interval; at a step where S
    is still 1 no interval, as R; NaN beyond the last follow-up time (R: not reported).
    """
    times = curve["time"].to_numpy(float)
    if not len(times) or t > times[-1]:
        return Estimate(float("nan"), float("nan"), float("nan"))
    i = int(np.searchsorted(times, t, "right")) - 1
    if i < 0:
        return Estimate(1.0, 1.0, 1.0)
    row = curve.iloc[i]
    return Estimate(float(row["surv"]), float(row["lower"]), float(row["upper"]))


def number_at_risk(time: Any, entry: Any, at: Iterable[float]) -> np.ndarray:
    """Patients at risk at each time of ``at``: entry < t <= time (t > 0); at t = 0 those
    entered by 0.

    For right-censored data this is R's ``summary(fit, times = t)$n.risk``. With delayed entry R
    reports the risk set at its next curve time after t, which also counts patients entering in
    between; this function gives the risk set at t itself.
    """
    t = np.asarray(time, dtype=float)
    s = entry_array(entry, len(t))
    out = []
    for u in at:
        if u <= 0:
            out.append(int(np.sum((s <= u) & (t >= u))))
        else:
            out.append(int(np.sum((s < u) & (t >= u))))
    return np.array(out, dtype=int)


def _group_fit(pop: pd.DataFrame, truncation: str) -> pd.DataFrame:
    entry = pop["entry"] if truncation == "left" else None
    return kaplan_meier(pop["time"], pop["event"], entry)


def km_table(
    data: pd.DataFrame, levels: Sequence[str], truncation: str, times: Sequence[float]
) -> pd.DataFrame:
    """Per group (and ``all`` patients): n, events, median OS (95% CI), survival (95% CI) and
    numbers at risk at ``times`` (``surv_<t>``, ``surv_<t>_ci_low``, ``..._ci_high``,
    ``at_risk_<t>``)."""
    pop = fit_population(data, truncation)
    rows = []
    for grp in [*levels, "all"]:
        d = pop if grp == "all" else pop[pop["group"] == grp]
        row: dict[str, Any] = {
            "truncation": truncation,
            "group": grp,
            "n": len(d),
            "events": int(d["event"].sum()),
        }
        if len(d):
            curve = _group_fit(d, truncation)
            row["median"], row["median_ci_low"], row["median_ci_high"] = km_quantile(curve)
            risk = number_at_risk(d["time"], d["entry"] if truncation == "left" else None, times)
            for t, r in zip(times, risk, strict=True):
                s, lo, hi = km_at(curve, t)
                row.update(
                    {
                        f"surv_{t:g}": s,
                        f"surv_{t:g}_ci_low": lo,
                        f"surv_{t:g}_ci_high": hi,
                        f"at_risk_{t:g}": int(r),
                    }
                )
        rows.append(row)
    return pd.DataFrame(rows)


def km_curves(
    data: pd.DataFrame, levels: Sequence[str], truncations: Sequence[str]
) -> pd.DataFrame:
    """The full KM step curves per truncation and group (the ``km_curves`` table).

    Parameters
    ----------
    data
        An analysis table.
    levels, truncations
        The groups (in order; a group without patients has no rows) and the fits.

    Returns
    -------
    pandas.DataFrame
        :data:`KM_CURVES_COLUMNS`: truncation, group, then the :func:`kaplan_meier` columns.
    """
    parts = []
    for trunc in truncations:
        pop = fit_population(data, trunc)
        for grp in levels:
            d = pop[pop["group"] == grp]
            if len(d):
                parts.append(_group_fit(d, trunc).assign(truncation=trunc, group=grp))
    if not parts:
        return pd.DataFrame(columns=KM_CURVES_COLUMNS)
    return pd.concat(parts, ignore_index=True)[KM_CURVES_COLUMNS]


def group_curve(curves: pd.DataFrame, truncation: str, group: str) -> pd.DataFrame:
    """One group's curve (the :func:`kaplan_meier` columns) from a ``km_curves`` table."""
    rows = curves[(curves["truncation"] == truncation) & (curves["group"] == group)]
    return rows[CURVE_COLUMNS].reset_index(drop=True)
