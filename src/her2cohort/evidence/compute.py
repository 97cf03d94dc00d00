"""The quantity of each claim kind, computed from one cohort's results, with its verdict:
proportions and survival here, frequencies in :mod:`her2cohort.evidence.frequencies`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from her2cohort.contingency import wilson
from her2cohort.evidence import verdicts
from her2cohort.evidence.base import (
    EVIDENCE_COLUMNS,
    CohortInputs,
    evidence_row,
    not_testable,
    role_of,
    scenario_text,
)
from her2cohort.evidence.frequencies import (
    alteration_by_her2,
    heterogeneity,
    mask,
    share_vs_baseline,
)
from her2cohort.evidence.registry import Claim, rule_text

__all__ = ["EVIDENCE_COLUMNS", "CohortInputs", "evaluate_cohort", "evaluate_published"]


def proportion(claim: Claim, inp: CohortInputs) -> list[dict[str, Any]]:
    """Claims 6 and 8: a proportion with its Wilson CI against a claimed range."""
    rng, min_n = claim.rule["range"], claim.spec["min_n"]
    cases: list[tuple[str, str, int, int, str]] = []  # role, scenario, k, n, detail
    if claim.spec["of"] == "switching":
        sw = inp.switching
        if sw.empty:
            return not_testable(claim, inp.cohort, "no primary / metastatic sample pairs")
        for r in sw.itertuples(index=False):
            k, n = int(r.n_zero_to_low) + int(r.n_low_to_zero), int(r.n_zero_or_low_both)
            detail = f"{r.n_zero_to_low} HER2-0 -> low, {r.n_low_to_zero} low -> 0 of {n} pairs"
            cases.append(
                (
                    role_of(inp, r.rule, r.zero_one_plus),
                    scenario_text(r.rule, r.zero_one_plus),
                    k,
                    n,
                    detail,
                )
            )
        quantity = "share of primary/metastatic pairs switching between HER2-0 and HER2-low"
    else:
        units = _units(inp, claim.spec["unit"])
        among, why = mask(inp, claim.spec["among"], units)
        if among is None:
            return not_testable(claim, inp.cohort, why)
        count, why = mask(inp, claim.spec["count"], units)
        if count is None:
            return not_testable(claim, inp.cohort, why)
        field_ = next(iter(claim.spec["count"]))
        known = (
            inp.clinical[field_].reindex(units).notna().to_numpy(bool)
            if field_ in inp.clinical
            else among
        )
        n, k = int((among & known).sum()), int((among & count).sum())
        cases.append(("primary", f"default rule set {inp.default_rule}", k, n, f"{k} of {n}"))
        quantity = f"share {_desc(claim.spec['count'])} among {_desc(claim.spec['among'])}"
    out = []
    for role, scenario, k, n, detail in cases:
        if n < min_n:
            out.append(evidence_row(claim, inp.cohort, role=role, scenario=scenario, quantity=quantity, n=n,
                            detail=detail, verdict="not testable",
                            reason=f"not testable here: {n} < {min_n} (too few to estimate)"))  # fmt: skip
            continue
        lo, hi = wilson(k, n)
        v = verdicts.in_range(k / n, lo, hi, rng)
        out.append(evidence_row(claim, inp.cohort, role=role, scenario=scenario, quantity=quantity, estimate=k / n,
                        ci_low=lo, ci_high=hi, n=n, detail=detail, verdict=v.verdict, reason=v.reason))  # fmt: skip
    return out


def _desc(flt: Mapping[str, list[str]]) -> str:
    return "; ".join(f"{a} {'/'.join(b)}" for a, b in flt.items())


def _units(inp: CohortInputs, unit: str) -> pd.Index:
    """Samples, or one sample per patient (the latest sequenced, as the enrichment stage)."""
    from her2cohort.enrichment import select_unit

    frame = pd.DataFrame(
        {"sample_id": inp.clinical.index, "patient_id": inp.clinical["patient_id"].to_numpy()}
    )
    timing = inp.clinical["sequencing_time"] if "sequencing_time" in inp.clinical else None
    return pd.Index(select_unit(frame, unit, timing)["sample_id"])


def survival(claim: Claim, inp: CohortInputs) -> list[dict[str, Any]]:
    """Claims 8-9: the cohort's survival claim rows (primary fit, naive contrast, sensitivity)."""
    sc = inp.survival_claims
    sid = claim.spec["survival_claim"]
    rows = sc[sc["claim_id"] == sid] if sc is not None and len(sc) else pd.DataFrame()
    if rows.empty:
        return not_testable(
            claim,
            inp.cohort,
            f"no analysis configured for it (needs {claim.spec.get('needs', 'a survival analysis')})",
        )
    out = []
    for r in rows.to_dict("records"):
        role = r.get("role")
        if not isinstance(role, str) or not role:
            role = "primary" if str(r.get("primary")).lower() == "true" else "naive contrast"
        verdict = r.get("verdict")
        scenario = f"{r.get('analysis', '')}, model {r.get('model', '')}, truncation {r.get('truncation', '')}"
        out.append(
            evidence_row(claim, inp.cohort, role=role, scenario=scenario, quantity=r.get("estimate_of", ""),
                 estimate=r.get("estimate"), ci_low=r.get("ci_low"), ci_high=r.get("ci_high"), p=r.get("p"),
                 n=r.get("n", np.nan), verdict=verdict if isinstance(verdict, str) else "",
                 reason=r.get("reason", ""), rule=r.get("rule", rule_text(claim)))
        )  # fmt: skip
    return out


KINDS: dict[str, Callable[[Claim, CohortInputs], list[dict[str, Any]]]] = {
    "share_vs_baseline": share_vs_baseline,
    "alteration_by_her2": alteration_by_her2,
    "proportion": proportion,
    "survival": survival,
    "heterogeneity": heterogeneity,
}


def evaluate_cohort(claims: list[Claim], inp: CohortInputs) -> pd.DataFrame:
    """Every claim on one cohort (the published-table arithmetic is not a cohort's: skipped)."""
    rows: list[dict[str, Any]] = []
    for claim in claims:
        if claim.kind in KINDS:
            rows += KINDS[claim.kind](claim, inp)
    return pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)


def evaluate_published(claims: list[Claim], published: pd.DataFrame) -> pd.DataFrame:
    """The ``printed_arithmetic`` claims on the published table itself (cohort '(published table)')."""
    rows: list[dict[str, Any]] = []
    for claim in (c for c in claims if c.kind == "printed_arithmetic"):
        tol = claim.rule["tolerance_pct"]
        t = published.dropna(subset=["n_her2_low", "n_evaluable", "printed_pct"])
        pct = 100 * t["n_her2_low"].astype(float) / t["n_evaluable"].astype(float)
        bad = t[(pct - t["printed_pct"].astype(float)).abs() > tol]
        words = [f"{r.alteration}: printed {r.printed_pct:g}% but {int(r.n_her2_low)}/{int(r.n_evaluable)} is "
                 f"{100 * r.n_her2_low / r.n_evaluable:.1f}%" for r in bad.itertuples()]  # fmt: skip
        verdict = "contradicted" if len(bad) else "supported"
        reason = (
            "; ".join(words) if words else f"all {len(t)} printed percentages match their counts"
        )
        rows.append(evidence_row(claim, "(published table)", quantity="printed percentages disagreeing with their counts",
                         estimate=float(len(bad)), n=len(t), detail=f"{len(t)} rows print both counts and a percentage",
                         verdict=verdict, reason=reason))  # fmt: skip
    return pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)
