"""The summary page in plain language: a headline per cohort, the rule x 0-1+ table of HER2-low
counts, the evidence table, and figure thumbnails -- every sentence computed from result files."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

ZERO_ONE_WORDS = {"zero": "0-1+ as HER2-0", "low": "0-1+ as HER2-low", "unknown": "0-1+ unassigned"}


def zero_one_table(categories: pd.DataFrame) -> pd.DataFrame:
    """HER2-low counts of the sequenced samples by rule set (rows) and 0-1+ assignment (columns)."""
    seq = categories[categories["tissue"] == "sequenced"]
    low = seq[seq["her2_category"] == "HER2-low"]
    table = low.groupby(["rule", "zero_one_plus"]).size().unstack(fill_value=0)
    cols = [c for c in ("zero", "low", "unknown") if c in table]
    return table[cols].reindex(sorted(set(seq["rule"])), fill_value=0)


def zero_one_sentence(table: pd.DataFrame, defaults: Mapping[str, str]) -> str:
    """How much of the difference in HER2-low between the two rule sets' defaults comes from the
    0-1+ assignment and how much from the rule (the two steps of the 2 x 2, in one order)."""
    rules = list(defaults)
    if len(rules) != 2 or table.empty or not {"zero", "low"} <= set(table.columns):
        return ""
    (r1, z1), (r2, z2) = ((r, defaults[r]) for r in rules)
    if z1 == z2:
        return ""
    a, b = int(table.at[r1, z1]), int(table.at[r2, z2])
    via = int(table.at[r1, z2])  # r1 with r2's 0-1+ assignment
    return (
        f"HER2-low is {a} under {r1} ({ZERO_ONE_WORDS[z1]}) and {b} under {r2} "
        f"({ZERO_ONE_WORDS[z2]}): of the {abs(a - b)}-sample difference, {abs(a - via)} comes from "
        f"the 0-1+ assignment ({r1} with {ZERO_ONE_WORDS[z2]}: {via}) and {abs(via - b)} from the "
        "rule set itself."
    )


def _ci(r: Any, pct: bool = False) -> str:
    if pd.isna(r.estimate):
        return ""
    k = 100.0 if pct else 1.0
    text = f"{k * r.estimate:.2f}" if not pct else f"{k * r.estimate:.1f}%"
    if pd.notna(r.ci_low) and pd.notna(r.ci_high):
        text += (
            f" ({k * r.ci_low:.2f}-{k * r.ci_high:.2f})"
            if not pct
            else f" ({k * r.ci_low:.1f}-{k * r.ci_high:.1f}%)"
        )
    return text


def evidence_rows(claims: pd.DataFrame, labels: Mapping[str, str]) -> pd.DataFrame:
    """The claims table as the report shows it: per claim and cohort its primary row (estimate,
    verdict, reason); cohorts that cannot test it in one line each."""
    out = []
    for r in claims.itertuples(index=False):
        if r.role not in ("primary",) and r.verdict != "not testable":
            continue
        pct = str(r.quantity).startswith("share")
        out.append(
            {
                "claim": r.claim,
                "cohort": labels.get(str(r.cohort), str(r.cohort)),
                "estimate (95% CI)": _ci(r, pct) if r.verdict != "not testable" else "",
                "verdict": r.verdict,
                "why": r.reason,
            }
        )
    return pd.DataFrame(out, columns=["claim", "cohort", "estimate (95% CI)", "verdict", "why"])


def verdict_counts(claims: pd.DataFrame, cohort: str) -> dict[str, int]:
    prim = claims[(claims["cohort"] == cohort) & (claims["role"] == "primary")]
    return {
        v: int((prim["verdict"] == v).sum())
        for v in ("supported", "contradicted", "inconclusive", "not testable")
    }


def headline(c: Mapping[str, Any], claims: pd.DataFrame | None) -> list[str]:
    """Three or four sentences for one cohort: what was replicated, what holds against the
    cohort's own baseline, what survival shows after left truncation, how the claims fare."""
    s = [
        f"{c['label']}: {c['n_samples']} samples of {c['n_patients']} patients "
        f"({c['study_id']}, from {c['source']})."
    ]
    if c.get("replication_total"):
        s.append(
            f"Of the {c['replication_total']} published rows, {c['replication_yes']} are reproduced "
            f"exactly{'; ' + c['replication_differs'] if c.get('replication_differs') else ''}."
        )
    else:
        s.append("The published table is not from this study, so nothing is replicated here.")
    if c["n_computed"]:
        sig = c.get("significant", [])
        s.append(
            f"Against the cohort's own baseline (unaltered tumours), {len(sig)} of {c['n_computed']} "
            f"computable alteration rows differ in their share of HER2-low at q < 0.05 under "
            f"{c['default_rule']}{': ' + ', '.join(sig) if sig else ''}."
        )
    else:
        s.append("HER2-0 and HER2-low cannot be told apart in this cohort (no IHC scores).")
    if c.get("survival_sentence"):
        s.append(c["survival_sentence"])
    if claims is not None and len(claims):
        n = verdict_counts(claims, c["name"])
        s.append(
            f"Claims of the literature: {n['supported']} supported, {n['contradicted']} contradicted, "
            f"{n['inconclusive']} inconclusive, {n['not testable']} not testable here."
        )
    return s


def thumbnail(path: str | Path, width: str = "32%") -> str:
    """A reStructuredText image of a PNG embedded as a data URI (the summary page stands alone)."""
    data = base64.b64encode(Path(path).read_bytes()).decode()
    return f".. image:: data:image/png;base64,{data}\n   :width: {width}\n"
