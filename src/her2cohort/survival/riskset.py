"""Sums over risk sets {j: entry_j < u <= time_j} at many times at once, in O(n log n).

Every subject enters before their last follow-up (entry < time), so the risk set at u is
{time >= u} minus {entry >= u}: two suffix sums over the subjects sorted by time and by entry,
read at ``searchsorted`` positions. This replaces a pass over all subjects per death time
(O(deaths x n)), which does not scale to GENIE-size cohorts.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from her2cohort.survival.km import entry_array


def _suffix_at(keys: np.ndarray, values: np.ndarray, at: np.ndarray) -> np.ndarray:
    """sum of values[j] over keys[j] >= u, for every u in ``at``."""
    order = np.argsort(keys, kind="stable")
    v = values[order]
    tail = np.cumsum(v[::-1], axis=0)[::-1]
    tail = np.concatenate([tail, np.zeros((1, *v.shape[1:]), dtype=v.dtype)])
    return np.asarray(tail[np.searchsorted(keys[order], at, "left")])


def risk_set_sums(time: Any, entry: Any, at: Any, values: Any) -> np.ndarray:
    """For each u in ``at``: the sum of ``values`` (first axis: subjects) over the risk set
    {entry < u <= time}. Integer values give exact counts.

    Parameters
    ----------
    time, entry
        Follow-up and entry times (entry None: everyone at risk from -inf); entry < time.
    at
        The times u.
    values
        One value (or array) per subject.
    """
    t = np.asarray(time, dtype=float)
    s = entry_array(entry, len(t))
    u = np.asarray(at, dtype=float)
    v = np.asarray(values)
    return np.asarray(_suffix_at(t, v, u) - _suffix_at(s, v, u))


def death_groups(time: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct death times, the number of deaths at each, and the deaths' indices sorted by
    time (stable), so that ``np.add.reduceat(x[order], starts)`` sums per death time."""
    deaths = np.flatnonzero(np.asarray(event).astype(bool))
    deaths = deaths[np.argsort(time[deaths], kind="stable")]
    times, counts = np.unique(time[deaths], return_counts=True)
    return times, counts, deaths
