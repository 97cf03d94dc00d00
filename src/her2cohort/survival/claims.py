"""Claims: configured statements about survival, each judged supported / contradicted /
inconclusive by an explicit rule; here the rules themselves (the verdicts of given estimates and
their wording). :mod:`.claim_rows` picks the estimates from an analysis' tables.

Rule kinds (``survival.claims.<id>.rule`` of a cohort file; ``alpha``, ``equivalence``,
``rmst_equivalence`` and ``direction`` default in the schema):

* ``difference``: "A differs from B" -- a Cox term's Wald test, with an equivalence margin on the
  HR; ``direction: worse`` (or ``better``) reads it one way: supported only if the term's group
  does worse (HR > 1) with p < alpha, contradicted also if it does significantly better. The test
  stays two-sided (a one-sided test at level alpha / 2).
* ``no_added_value``: "X adds nothing" -- a likelihood-ratio test of nested models, with the term's
  CI against the margin (absence of evidence is not evidence of absence);
* ``worst_group``: "G has the worst OS" -- G's HR against every other group.

When the claim's model fails the PH test (cox.zph GLOBAL p < ``ph_alpha`` in the claim's
truncation) its HR averages hazard ratios that change over follow-up, and a ``difference`` on a
group term or a ``worst_group`` claim is decided on the restricted mean survival time up to the
claim's ``tau`` instead: the RMST difference (group - reference, months; a shorter RMST is worse)
with the same p < alpha rule and the margin ``rmst_equivalence``; ``worst_group``: supported if G's
RMST is shorter than every other group's with p < alpha for each difference, contradicted if some
group's RMST is significantly shorter than G's, otherwise inconclusive (the same rule as on HRs).
``no_added_value`` stays on the LR test (the reason says that PH fails).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from her2cohort.errors import DataError
from her2cohort.survival.rmst import Rmst, rmst_difference

#: the columns of the ``claims`` table
CLAIM_COLUMNS = [
    "claim_id", "claim", "analysis", "model", "truncation", "role", "primary", "estimate_of",
    "estimate", "ci_low", "ci_high", "p", "n", "events", "test", "ph_global_p", "verdict", "reason",
    "rule", "caveat",
]  # fmt: skip
#: the directions a ``difference`` claim can read its test in
DIRECTIONS = ("two-sided", "worse", "better")


class Verdict(NamedTuple):
    """A claim's verdict (supported / contradicted / inconclusive) and why."""

    verdict: str
    reason: str


class WorstGroupVerdict(NamedTuple):
    """A ``worst_group`` verdict, why, and the row it reports (vs the reference level when given,
    else the deciding contrast)."""

    verdict: str
    reason: str
    row: pd.Series


def _within(lo: float, hi: float, margin: Sequence[float]) -> bool:
    return bool(margin[0] <= lo and hi <= margin[1])


def _margin(margin: Sequence[float], unit: str = "") -> str:
    return f"{margin[0]:g} to {margin[1]:g}{unit}" if unit else f"{margin[0]:g}-{margin[1]:g}"


class Effect(NamedTuple):
    """How an estimate reads: its name, the value of no effect, whether above it is worse."""

    name: str
    null: float
    worse_above: bool
    unit: str = ""


HR = Effect("HR", 1.0, True)
RMST = Effect("RMST difference", 0.0, False, " months")


def verdict_effect(
    est: float,
    lo: float,
    hi: float,
    p: float,
    alpha: float,
    margin: Sequence[float],
    direction: str = "two-sided",
    effect: Effect = HR,
) -> Verdict:
    """'A differs from B' (with a direction: 'A does worse / better than B') on one estimate.

    Supported if p < alpha (and, with a direction, the estimate is on the claimed side); contradicted
    if the CI lies inside the equivalence margin, or (with a direction) if the estimate is
    significantly on the other side; otherwise inconclusive.
    """
    if direction not in DIRECTIONS:
        raise DataError(
            f"claim direction must be one of {', '.join(DIRECTIONS)}, not {direction!r}"
        )
    if effect.unit:
        rng = f"{lo:+.1f} to {hi:+.1f}{effect.unit}"
        shown = f"{effect.name} {est:+.1f} ({rng})"
    else:
        rng = f"{lo:.2f}-{hi:.2f}"
        shown = f"{effect.name} {est:.2f} ({rng})"
    worse = (est > effect.null) == effect.worse_above
    if p < alpha and (direction == "two-sided" or worse == (direction == "worse")):
        return Verdict("supported", f"p = {p:.3g} < {alpha:g}; {shown}")
    if p < alpha:
        side = "worse" if worse else "better"
        return Verdict(
            "contradicted", f"significantly {side}, not {direction} (p = {p:.3g}); {shown}"
        )
    if _within(lo, hi, margin):
        return Verdict(
            "contradicted",
            f"95% CI {rng} inside the equivalence margin {_margin(margin, effect.unit)}",
        )
    return Verdict(
        "inconclusive",
        f"p = {p:.3g} >= {alpha:g} but CI {rng} not inside {_margin(margin, effect.unit)}",
    )


def verdict_difference(
    hr: float,
    lo: float,
    hi: float,
    p: float,
    alpha: float,
    margin: Sequence[float],
    direction: str = "two-sided",
) -> Verdict:
    """'A differs from B' on a Cox term's HR (:func:`verdict_effect`; worse: HR > 1)."""
    return verdict_effect(hr, lo, hi, p, alpha, margin, direction, HR)


def verdict_rmst_difference(
    diff: float,
    lo: float,
    hi: float,
    p: float,
    alpha: float,
    margin: Sequence[float],
    direction: str = "two-sided",
) -> Verdict:
    """'A differs from B' on the RMST difference A - B (:func:`verdict_effect`; months, margin in
    months; worse: a shorter RMST, a negative difference)."""
    return verdict_effect(diff, lo, hi, p, alpha, margin, direction, RMST)


def verdict_no_added_value(
    lr_p: float, lo: float, hi: float, alpha: float, margin: Sequence[float]
) -> Verdict:
    """'X adds nothing': contradicted if the LR test rejects; supported if not and the CI is
    inside the margin; otherwise inconclusive (absence of evidence)."""
    if lr_p < alpha:
        return Verdict("contradicted", f"likelihood-ratio p = {lr_p:.3g} < {alpha:g}")
    if _within(lo, hi, margin):
        return Verdict(
            "supported", f"LR p = {lr_p:.3g} and 95% CI {lo:.2f}-{hi:.2f} inside {_margin(margin)}"
        )
    return Verdict(
        "inconclusive",
        f"LR p = {lr_p:.3g} >= {alpha:g} but CI {lo:.2f}-{hi:.2f} not "
        f"inside {_margin(margin)} (absence of evidence)",
    )


def _reported(c: pd.DataFrame, reference: str | None, fallback: pd.Series) -> pd.Series:
    """The contrast row vs the reference level (the prespecified comparator), else ``fallback``."""
    ref = c[c["versus"] == reference] if reference is not None else c.iloc[:0]
    return ref.iloc[0] if len(ref) else fallback


def verdict_worst_group(
    contrasts: pd.DataFrame, group: str, alpha: float, reference: str | None = None
) -> WorstGroupVerdict:
    """'group has the worst OS', on hazard ratios.

    Supported if its HR vs every other group is > 1 with p < alpha; contradicted if some group is
    significantly worse (HR of group vs it < 1, p < alpha); else inconclusive.

    Parameters
    ----------
    contrasts
        ``contrasts`` rows of one model and truncation (every pair of groups).
    group, alpha
        The group claimed worst and the significance level.
    reference
        The analysis' reference level (the first of ``levels``): the contrast reported. None
        reports the deciding one (the significantly worse group's, else the closest competitor's).

    Returns
    -------
    WorstGroupVerdict
        The verdict, why (naming the deciding comparator; "point estimate opposite" when the HR vs
        the reference is below 1) and the reported contrast row.
    """
    c = contrasts[contrasts["group"] == group]
    if c.empty:
        raise DataError(f"claim: group {group} has no contrasts")
    worse = c[(c["hr"] < 1) & (c["p"] < alpha)]
    if len(worse):
        row = worse.sort_values("hr").iloc[0]
        why = f"{row['versus']} has significantly worse OS than {group} (p = {row['p']:.3g})"
        return WorstGroupVerdict("contradicted", why, _reported(c, reference, row))
    weakest = c.sort_values(["hr"]).iloc[0]  # the closest competitor
    shown = _reported(c, reference, weakest)
    if ((c["hr"] > 1) & (c["p"] < alpha)).all():
        why = f"HR > 1 with p < {alpha:g} against every other group"
        return WorstGroupVerdict("supported", why, shown)
    parts = []
    if reference is not None and shown["hr"] < 1:
        parts.append(f"point estimate opposite (HR {shown['hr']:.2f} vs {reference})")
    if (c["hr"] > 1).all():
        parts.append(
            f"highest point estimate, but not significantly worse than {weakest['versus']} "
            f"(p = {weakest['p']:.3g})"
        )
    else:
        parts.append(
            f"not the highest point estimate: {weakest['versus']} has HR "
            f"{1 / weakest['hr']:.2f} vs {group} (p = {weakest['p']:.3g})"
        )
    return WorstGroupVerdict("inconclusive", "; ".join(parts), shown)


def rmst_pairs(rmst: pd.DataFrame, group: str) -> pd.DataFrame:
    """RMST differences of ``group`` minus every other group (independent groups, normal CI and
    p, :func:`~her2cohort.survival.rmst.rmst_difference`) from one horizon's ``rmst`` rows; the
    ``contrasts`` layout (group, versus, difference, ci_low, ci_high, p). A group without a death
    before the horizon has no standard error: its differences get no CI and no p (never
    significant)."""
    est = rmst.set_index("group")
    if group not in est.index:
        raise DataError(f"claim: group {group} has no RMST")
    own = Rmst(float(est.loc[group, "rmst"]), float(est.loc[group, "se"]))
    rows = []
    for other in (g for g in est.index if g != group):
        theirs = Rmst(float(est.loc[other, "rmst"]), float(est.loc[other, "se"]))
        diff = rmst_difference(own, theirs)
        if not (own.se > 0 and theirs.se > 0):  # no death before tau: no standard error
            diff |= {"ci_low": np.nan, "ci_high": np.nan, "p": np.nan}
        rows.append({"group": group, "versus": other, **diff})
    return pd.DataFrame(rows, columns=["group", "versus", "difference", "ci_low", "ci_high", "p"])


def verdict_worst_group_rmst(
    rmst: pd.DataFrame, group: str, alpha: float, reference: str | None = None
) -> WorstGroupVerdict:
    """'group has the worst OS', on RMST to one horizon (shorter is worse).

    Supported if ``group``'s RMST is shorter than every other group's with p < alpha for each
    difference; contradicted if some group's RMST is significantly shorter than ``group``'s;
    otherwise inconclusive. A group whose RMST is not estimable (NaN) makes it inconclusive.

    Parameters
    ----------
    rmst
        The ``rmst`` rows of one truncation and horizon (one per group: rmst, se).
    group, alpha, reference
        As :func:`verdict_worst_group`.

    Returns
    -------
    WorstGroupVerdict
        With the reported difference row (vs the reference, else the deciding comparator).
    """
    d = rmst_pairs(rmst, group)
    fallback = d.sort_values("difference", ascending=False).iloc[0] if len(d) else None
    if fallback is None or d["difference"].isna().any():
        row = fallback if fallback is not None else pd.Series(dtype=object)
        return WorstGroupVerdict("not testable", "an RMST is not estimable at this horizon", row)
    better = d[(d["difference"] > 0) & (d["p"] < alpha)]
    if len(better):
        row = better.sort_values("difference").iloc[-1]
        why = f"{row['versus']} has a significantly shorter RMST than {group} (p = {row['p']:.3g})"
        return WorstGroupVerdict("contradicted", why, _reported(d, reference, row))
    shown = _reported(d, reference, fallback)
    if ((d["difference"] < 0) & (d["p"] < alpha)).all():
        why = f"shorter RMST with p < {alpha:g} than every other group"
        return WorstGroupVerdict("supported", why, shown)
    parts = []
    if reference is not None and shown["difference"] > 0:
        parts.append(f"point estimate opposite ({shown['difference']:+.1f} months vs {reference})")
    if (d["difference"] < 0).all():
        parts.append(
            f"shortest RMST, but not significantly shorter than {fallback['versus']} "
            f"(p = {fallback['p']:.3g})"
        )
    else:
        parts.append(
            f"not the shortest RMST: {fallback['versus']}'s is {fallback['difference']:.1f} months "
            f"shorter (p = {fallback['p']:.3g})"
        )
    return WorstGroupVerdict("inconclusive", "; ".join(parts), shown)


def rule_text(
    rule: Mapping[str, Any], tau: float | None = None, ph_alpha: float | None = None
) -> str:
    """The decision rule of a (validated) claim rule, in words; with ``tau`` and ``ph_alpha`` also
    the RMST rule used when the model fails the PH test."""
    kind = rule["kind"]
    alpha, margin = rule["alpha"], _margin(rule["equivalence"])
    direction = rule.get("direction", "two-sided")
    rmst_margin = _margin(rule.get("rmst_equivalence", [-6, 6]), " months")
    fallback = (
        f"; if the model fails the PH test (cox.zph global p < {ph_alpha:g}) "
        if tau is not None and ph_alpha is not None
        else ""
    )
    if kind == "difference":
        side = {"two-sided": "", "worse": " and HR > 1", "better": " and HR < 1"}[direction]
        text = (
            f"supported if Wald p < {alpha:g}{side} for {rule['term']}; contradicted if its 95% "
            f"CI lies within {margin}"
            + ("" if direction == "two-sided" else " or the HR is significantly on the other side")
            + "; otherwise inconclusive"
        )
        if fallback and rule["term"].startswith("group:"):
            rside = {"two-sided": "", "worse": " (shorter)", "better": " (longer)"}[direction]
            text += (
                f"{fallback}the same on the RMST difference{rside} to {tau:g} months, margin "
                f"{rmst_margin}"
            )
        return text
    if kind == "no_added_value":
        return (
            f"contradicted if the LR test for adding {rule['term'].split(':')[0]} has "
            f"p < {alpha:g}; supported if not and the 95% CI of {rule['term']} lies within "
            f"{margin}; otherwise inconclusive (on the LR test whether or not PH holds)"
        )
    if kind == "worst_group":
        text = (
            f"supported if {rule['group']} has HR > 1 with p < {alpha:g} against every other "
            f"group; contradicted if any group is significantly worse; otherwise inconclusive; "
            f"reported against the reference level"
        )
        if fallback:
            text += (
                f"{fallback}on RMST to {tau:g} months: supported if {rule['group']}'s is shorter "
                f"than every other group's with p < {alpha:g}, contradicted if any group's is "
                f"significantly shorter"
            )
        return text
    raise DataError(f"unknown claim rule kind {kind!r}")


def is_number(x: Any) -> bool:
    """Whether ``x`` is a finite number."""
    try:
        return bool(np.isfinite(float(x)))
    except (TypeError, ValueError):
        return False
