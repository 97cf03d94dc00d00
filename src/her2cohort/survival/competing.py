"""Competing risks for disease-specific survival: Aalen-Johansen cumulative incidence and
cause-specific Cox models.

Event coding: ``time`` and ``cause`` -- 0 censored (alive at last follow-up), 1 death of disease,
2 death of other causes (METABRIC's VITAL_STATUS). Any other code is a :class:`DataError`.

* Cumulative incidence of cause k: the Aalen-Johansen estimator
  ``F_k(t) = sum_{u <= t} S(u-) d_k(u) / Y(u)``, with S the all-cause Kaplan-Meier curve
  (:func:`her2cohort.survival.km.kaplan_meier`), d_k(u) the deaths of cause k at u and Y(u) the
  risk set. R: ``survfit(Surv(time, factor(cause, 0:2, c("censor", "disease", "other"))) ~ group)``,
  whose ``pstate`` it equals.
* Standard error: R's infinitesimal-jackknife (IJ) variance ``sum_i U_i(t)^2``, U_i the
  derivative of F_k(t) in patient i's case weight (R's ``std.err``), from cumulative sums in
  O(n log n) (:func:`_ij_variance`). Without delayed entry it is the closed form
  ``sum_{u <= t} S(u-)^2 d_k (Y - d_k) / Y^3 - 2 S(u-) (F(t) - F(u)) d_k / Y^2
  + (F(t) - F(u))^2 d / (Y (Y - d))``; delayed entry adds cross-time terms, included.
* Confidence interval: R's default for multi-state curves, ``conf.type = "log"``:
  ``F exp(+-z se / F)``, the upper bound capped at 1, NaN where F = 0.
* Left truncation: risk sets ``entry < t <= time`` (R: ``Surv(entry, time, status) ~ group,
  id = patient``); patients with entry >= time are dropped (``fit_population``).
* Cause-specific Cox: the Cox model of one cause with the other treated as censored
  (:func:`her2cohort.survival.cox.fit_cox` on ``event = cause == k``). R:
  ``coxph(Surv(time, cause == 1) ~ ..., ties = "efron")``.

Gray's test is not implemented.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from her2cohort.errors import DataError
from her2cohort.survival.cox import COX_COLUMNS, CoxFit, cox_table, fit_cox
from her2cohort.survival.km import check_entry, entry_array, kaplan_meier
from her2cohort.survival.settings import Analysis, Z
from her2cohort.survival.table import fit_population

#: the cause codes: censored, death of disease, death of other causes
CAUSES = (0, 1, 2)
#: the columns :func:`aalen_johansen` returns
CIF_COLUMNS = ["time", "n_risk", "n_event", "cif", "std_err", "lower", "upper"]
#: the columns of :func:`cif_curves`
CIF_CURVES_COLUMNS = ["truncation", "group", "cause", *CIF_COLUMNS]
#: the columns of :func:`cif_table`
CIF_TABLE_COLUMNS = [
    *("truncation", "group", "cause", "time", "cif", "std_err", "lower", "upper"),
    *("n", "events"),
]
#: the columns of :func:`cause_specific_table`
CS_COX_COLUMNS = [*COX_COLUMNS, "cause"]


def check_causes(cause: Any, column: str = "cause") -> np.ndarray:
    """Cause codes as integers, or a :class:`DataError` naming every value not in 0, 1, 2."""
    values = pd.Series(np.asarray(cause, dtype=object))
    codes = pd.to_numeric(values, errors="coerce")
    bad = values[~codes.isin(CAUSES)]
    if len(bad):
        shown = ", ".join(sorted({repr(v) for v in bad})[:5])
        raise DataError(
            f"{column}: {len(bad)} value(s) not a cause code 0 (censored), 1 (death of disease) "
            f"or 2 (death of other causes): {shown}"
        )
    return np.asarray(codes.to_numpy(int), dtype=int)


def _at(cum: np.ndarray, times: np.ndarray, x: np.ndarray) -> np.ndarray:
    """A cumulative sum over the distinct times read at x (the sum over times <= x; 0 before)."""
    pos = np.searchsorted(times, x, "right") - 1
    return np.asarray(np.where(pos >= 0, cum[np.maximum(pos, 0)], 0.0))


def _ij_variance(
    t: np.ndarray, c: np.ndarray, s: np.ndarray, of: int, km: pd.DataFrame, dk: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """F_k and its IJ variance at the curve times: ``sum_i U_i(t)^2``, vectorised.

    With a_j = S(u_j-) / Y_j, b_j = 1 / (Y_j - d_j) (0 where Y_j = d_j) and subject i's increments
    dM_i = dN_i - Y_i d / Y (all causes), dM_ik likewise for cause k, the derivative of F_k(t) in
    i's weight is ``U_i(t) = sum_{u_j <= t} a_j dM_ik - (F(t) - F_j) b_j dM_i = alpha_i - F(t)
    beta_i``. A patient's death gives the dN terms, its risk interval (entry, min(T, t)] the
    -Y d/Y terms: differences of cumulative sums A, B over the times. Patients whose follow-up
    ended (T_i <= t) have fixed alpha_i, beta_i; for those still followed U_i = w_i - K(t) with
    w_i = A(entry_i) - F(t) B(entry_i). Summing the squares needs only cumulative sums of 1, w and
    w^2 terms over the patients, ordered by time and by entry.
    """
    times = km["time"].to_numpy(float)
    y, d = km["n_risk"].to_numpy(float), km["n_event"].to_numpy(float)
    s_prev = np.concatenate([[1.0], km["surv"].to_numpy(float)[:-1]])
    f = np.cumsum(s_prev * dk / y)
    a = s_prev / y
    with np.errstate(divide="ignore"):
        b = np.where(y > d, 1 / (y - d), 0.0)  # y == d: S drops to 0, F is flat afterwards
    big_a, big_b = np.cumsum((a * dk + f * b * d) / y), np.cumsum(b * d / y)
    it = np.searchsorted(times, t)
    a_e, b_e = _at(big_a, times, s), _at(big_b, times, s)
    alpha = np.where(c > 0, a[it] * (c == of) + f[it] * b[it], 0.0) - big_a[it] + a_e
    beta = np.where(c > 0, b[it], 0.0) - big_b[it] + b_e
    order = np.argsort(s, kind="stable")
    entered = np.searchsorted(s[order], times, "left")  # patients with entry_i < times[j]

    def ended(w: np.ndarray) -> np.ndarray:  # sum over T_i <= times[j]
        return np.cumsum(np.bincount(it, weights=w, minlength=len(times)))

    def followed(w: np.ndarray) -> np.ndarray:  # sum over entry_i < times[j] < T_i
        # entered minus ended (T_i <= t implies entry_i < t): exactly 0 while F is 0
        return np.asarray(np.concatenate([[0.0], np.cumsum(w[order])])[entered] - ended(w))

    var = ended(alpha**2) - 2 * f * ended(alpha * beta) + f**2 * ended(beta**2)
    k = big_a - f * big_b
    sum_w = followed(a_e) - f * followed(b_e)
    sum_w2 = followed(a_e**2) - 2 * f * followed(a_e * b_e) + f**2 * followed(b_e**2)
    var += followed(np.ones(len(t))) * k**2 - 2 * k * sum_w + sum_w2
    return f, np.maximum(var, 0.0)


def aalen_johansen(time: Any, cause: Any, entry: Any = None, of: int = 1) -> pd.DataFrame:
    """Cumulative incidence of cause ``of`` with R's IJ standard error: one row per distinct time.

    Parameters
    ----------
    time, cause
        Follow-up times and cause codes (0 censored, 1 death of disease, 2 other causes).
    entry
        Entry times (delayed entry), or None. Every entry must be before its time.
    of
        The cause (1 or 2).

    Returns
    -------
    pandas.DataFrame
        :data:`CIF_COLUMNS`: time, n_risk, n_event (deaths of this cause), cif, std_err, lower,
        upper (R's ``conf.type = "log"``; NaN where cif is 0).
    """
    if of not in CAUSES[1:]:
        raise DataError(f"cumulative incidence: cause must be 1 or 2, not {of!r}")
    t = np.asarray(time, dtype=float)
    c = check_causes(cause)
    s = entry_array(entry, len(t))
    check_entry(t, s)
    km = kaplan_meier(t, c > 0, None if entry is None else s)
    times = km["time"].to_numpy(float)
    dk = np.bincount(np.searchsorted(times, t[c == of]), minlength=len(times)).astype(float)
    f, var = _ij_variance(t, c, s, of, km, dk)
    std = np.sqrt(var)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(f > 0, Z * std / f, np.nan)
        lower = np.where(f > 0, f * np.exp(-ratio), np.nan)
        upper = np.where(f > 0, np.minimum(f * np.exp(ratio), 1.0), np.nan)
    columns = (times, km["n_risk"].to_numpy(float), dk, f, std, lower, upper)
    return pd.DataFrame(dict(zip(CIF_COLUMNS, columns, strict=True)))


def cif_at(curve: pd.DataFrame, t: float) -> dict[str, float]:
    """cif, std_err, lower, upper at time t, as R's ``summary(fit, times = t)``: the last step at
    or before t; NaN beyond the last follow-up; 0 (se 0, no interval) before the first time."""
    times = curve["time"].to_numpy(float)
    cols = ["cif", "std_err", "lower", "upper"]
    if not len(times) or t > times[-1]:
        return dict.fromkeys(cols, float("nan"))
    i = int(np.searchsorted(times, t, "right")) - 1
    if i < 0:
        return {"cif": 0.0, "std_err": 0.0, "lower": float("nan"), "upper": float("nan")}
    return {col: float(curve[col].iloc[i]) for col in cols}


def _groups(
    data: pd.DataFrame, levels: Sequence[str], truncation: str, group: str, cause: str
) -> list[tuple[str, pd.DataFrame]]:
    check_causes(data[cause], cause)
    pop = fit_population(data, truncation)
    return [(lev, pop[pop[group] == lev]) for lev in levels]


def _curve(d: pd.DataFrame, truncation: str, cause: str, of: int) -> pd.DataFrame:
    entry = d["entry"] if truncation == "left" else None
    return aalen_johansen(d["time"], d[cause], entry, of)


def cif_curves(
    data: pd.DataFrame,
    levels: Sequence[str],
    truncations: Sequence[str],
    causes: Sequence[int] = (1, 2),
    group: str = "group",
    cause: str = "cause",
) -> pd.DataFrame:
    """The cumulative incidence step curves per truncation, group and cause (for plotting);
    the parameters as in :func:`cif_table`.

    Returns
    -------
    pandas.DataFrame
        :data:`CIF_CURVES_COLUMNS`: truncation, group, cause, then the :func:`aalen_johansen`
        columns; a group without patients has no rows.
    """
    parts = []
    for trunc in truncations:
        for lev, d in _groups(data, levels, trunc, group, cause):
            for k in causes:
                if len(d):
                    curve = _curve(d, trunc, cause, k)
                    parts.append(curve.assign(truncation=trunc, group=lev, cause=k))
    if not parts:
        return pd.DataFrame(columns=CIF_CURVES_COLUMNS)
    return pd.concat(parts, ignore_index=True)[CIF_CURVES_COLUMNS]


def cif_table(
    data: pd.DataFrame,
    levels: Sequence[str],
    truncation: str,
    times: Sequence[float],
    causes: Sequence[int] = (1, 2),
    group: str = "group",
    cause: str = "cause",
) -> pd.DataFrame:
    """Cumulative incidence (95% CI) per group and cause at ``times`` (:func:`cif_at`).

    Parameters
    ----------
    data
        One row per patient: ``time``, ``entry`` (used when ``truncation`` is ``left``; patients
        with entry unknown or >= time dropped), the ``group`` and ``cause`` columns.
    levels
        The groups.
    truncation
        ``none`` or ``left``.
    times
        When to read the curves (months).
    causes
        The causes whose incidence is estimated.
    group, cause
        The names of the group and cause-code columns.

    Returns
    -------
    pandas.DataFrame
        :data:`CIF_TABLE_COLUMNS`; ``n`` patients of the group, ``events`` its deaths of the
        cause (all follow-up). A group without patients has NaN estimates.
    """
    rows = []
    for lev, d in _groups(data, levels, truncation, group, cause):
        for k in causes:
            curve = _curve(d, truncation, cause, k) if len(d) else pd.DataFrame(columns=CIF_COLUMNS)
            events = int((d[cause].to_numpy(int) == k).sum())
            for t in times:
                key = {"truncation": truncation, "group": lev, "cause": k, "time": t}
                rows.append({**key, **cif_at(curve, t), "n": len(d), "events": events})
    return pd.DataFrame(rows, columns=CIF_TABLE_COLUMNS)


def cause_specific_cox(
    data: pd.DataFrame,
    analysis: Analysis,
    model: str,
    truncation: str,
    of: int = 1,
    cause: str = "cause",
) -> CoxFit:
    """Cause-specific Cox model: deaths of cause ``of`` are events, the competing deaths censored.

    :func:`her2cohort.survival.cox.fit_cox` (lifelines, Efron ties, ``entry_col`` when truncated)
    on ``event = (cause == of)``. R: ``coxph(Surv(time, cause == of) ~ terms, ties = "efron")``.
    """
    if of not in CAUSES[1:]:
        raise DataError(f"cause-specific Cox: cause must be 1 or 2, not {of!r}")
    codes = check_causes(data[cause], cause)
    return fit_cox(data.assign(event=(codes == of).astype(int)), analysis, model, truncation)


def cause_specific_table(
    data: pd.DataFrame,
    analysis: Analysis,
    model: str,
    truncation: str,
    of: int = 1,
    cause: str = "cause",
) -> pd.DataFrame:
    """The :func:`cause_specific_cox` fit as ``cox`` table rows plus the cause
    (:data:`CS_COX_COLUMNS`); ``events`` counts the deaths of that cause."""
    fit = cause_specific_cox(data, analysis, model, truncation, of, cause)
    return cox_table(fit).assign(cause=of)[CS_COX_COLUMNS]
