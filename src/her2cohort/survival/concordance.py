"""Concordance of a Cox model's linear predictor with survival.

* Harrell's C and Uno's C (IPCW, up to ``concordance_tau``) from scikit-survival. Both know nothing
  of delayed entry: for truncated fits they are computed on (time, event) of the fitted patients.
* :func:`harrell_c_at_risk`: pairs are comparable only when the longer-lived patient was at risk at
  the death time -- R's ``concordance()``, identical to Harrell's C for naive fits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from her2cohort.survival.km import entry_array

if TYPE_CHECKING:
    from her2cohort.survival.cox import CoxFit


class Concordance(NamedTuple):
    """Harrell's and Uno's C (scikit-survival) of one fit."""

    harrell: float
    uno: float


#: predictors closer than this (relative to their scale) are ties: x @ beta of two patients with
#: identical covariates can differ in the last bits with the BLAS kernel (summation order), about
#: n_terms * 2.2e-16 relative; 1e-10 sits far above that and far below any real difference
TIE_RTOL = 1e-10


def tie_ranks(values: Any, rtol: float = TIE_RTOL) -> np.ndarray:
    """Dense integer ranks of ``values`` in which values within ``rtol`` (relative to the largest
    magnitude, at least 1) of their sorted neighbour share a rank: ties decided the same way on
    every machine."""
    v = np.asarray(values, dtype=float)
    if not len(v):
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(v, kind="stable")
    scale = max(1.0, float(np.max(np.abs(v))))
    new_group = np.diff(v[order]) > rtol * scale
    ranks = np.empty(len(v), dtype=np.int64)
    ranks[order] = np.concatenate([[0], np.cumsum(new_group)])
    return ranks


def harrell_c_at_risk(time: Any, event: Any, risk: Any, entry: Any = None) -> float:
    """Harrell's C over the pairs comparable on the risk sets.

    (i, j) counts when i dies at t_i while j is at risk (entry_j < t_i <= t_j, j not dying at t_i);
    tied risks count 1/2, ties decided by :func:`tie_ranks`. This is R's ``concordance()`` of a coxph fit (also for counting-process
    data); without entry it is the usual Harrell's C (scikit-survival's
    ``concordance_index_censored``).

    Parameters
    ----------
    time, event
        Follow-up times and event indicators (1 = death).
    risk
        The predicted risk (a higher risk should die sooner), e.g. the linear predictor.
    entry
        Entry times (delayed entry), or None.

    Returns
    -------
    float
        The concordance (NaN when no pair is comparable).
    """
    t = np.asarray(time, dtype=float)
    e = np.asarray(event).astype(bool)
    r = tie_ranks(risk)
    s = entry_array(entry, len(t))
    conc, disc, tied = _pair_counts(t, e, r, s)
    total = conc + disc + tied
    return (conc + tied / 2) / total if total else float("nan")


def _pair_counts(
    t: np.ndarray, e: np.ndarray, r: np.ndarray, s: np.ndarray
) -> tuple[int, int, int]:
    """Concordant, discordant and tied comparable pairs in O(n log n).

    A sweep over the distinct death times u keeps the risk set {j: s_j < u <= t_j} in a Fenwick
    tree over the risk ranks; the deaths at u leave it before they are compared (a pair of deaths
    at the same time is not comparable), and each death then counts the ranks below, equal to and
    above its own. Same counts as comparing every pair.
    """
    size = int(r.max()) + 2 if len(r) else 2
    tree = [0] * size

    def add(i: int, v: int) -> None:
        i += 1
        while i < size:
            tree[i] += v
            i += i & -i

    def below(i: int) -> int:  # how many ranks < i are in the tree
        total = 0
        while i > 0:
            total += tree[i]
            i -= i & -i
        return total

    by_entry, by_time = np.argsort(s, kind="stable"), np.argsort(t, kind="stable")
    deaths = np.flatnonzero(e)
    deaths = deaths[np.argsort(t[deaths], kind="stable")]
    starts = np.flatnonzero(np.r_[True, np.diff(t[deaths]) != 0])
    ends = np.r_[starts[1:], len(deaths)]
    gone = np.zeros(len(t), dtype=bool)
    rank = r.tolist()
    n_in = ins = rem = 0
    conc = disc = tied = 0
    for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True):
        u = t[deaths[lo]]
        while ins < len(t) and s[by_entry[ins]] < u:
            add(rank[by_entry[ins]], 1)
            n_in += 1
            ins += 1
        while rem < len(t) and t[by_time[rem]] < u:
            j = int(by_time[rem])
            if not gone[j]:
                add(rank[j], -1)
                n_in -= 1
                gone[j] = True
            rem += 1
        group = deaths[lo:hi].tolist()
        for j in group:
            if s[j] < u:  # in the tree (a death entering at or after u never was)
                add(rank[j], -1)
                n_in -= 1
            gone[j] = True
        for j in group:
            less, upto = below(rank[j]), below(rank[j] + 1)
            conc += less
            tied += upto - less
            disc += n_in - upto
    return conc, disc, tied


def concordance(fit: CoxFit, tau: float | None) -> Concordance:
    """Harrell's C and Uno's C (scikit-survival) of a fit's linear predictor (entry ignored).

    Parameters
    ----------
    fit
        A Cox fit.
    tau
        Uno's C truncation time (None: the last follow-up time).

    Returns
    -------
    Concordance
        Uno's C is NaN where scikit-survival cannot compute it (e.g. censoring survival of 0).
    """
    from sksurv.metrics import concordance_index_censored, concordance_index_ipcw
    from sksurv.util import Surv

    risk = fit.linear_predictor
    ev = fit.event.astype(bool)
    harrell = float(concordance_index_censored(ev, fit.time, risk)[0])
    y = Surv.from_arrays(ev, fit.time)
    try:
        uno = float(concordance_index_ipcw(y, y, risk, tau=tau)[0])
    except ValueError:
        uno = float("nan")
    return Concordance(harrell, uno)
