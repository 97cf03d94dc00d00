"""Verdict rules on numbers: supported / contradicted / inconclusive, each with its reason."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np


class Verdict(NamedTuple):
    """A claim's verdict (supported / contradicted / inconclusive) and why."""

    verdict: str
    reason: str


def _f(x: float) -> str:
    return f"{x:.2f}" if np.isfinite(x) else "NA"


def direction(
    est: float, lo: float, hi: float, p: float, alpha: float, way: str, margin: Sequence[float]
) -> Verdict:
    """'Enriched in HER2-low' (``higher``: OR > 1) or 'associated with HER2-0' (``lower``)."""
    if not np.isfinite(est) or not np.isfinite(p):
        return Verdict("inconclusive", "no estimate (a zero margin in the 2 x 2 table)")
    right = est > 1 if way == "higher" else est < 1
    ci = f"OR {_f(est)} ({_f(lo)}-{_f(hi)}), p = {p:.3g}"
    if p < alpha and right:
        return Verdict("supported", f"{ci} < {alpha:g} in the claimed direction")
    if p < alpha:
        return Verdict("contradicted", f"{ci} < {alpha:g} in the opposite direction")
    if margin[0] <= lo and hi <= margin[1]:
        return Verdict("contradicted", f"{ci}: 95% CI inside {margin[0]:g}-{margin[1]:g}")
    side = "in" if right else "opposite to"
    return Verdict(
        "inconclusive", f"{ci} >= {alpha:g}; point estimate {side} the claimed direction"
    )


def similar(
    est: float, lo: float, hi: float, p: float, alpha: float, margin: Sequence[float]
) -> Verdict:
    """'Similar in HER2-low and HER2-0': the CI inside the equivalence margin."""
    if not np.isfinite(est) or not np.isfinite(p):
        return Verdict("inconclusive", "no estimate (a zero margin in the 2 x 2 table)")
    ci = f"OR {_f(est)} ({_f(lo)}-{_f(hi)}), p = {p:.3g}"
    if p < alpha:
        return Verdict("contradicted", f"{ci} < {alpha:g}: the groups differ")
    if margin[0] <= lo and hi <= margin[1]:
        return Verdict("supported", f"{ci}: 95% CI inside {margin[0]:g}-{margin[1]:g}")
    return Verdict(
        "inconclusive",
        f"{ci}: no difference shown, but the CI is wider than {margin[0]:g}-{margin[1]:g}",
    )


def in_range(est: float, lo: float, hi: float, rng: Sequence[float]) -> Verdict:
    """A proportion claimed to lie in ``rng`` (fractions)."""
    text = f"{100 * est:.1f}% (95% CI {100 * lo:.1f}-{100 * hi:.1f}%)"
    claimed = f"{100 * rng[0]:g}-{100 * rng[1]:g}%"
    if rng[0] <= est <= rng[1]:
        return Verdict("supported", f"{text} within the claimed {claimed}")
    if hi < rng[0] or lo > rng[1]:
        return Verdict("contradicted", f"{text}: the CI lies outside the claimed {claimed}")
    return Verdict("inconclusive", f"{text}: outside {claimed} but the CI reaches it")


def majority(n_sig_higher: int, n_point_higher: int, n: int, alpha: float) -> Verdict:
    """'In most cases higher': more than half of the rows significantly above the baseline."""
    text = (
        f"{n_sig_higher} of {n} rows above the unaltered baseline at q < {alpha:g} "
        f"({n_point_higher} with OR > 1)"
    )
    if n == 0:
        return Verdict("inconclusive", "no row could be computed")
    if n_sig_higher > n / 2:
        return Verdict("supported", text)
    if n_point_higher <= n / 2:
        return Verdict("contradicted", text + ": at most half even point above")
    return Verdict("inconclusive", text)
