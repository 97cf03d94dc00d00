"""Claims: configured statements about survival, each judged supported / contradicted /
inconclusive by an explicit rule on the analyses' tables.

Rule kinds (``survival.claims.<id>.rule`` of a cohort file; ``alpha`` and ``equivalence`` default
in the schema):

* ``difference``: "A differs from B" -- a Cox term's Wald test, with an equivalence margin;
* ``no_added_value``: "X adds nothing" -- a likelihood-ratio test of nested models, with the term's
  CI against the margin (absence of evidence is not evidence of absence);
* ``worst_group``: "G has the worst OS" -- G's HR against every other group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import pandas as pd

from her2cohort.errors import DataError

#: the columns of the ``claims`` table
CLAIM_COLUMNS = [
    "claim_id", "claim", "analysis", "model", "truncation", "primary", "estimate_of", "estimate",
    "ci_low", "ci_high", "p", "test", "verdict", "reason", "rule",
]  # fmt: skip


class Verdict(NamedTuple):
    """A claim's verdict (supported / contradicted / inconclusive) and why."""

    verdict: str
    reason: str


class WorstGroupVerdict(NamedTuple):
    """A ``worst_group`` verdict, why, and the contrast row it rests on."""

    verdict: str
    reason: str
    row: pd.Series


def _within(lo: float, hi: float, margin: Sequence[float]) -> bool:
    return bool(margin[0] <= lo and hi <= margin[1])


def _margin(margin: Sequence[float]) -> str:
    return f"{margin[0]:g}-{margin[1]:g}"


def verdict_difference(
    hr: float, lo: float, hi: float, p: float, alpha: float, margin: Sequence[float]
) -> Verdict:
    """'A differs from B': supported if p < alpha; contradicted if the CI lies inside the
    equivalence margin; otherwise inconclusive."""
    if p < alpha:
        return Verdict("supported", f"p = {p:.3g} < {alpha:g}; HR {hr:.2f} ({lo:.2f}-{hi:.2f})")
    if _within(lo, hi, margin):
        return Verdict(
            "contradicted",
            f"95% CI {lo:.2f}-{hi:.2f} inside the equivalence margin {_margin(margin)}",
        )
    return Verdict(
        "inconclusive",
        f"p = {p:.3g} >= {alpha:g} but CI {lo:.2f}-{hi:.2f} not inside {_margin(margin)}",
    )


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


def verdict_worst_group(contrasts: pd.DataFrame, group: str, alpha: float) -> WorstGroupVerdict:
    """'group has the worst OS'.

    Supported if its HR vs every other group is > 1 with p < alpha; contradicted if some group is
    significantly worse (HR of group vs it < 1, p < alpha); else inconclusive.

    Parameters
    ----------
    contrasts
        ``contrasts`` rows of one model and truncation.
    group, alpha
        The group claimed worst and the significance level.

    Returns
    -------
    WorstGroupVerdict
        With the deciding contrast row: the significantly worse group's, else the closest
        competitor's.
    """
    c = contrasts[contrasts["group"] == group]
    if c.empty:
        raise DataError(f"claim: group {group} has no contrasts")
    worse = c[(c["hr"] < 1) & (c["p"] < alpha)]
    if len(worse):
        row = worse.sort_values("hr").iloc[0]
        why = f"{row['versus']} has significantly worse OS than {group} (p = {row['p']:.3g})"
        return WorstGroupVerdict("contradicted", why, row)
    weakest = c.sort_values(["hr"]).iloc[0]  # the closest competitor
    if ((c["hr"] > 1) & (c["p"] < alpha)).all():
        why = f"HR > 1 with p < {alpha:g} against every other group"
        return WorstGroupVerdict("supported", why, weakest)
    if (c["hr"] > 1).all():
        why = (
            f"highest point estimate, but not significantly worse than {weakest['versus']} "
            f"(p = {weakest['p']:.3g})"
        )
    else:
        why = (
            f"not the highest point estimate: {weakest['versus']} has HR "
            f"{1 / weakest['hr']:.2f} vs {group} (p = {weakest['p']:.3g})"
        )
    return WorstGroupVerdict("inconclusive", why, weakest)


def rule_text(rule: Mapping[str, Any]) -> str:
    """The decision rule of a (validated) claim rule, in words."""
    kind = rule["kind"]
    alpha, margin = rule["alpha"], _margin(rule["equivalence"])
    if kind == "difference":
        return (
            f"supported if Wald p < {alpha:g} for {rule['term']}; contradicted if its 95% CI "
            f"lies within {margin}; otherwise inconclusive"
        )
    if kind == "no_added_value":
        return (
            f"contradicted if the LR test for adding {rule['term'].split(':')[0]} has "
            f"p < {alpha:g}; supported if not and the 95% CI of {rule['term']} lies within "
            f"{margin}; otherwise inconclusive"
        )
    if kind == "worst_group":
        return (
            f"supported if {rule['group']} has HR > 1 with p < {alpha:g} against every other "
            f"group; contradicted if any group is significantly worse; otherwise inconclusive"
        )
    raise DataError(f"unknown claim rule kind {kind!r}")


def _judge(
    claim_id: str, rule: Mapping[str, Any], model: str, trunc: str, t: Mapping[str, pd.DataFrame]
) -> dict[str, Any]:
    """The estimate, test and verdict columns of one claim row."""
    kind = rule["kind"]
    alpha = float(rule["alpha"])
    margin = [float(x) for x in rule["equivalence"]]
    if kind == "worst_group":
        con = t["contrasts"]
        con = con[(con["model"] == model) & (con["truncation"] == trunc)]
        verdict, why, row = verdict_worst_group(con, rule["group"], alpha)
        return {
            "estimate_of": f"HR {row['group']} vs {row['versus']}",
            "estimate": row["hr"],
            "ci_low": row["ci_low"],
            "ci_high": row["ci_high"],
            "p": row["p"],
            "test": "Wald (contrast)",
            "verdict": verdict,
            "reason": why,
        }
    if kind not in ("difference", "no_added_value"):
        raise DataError(f"claim {claim_id}: unknown rule kind {kind!r}")
    cox = t["cox"]
    r = cox[(cox["model"] == model) & (cox["truncation"] == trunc) & (cox["term"] == rule["term"])]
    if r.empty:
        raise DataError(f"claim {claim_id}: no {rule['term']} in model {model} ({trunc})")
    r = r.iloc[0]
    out = {
        "estimate_of": f"HR {rule['term']}",
        "estimate": r["hr"],
        "ci_low": r["ci_low"],
        "ci_high": r["ci_high"],
    }
    if kind == "difference":
        verdict, why = verdict_difference(r["hr"], r["ci_low"], r["ci_high"], r["p"], alpha, margin)
        return {**out, "p": r["p"], "test": "Wald", "verdict": verdict, "reason": why}
    red, full = rule["comparison"]
    lrt = t["lrt"]
    lr = lrt[(lrt["reduced"] == red) & (lrt["full"] == full) & (lrt["truncation"] == trunc)]
    if lr.empty:
        raise DataError(f"claim {claim_id}: no LR test {red} vs {full} configured")
    lr_p = float(lr["p"].iloc[0])
    verdict, why = verdict_no_added_value(lr_p, r["ci_low"], r["ci_high"], alpha, margin)
    return {
        **out,
        "p": lr_p,
        "test": f"likelihood ratio ({red} vs {full})",
        "verdict": verdict,
        "reason": why,
    }


def evaluate_claim(
    claim_id: str,
    claim: Mapping[str, Any],
    tables: Mapping[str, Mapping[str, pd.DataFrame]],
    truncations: Sequence[str],
) -> list[dict[str, Any]]:
    """Claim rows (one per available truncation; ``primary`` marks the configured one).

    Parameters
    ----------
    claim_id, claim
        The claim's id and its validated configuration (``rule`` with its defaults filled).
    tables
        ``tables[analysis]`` holds that analysis' ``cox``, ``contrasts``, ``lrt`` and ``models``
        tables (a model noted "not fitted" gives the verdict "not testable" with that reason).
    truncations
        The cohort's fits; the primary one is the claim's ``truncation``, else ``left`` if made.

    Returns
    -------
    list of dict
        Rows of the ``claims`` table (:data:`CLAIM_COLUMNS`).
    """
    rule = claim["rule"]
    analysis, model = claim["analysis"], claim["model"]
    if analysis not in tables:
        raise DataError(f"claim {claim_id}: analysis {analysis} is not configured")
    primary = claim.get("truncation", "left" if "left" in truncations else "none")
    rows = []
    for trunc in truncations:
        base = {
            "claim_id": claim_id,
            "claim": claim["claim"],
            "analysis": analysis,
            "model": model,
            "truncation": trunc,
            "primary": trunc == primary,
            "rule": rule_text(rule),
        }
        unfitted = _not_fitted(tables[analysis].get("models"), model, trunc)
        if unfitted:
            rows.append({**base, "verdict": "not testable", "reason": unfitted})
            continue
        rows.append({**base, **_judge(claim_id, rule, model, trunc, tables[analysis])})
    return rows


def _not_fitted(models: pd.DataFrame | None, model: str, truncation: str) -> str:
    """The reason a model was not fitted ('' if it was, or if the models table is not given)."""
    if models is None or not len(models):
        return ""
    row = models[(models["model"] == model) & (models["truncation"] == truncation)]
    notes = str(row["notes"].iloc[0]) if len(row) and pd.notna(row["notes"].iloc[0]) else ""
    return notes if notes.startswith("not fitted") else ""


def claims_table(
    claims_cfg: Mapping[str, Any] | None,
    tables: Mapping[str, Mapping[str, pd.DataFrame]],
    truncations: Sequence[str],
) -> pd.DataFrame:
    """Every configured claim's rows (:func:`evaluate_claim`) as the ``claims`` table."""
    rows: list[dict[str, Any]] = []
    for cid, claim in (claims_cfg or {}).items():
        rows += evaluate_claim(cid, claim, tables, truncations)
    return pd.DataFrame(rows, columns=CLAIM_COLUMNS)


def claim_analyses(claims_cfg: Mapping[str, Any] | None) -> list[str]:
    """The analyses the configured claims rest on (sorted)."""
    return sorted({c["analysis"] for c in (claims_cfg or {}).values()})
