"""What the claims read of a cohort (:class:`CohortInputs`), the evidence row and its helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from her2cohort.evidence import verdicts
from her2cohort.evidence.registry import Claim, rule_text
from her2cohort.evidence.verdicts import Verdict

EVIDENCE_COLUMNS = [
    "claim_id", "claim", "source", "cohort", "role", "scenario", "quantity", "estimate", "ci_low",
    "ci_high", "p", "n", "detail", "verdict", "reason", "rule", "caveat",
]  # fmt: skip
EVENT_WORDS = {
    "mutation": "mutation",
    "amplification": "amplification",
    "deep_deletion": "deep deletion",
    "fusion": "fusion",
}


@dataclass
class CohortInputs:
    """What the claims read of one cohort's results (any of the optional parts may be absent)."""

    cohort: str
    label: str
    default_rule: str
    zero_one: dict[str, str]
    unit: str = "sample"
    clinical: pd.DataFrame = field(default_factory=pd.DataFrame)  # indexed by sample_id
    samples: dict[str, pd.DataFrame] = field(default_factory=dict)  # rule -> indexed by sample_id
    categories: pd.DataFrame = field(default_factory=pd.DataFrame)  # long scenarios table
    switching: pd.DataFrame = field(default_factory=pd.DataFrame)
    sensitivity: pd.DataFrame = field(default_factory=pd.DataFrame)
    published_rows: tuple[str, ...] = ()
    survival_claims: pd.DataFrame | None = None
    tables: Any = None  # StudyTables
    mutation_filter: dict[str, Any] | None = None


def evidence_row(claim: Claim, inputs_cohort: str, **values: Any) -> dict[str, Any]:
    base: dict[str, Any] = {c: np.nan for c in EVIDENCE_COLUMNS}
    base.update(
        claim_id=claim.id,
        claim=claim.quote,
        source=claim.source,
        cohort=inputs_cohort,
        rule=rule_text(claim),
        caveat=claim.spec.get("caveat", ""),
        role="primary",
        scenario="",
        detail="",
    )
    base.update(values)
    return base


def not_testable(claim: Claim, cohort: str, why: str) -> list[dict[str, Any]]:
    return [evidence_row(claim, cohort, verdict="not testable", reason=f"not testable here: {why}")]


def scenario_text(rule: str, z: str) -> str:
    return f"{rule}, IHC 0-1+ as {'HER2-' + z if z in ('zero', 'low') else z}".replace(
        "HER2-zero", "HER2-0"
    )


def role_of(inp: CohortInputs, rule: str, z: str) -> str:
    return "primary" if rule == inp.default_rule and inp.zero_one.get(rule) == z else "sensitivity"


def scenarios(inp: CohortInputs) -> list[tuple[str, str, pd.Series]]:
    """(rule, 0-1+, category per sample) of every sequenced-sample scenario, primary first."""
    seq = inp.categories[inp.categories["tissue"] == "sequenced"]
    out = []
    for (rule, z), sub in seq.groupby(["rule", "zero_one_plus"], sort=False):
        out.append((str(rule), str(z), sub.set_index("sample_id")["her2_category"]))
    return sorted(out, key=lambda s: role_of(inp, s[0], s[1]) != "primary")


def judge(claim: Claim, est: float, lo: float, hi: float, p: float) -> Verdict:
    r = claim.rule
    if r["kind"] == "direction":
        return verdicts.direction(est, lo, hi, p, r["alpha"], r["direction"], r["equivalence"])
    return verdicts.similar(est, lo, hi, p, r["alpha"], r["equivalence"])
