"""Restricted mean survival time (RMST) per group up to a horizon tau, and its difference
between each group and a reference group.

* RMST(tau): the area under the Kaplan-Meier step curve from 0 to tau
  (:func:`her2cohort.survival.km.kaplan_meier`; naive or left-truncated risk sets), with R's
  standard error ``sqrt(sum_j A_j^2 d_j / (Y_j (Y_j - d_j)))``, A_j the area under the curve from
  the j-th curve time to tau (0 where Y_j = d_j). R: ``summary(survfit(Surv(time, event) ~ group),
  rmean = tau)$table[, c("rmean", "se(rmean)")]`` (``survival:::survmean``); R accepts ``rmean``
  for counting-process fits ``Surv(entry, time, event)`` too, and integrates from 0 there as well.
* Difference: ``RMST_group - RMST_reference``, se ``sqrt(se_g^2 + se_r^2)`` (independent groups),
  normal 95% CI and two-sided p: survRM2's ``rmst2`` unadjusted difference.
* Horizon: a group's RMST needs tau <= its last follow-up time (event or censoring); a difference
  needs both groups' (survRM2's rule: tau <= the smaller of the two largest follow-up times).
  Otherwise the estimate is NaN and ``note`` says why (R would extend the last step).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from her2cohort.errors import DataError
from her2cohort.survival.km import kaplan_meier
from her2cohort.survival.settings import Z, norm_p
from her2cohort.survival.table import fit_population

#: the columns of :func:`rmst_table`
RMST_COLUMNS = [
    *("truncation", "tau", "group", "versus", "rmst", "se", "rmst_ref", "se_ref"),
    *("difference", "ci_low", "ci_high", "p", "n", "events", "note"),
]


class Rmst(NamedTuple):
    """A restricted mean survival time and its standard error."""

    rmst: float
    se: float


def rmst(curve: pd.DataFrame, tau: float) -> Rmst:
    """RMST up to ``tau`` of a :func:`~her2cohort.survival.km.kaplan_meier` curve, as R's
    ``survmean`` (``print(fit, rmean = tau)``): the area under the step curve from 0 to tau and
    its standard error.

    Parameters
    ----------
    curve
        A :func:`~her2cohort.survival.km.kaplan_meier` curve (time, n_risk, n_event, surv).
    tau
        The horizon. Not checked against the follow-up here: beyond the last time R (and this
        function) carry the last value forward; :func:`rmst_table` refuses such horizons.

    Returns
    -------
    Rmst
        The area and R's standard error (no n / (n - 1) factor).
    """
    times = curve["time"].to_numpy(float)
    keep = times <= tau
    t = times[keep]
    y = curve["n_risk"].to_numpy(float)[keep]
    d = curve["n_event"].to_numpy(float)[keep]
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.where(y > d, d / (y * (y - d)), 0.0)
    start = min(0.0, float(times[0])) if len(times) else 0.0  # R: min(0, x$time)
    knots = np.concatenate([[start], t, [tau]])
    steps = np.concatenate([[1.0], curve["surv"].to_numpy(float)[keep]])
    rectangles = np.diff(knots) * steps  # S on [knot_j, knot_j+1)
    tail = np.cumsum(rectangles[::-1])[::-1]  # area from knot_j to tau
    return Rmst(float(rectangles.sum()), float(np.sqrt(np.sum(tail[1:] ** 2 * h))))


def _group_rmst(d: pd.DataFrame, truncation: str, tau: float, label: str) -> tuple[Rmst, str]:
    if not len(d):
        return Rmst(float("nan"), float("nan")), f"{label}: no patients"
    last = float(d["time"].max())
    if tau > last:
        return Rmst(float("nan"), float("nan")), (
            f"{label}: tau {tau:g} is beyond its last follow-up ({last:g}): RMST not estimable"
        )
    entry = d["entry"] if truncation == "left" else None
    return rmst(kaplan_meier(d["time"], d["event"], entry), tau), ""


def rmst_difference(a: Rmst, ref: Rmst) -> dict[str, float]:
    """Difference ``a - ref`` with the normal 95% CI and two-sided p (independent groups)."""
    diff = a.rmst - ref.rmst
    se = float(np.hypot(a.se, ref.se))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = float(norm_p(np.divide(diff, se)))  # NaN for 0 / 0 (no deaths: se 0)
    return {"difference": diff, "ci_low": diff - Z * se, "ci_high": diff + Z * se, "p": p}


def rmst_table(
    data: pd.DataFrame,
    group: str,
    levels: Sequence[str],
    taus: Sequence[float],
    truncation: str,
) -> pd.DataFrame:
    """RMST per group at each horizon and its difference from the reference group.

    Parameters
    ----------
    data
        One row per patient: ``time``, ``event`` (0/1), ``entry`` (used when ``truncation`` is
        ``left``; patients with entry unknown or >= time are dropped) and the ``group`` column.
    group
        The column holding the groups.
    levels
        The groups, the first being the reference.
    taus
        The horizons (months, positive).
    truncation
        ``none`` or ``left``.

    Returns
    -------
    pandas.DataFrame
        :data:`RMST_COLUMNS`, one row per tau and group: rmst and se of the group, ``versus`` the
        reference (NA on the reference's own row), rmst_ref / se_ref, difference (group -
        reference) with 95% CI and p; ``n`` patients and ``events`` deaths of the group (all
        follow-up); ``note`` why an estimate is NaN (empty otherwise).

    Raises
    ------
    DataError
        A horizon is not positive.
    """
    if any(not tau > 0 for tau in taus):
        raise DataError(f"RMST horizons must be positive, not {list(taus)}")
    pop = fit_population(data, truncation)
    ref_level = levels[0]
    rows: list[dict[str, Any]] = []
    for tau in taus:
        fits = {lev: _group_rmst(pop[pop[group] == lev], truncation, tau, lev) for lev in levels}
        ref, ref_note = fits[ref_level]
        for lev in levels:
            est, note = fits[lev]
            d = pop[pop[group] == lev]
            row: dict[str, Any] = {
                "truncation": truncation,
                "tau": tau,
                "group": lev,
                "versus": None,
                "rmst": est.rmst,
                "se": est.se,
                "rmst_ref": float("nan"),
                "se_ref": float("nan"),
                "difference": float("nan"),
                "ci_low": float("nan"),
                "ci_high": float("nan"),
                "p": float("nan"),
                "n": len(d),
                "events": int(d["event"].sum()),
                "note": note,
            }
            if lev != ref_level:
                row.update(versus=ref_level, rmst_ref=ref.rmst, se_ref=ref.se)
                row.update(rmst_difference(est, ref))
                row["note"] = "; ".join(n for n in (note, ref_note) if n)
            rows.append(row)
    return pd.DataFrame(rows, columns=RMST_COLUMNS)
