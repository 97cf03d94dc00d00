"""Period-specific hazard ratios (piecewise Cox) for when proportional hazards fail.

Follow-up is split at cut points (e.g. months 60 and 120: periods 0-60, 60-120, >120) and the
same Cox model is fitted in each period, exactly as R's

    sp <- survSplit(Surv(time, event) ~ ., data, cut = c(60, 120), episode = "period")
    coxph(Surv(tstart, time, event) ~ group + age, data = sp, subset = period == k,
          ties = "efron")

(left-truncated: ``survSplit(Surv(entry, time, event) ~ ., ...)`` on the patients with
entry < time). In period (a, b] a patient is at risk from ``max(entry, a)`` (naive: from a) to
``min(time, b)``, and has an event there only if they die in (a, b]: a death exactly at a cut b
belongs to the period ending at b, as in ``survSplit``. Rows with start >= stop (e.g. an OS of 0)
are dropped, as coxph refuses them. Each period is a counting-process Cox fit
(:func:`her2cohort.survival.cox.fit_cox` with ``entry_col``, Efron ties), so the first period of a
naive analysis equals the naive fit except for patients with an OS of 0.

A period without deaths, without two groups or whose fit fails is reported as not estimable (NaN
and a ``note``), never raised; so is a group level without deaths in the period
(:attr:`CoxFit.not_estimable`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from her2cohort.errors import DataError
from her2cohort.survival.cox import cox_table, design_matrix
from her2cohort.survival.fitting import not_fittable, try_fit
from her2cohort.survival.settings import Analysis
from her2cohort.survival.table import fit_population

#: the columns of :func:`period_cox`
PERIOD_COLUMNS = [
    *("period", "start", "end", "term", "hr", "ci_low", "ci_high", "p", "n", "events"),
    *("truncation", "model", "note"),
]


def period_bounds(cuts: Sequence[float]) -> list[tuple[str, float, float]]:
    """The periods ``(label, a, b)`` of cut points: ``0-60``, ``60-120``, ``>120`` (b = inf).

    Raises
    ------
    DataError
        Cut points not positive, finite and strictly increasing.
    """
    c = np.asarray(cuts, dtype=float)
    if not len(c) or not np.all(np.isfinite(c)) or c[0] <= 0 or np.any(np.diff(c) <= 0):
        raise DataError(f"period cut points must be positive and increasing, not {list(cuts)}")
    edges = [0.0, *c.tolist(), float("inf")]
    out = []
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        label = f">{a:g}" if np.isinf(b) else f"{a:g}-{b:g}"
        out.append((label, a, b))
    return out


def split_periods(data: pd.DataFrame, cuts: Sequence[float], truncation: str) -> pd.DataFrame:
    """R's ``survSplit``: one row per patient and period they are followed in.

    Parameters
    ----------
    data
        An analysis table (``time``, ``event``, ``entry`` and covariates).
    cuts
        The cut points (months).
    truncation
        ``none``: at risk from 0; ``left``: from entry (patients with entry unknown or >= time
        dropped first).

    Returns
    -------
    pandas.DataFrame
        The data's columns with ``entry`` = start of the row's risk interval, ``time`` = its end,
        ``event`` = death in the period, plus ``period`` (label), ``period_start``,
        ``period_end``; rows with entry >= time left out.
    """
    pop = fit_population(data, truncation)
    time = pop["time"].to_numpy(float)
    entry = pop["entry"].to_numpy(float) if truncation == "left" else np.zeros(len(pop))
    event = pop["event"].to_numpy(int)
    parts = []
    for label, a, b in period_bounds(cuts):
        start, stop = np.maximum(entry, a), np.minimum(time, b)
        keep = start < stop
        part = pop[keep].assign(
            entry=start[keep],
            time=stop[keep],
            event=(event[keep] == 1) & (time[keep] <= b),
            period=label,
            period_start=a,
            period_end=b,
        )
        parts.append(part.astype({"event": int}))
    return pd.concat(parts, ignore_index=True)


def _not_estimable(
    frame: pd.DataFrame, data: pd.DataFrame, analysis: Analysis, model: str, why: str
) -> pd.DataFrame:
    """NaN rows, one per model column of the period's data (of all the data if it is empty)."""
    source = frame if len(frame) else data
    terms = list(design_matrix(source, analysis, analysis.models[model]).X.columns)
    nan = float("nan")
    return pd.DataFrame(
        {"term": terms, "hr": nan, "ci_low": nan, "ci_high": nan, "p": nan, "note": why}
    )


def period_cox(
    data: pd.DataFrame,
    analysis: Analysis,
    model: str,
    truncation: str,
    cuts: Sequence[float],
) -> pd.DataFrame:
    """The Cox model ``model`` of ``analysis`` fitted separately in each follow-up period.

    Parameters
    ----------
    data
        An analysis table (``group``, ``time``, ``event``, ``entry``, covariates).
    analysis, model
        The model's terms and factor levels (first level = reference).
    truncation
        ``none`` or ``left``.
    cuts
        The cut points, e.g. ``(60, 120)``.

    Returns
    -------
    pandas.DataFrame
        :data:`PERIOD_COLUMNS`: per period (``start``, ``end``; inf for the last) and model
        term, HR with 95% CI and Wald p, ``n`` patients at risk in the period and its ``events``;
        NaN with a ``note`` where not estimable.
    """
    split = split_periods(data, cuts, truncation)
    parts = []
    for label, a, b in period_bounds(cuts):
        frame = split[split["period"] == label]
        why = not_fittable(frame, analysis, model, "left") if len(frame) else "nobody at risk"
        fit = try_fit(frame, analysis, model, "left") if not why else why
        if isinstance(fit, str):
            rows = _not_estimable(frame, data, analysis, model, f"not estimable: {fit}")
        else:
            rows = cox_table(fit).assign(note=fit.notes)
        parts.append(
            rows.assign(
                period=label,
                start=a,
                end=b,
                n=len(frame),
                events=int(frame["event"].sum()),
                truncation=truncation,
                model=model,
            )[PERIOD_COLUMNS]
        )
    return pd.concat(parts, ignore_index=True)
