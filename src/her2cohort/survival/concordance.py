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


def tie_ranks(values: Any, rtol: float = TIE_RTOL, atol: float = 0.0) -> np.ndarray:
    """Dense integer ranks of ``values`` in which values within ``rtol`` (relative to the largest
    magnitude, at least 1) or ``atol`` of their sorted neighbour share a rank: ties decided the
    same way on every machine."""
    v = np.asarray(values, dtype=float)
    if not len(v):
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(v, kind="stable")
    scale = max(1.0, float(np.max(np.abs(v))))
    new_group = np.diff(v[order]) > max(rtol * scale, atol)
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
    t: np.ndarray, e: np.ndarray, r: np.ndarray, s: np.ndarray, w: np.ndarray | None = None
) -> tuple[float, float, float]:
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
    weight = None if w is None else np.asarray(w, dtype=float).tolist()
    n_in = ins = rem = 0
    conc: float = 0
    disc: float = 0
    tied: float = 0
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
            if weight is None:
                conc += less
                tied += upto - less
                disc += n_in - upto
            else:
                conc += weight[j] * less
                tied += weight[j] * (upto - less)
                disc += weight[j] * (n_in - upto)
    return conc, disc, tied


#: scikit-survival's tolerance for tied risks (absolute), kept so Harrell's and Uno's C are its
SKSURV_TIED_TOL = 1e-8


def harrell_c(time: Any, event: Any, risk: Any) -> float:
    """Harrell's C as scikit-survival's ``concordance_index_censored`` (risks within 1e-8 tied),
    in O(n log n) (scikit-survival compares each death with every later patient)."""
    t = np.asarray(time, dtype=float)
    conc, disc, tied = _pair_counts(
        t,
        np.asarray(event).astype(bool),
        tie_ranks(risk, rtol=0.0, atol=SKSURV_TIED_TOL),
        entry_array(None, len(t)),
    )
    total = conc + disc + tied
    return float((conc + 0.5 * tied) / total) if total else float("nan")


def uno_c(time: Any, event: Any, risk: Any, tau: float | None) -> float:
    """Uno's C (IPCW) as scikit-survival's ``concordance_index_ipcw`` with train = test, in
    O(n log n): the same weights (1 / G(t)^2 of the censoring KM, 0 from ``tau`` on), the same
    pairs. NaN where the censoring survival is 0 at a death time (scikit-survival's ValueError)."""
    from sksurv.nonparametric import CensoringDistributionEstimator
    from sksurv.util import Surv

    t = np.asarray(time, dtype=float)
    e = np.asarray(event).astype(bool)
    y = Surv.from_arrays(e, t)
    keep = np.ones(len(t), dtype=bool) if tau is None else t < tau
    try:
        cens = CensoringDistributionEstimator().fit(y)
        ipcw = np.zeros(len(t))
        ipcw[keep] = cens.predict_ipcw(y[keep])
    except ValueError:
        return float("nan")
    ranks = tie_ranks(risk, rtol=0.0, atol=SKSURV_TIED_TOL)
    conc, disc, tied = _pair_counts(t, e, ranks, entry_array(None, len(t)), np.square(ipcw))
    total = conc + disc + tied
    return float((conc + 0.5 * tied) / total) if total else float("nan")


def concordance(fit: CoxFit, tau: float | None) -> Concordance:
    """Harrell's C and Uno's C (scikit-survival's definitions) of a fit's linear predictor
    (entry ignored).

    Parameters
    ----------
    fit
        A Cox fit.
    tau
        Uno's C truncation time (None: the last follow-up time).

    Returns
    -------
    Concordance
        Uno's C is NaN where it cannot be computed (e.g. censoring survival of 0).
    """
    risk = fit.linear_predictor
    return Concordance(harrell_c(fit.time, fit.event, risk), uno_c(fit.time, fit.event, risk, tau))
