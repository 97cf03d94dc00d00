"""Log-rank tests, global and pairwise, naive and left-truncated.

Naive data: lifelines ``multivariate_logrank_test`` / ``logrank_test`` (= R's ``survdiff``).
lifelines has no delayed entry, so truncated tests use :func:`logrank` on ``(entry, time]`` risk
sets: O - E and the hypergeometric variance, i.e. the score test of the exact partial likelihood at
beta = 0 (R: ``coxph(Surv(entry, time, event) ~ group, ties = "exact")$score``; ``survdiff``
refuses counting-process data).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from her2cohort.survival.km import check_entry, entry_array
from her2cohort.survival.riskset import death_groups, risk_set_sums
from her2cohort.survival.settings import chi2_sf
from her2cohort.survival.table import fit_population

#: the columns of the ``logrank`` table
LOGRANK_COLUMNS = [
    "truncation",
    "comparison",
    "chisq",
    "df",
    "p",
    "p_holm",
    "n",
    "events",
    "method",
]


class LogrankResult(NamedTuple):
    """A k-group log-rank test: statistic, degrees of freedom, observed and expected deaths per
    group (in the order of the group's categories)."""

    chisq: float
    df: int
    observed: np.ndarray
    expected: np.ndarray


def logrank(time: Any, event: Any, group: Any, entry: Any = None) -> LogrankResult:
    """k-group log-rank test on ``(entry, time]`` risk sets.

    The variance is the hypergeometric one of R's survdiff; with delayed entry this is the score
    test of the exact partial likelihood at beta = 0.

    Parameters
    ----------
    time, event, group
        Follow-up times, event indicators (1 = death) and group labels.
    entry
        Entry times (delayed entry), or None. Every entry must be before its time.

    Returns
    -------
    LogrankResult
        ``chisq`` is NaN (and ``df`` 0) with fewer than two groups present.
    """
    t = np.asarray(time, dtype=float)
    e = np.asarray(event).astype(bool)
    s = entry_array(entry, len(t))
    check_entry(t, s)
    g = pd.Categorical(np.asarray(group))
    codes = g.codes
    k = len(g.categories)
    times, d_u, deaths = death_groups(t, e)
    onehot = np.zeros((len(t), k), dtype=np.int64)
    onehot[np.arange(len(t)), codes] = 1
    n_g = risk_set_sums(t, s, times, onehot).astype(float)  # at risk per time and group
    d_g = np.zeros((len(times), k))
    np.add.at(d_g, (np.repeat(np.arange(len(times)), d_u), codes[deaths]), 1.0)
    n, d = n_g.sum(axis=1), d_u.astype(float)
    obs = d_g.sum(axis=0)
    exp_ = (d / n) @ n_g
    several = n > 1
    f = n_g[several] / n[several, None]
    w = (d * (n - d))[several] / (n[several] - 1)
    var = np.diag(w @ f) - (f * w[:, None]).T @ f
    present = np.nonzero(np.bincount(codes, minlength=k))[0]
    diff = (obs - exp_)[present][1:]
    v = var[np.ix_(present, present)][1:, 1:]
    df = len(present) - 1
    if df < 1:
        return LogrankResult(float("nan"), 0, obs, exp_)
    if not e.any():  # no deaths: no information, the variance is 0 (R's survdiff: chisq 0, NaN p)
        return LogrankResult(float("nan"), df, obs, exp_)
    chisq = float(diff @ np.linalg.solve(v, diff))
    return LogrankResult(chisq, df, obs, exp_)


def holm(pvalues: Sequence[float]) -> np.ndarray:
    """Holm step-down adjusted p-values (in the order given)."""
    p = np.asarray(pvalues, dtype=float)
    order = np.argsort(p)
    m = len(p)
    adj = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        adj[i] = running
    return adj


def _test(d: pd.DataFrame, truncation: str, label: str) -> dict[str, Any]:
    from lifelines.statistics import logrank_test, multivariate_logrank_test

    if truncation == "none":
        if d["group"].nunique() == 2:
            a, b = (d[d["group"] == x] for x in d["group"].unique())
            res = logrank_test(a["time"], b["time"], a["event"], b["event"])
        else:
            res = multivariate_logrank_test(d["time"], d["group"], d["event"])
        chisq, df = float(res.test_statistic), int(res.degrees_of_freedom)
        method = "lifelines log-rank"
    else:
        chisq, df, _, _ = logrank(d["time"], d["event"], d["group"], d["entry"])
        method = "log-rank on (entry, time] risk sets"
    return {
        "truncation": truncation,
        "comparison": label,
        "chisq": chisq,
        "df": df,
        "p": float(chi2_sf(chisq, df)),
        "n": len(d),
        "events": int(d["event"].sum()),
        "method": method,
    }


def logrank_table(data: pd.DataFrame, levels: Sequence[str], truncation: str) -> pd.DataFrame:
    """Global and pairwise log-rank tests of one truncation (the ``logrank`` table's rows).

    Pairwise comparisons (``"<b> vs <a>"``) are made when more than two groups are present; their
    p-values are Holm-adjusted within the truncation (``p_holm``).
    """
    pop = fit_population(data, truncation)
    present = [lev for lev in levels if (pop["group"] == lev).any()]
    rows = []
    if len(present) >= 2:
        rows.append(_test(pop[pop["group"].isin(present)], truncation, "global"))
        pair_rows = [
            _test(pop[pop["group"].isin([a, b])], truncation, f"{b} vs {a}")
            for a, b in combinations(present, 2)
        ]
        if pair_rows and len(present) > 2:
            for r, adj in zip(pair_rows, holm([r["p"] for r in pair_rows]), strict=True):
                r["p_holm"] = adj
            rows += pair_rows
    return pd.DataFrame(rows, columns=LOGRANK_COLUMNS)
