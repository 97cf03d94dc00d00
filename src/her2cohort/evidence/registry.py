"""The claims registry (``config/claims.yaml``): loading, validation and each rule in words."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from her2cohort.config import load_yaml, validate
from her2cohort.errors import DataError


@dataclass(frozen=True)
class Claim:
    """One registered claim: its words, where they come from, what to compute and how to judge."""

    id: str
    quote: str
    source: str
    kind: str
    spec: dict[str, Any] = field(default_factory=dict)

    @property
    def rule(self) -> dict[str, Any]:
        rule: dict[str, Any] = self.spec.get("rule") or {}
        return rule


def load_claims(path: str | Path) -> list[Claim]:
    """The validated registry (schema defaults filled); duplicated ids are an error."""
    raw = validate(load_yaml(path), "claims", str(path))
    ids = [c["id"] for c in raw["claims"]]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise DataError(f"{path}: duplicated claim id(s) {', '.join(dup)}")
    out = []
    for c in raw["claims"]:
        kind = c["kind"]
        needs_rule = kind not in ("survival",)
        if needs_rule and "rule" not in c:
            raise DataError(f"{path}: claim {c['id']}: a {kind} claim needs a `rule`")
        if kind == "alteration_by_her2" and "alteration" not in c:
            raise DataError(f"{path}: claim {c['id']}: alteration_by_her2 needs `alteration`")
        if kind == "survival" and "survival_claim" not in c:
            raise DataError(f"{path}: claim {c['id']}: a survival claim names its `survival_claim`")
        if kind == "proportion" and c.get("of") == "share" and not ("among" in c and "count" in c):
            raise DataError(f"{path}: claim {c['id']}: a share needs `among` and `count`")
        rule = c.get("rule") or {}
        if rule.get("kind") == "direction" and "direction" not in rule:
            raise DataError(f"{path}: claim {c['id']}: a direction rule names higher or lower")
        if rule.get("kind") == "range" and "range" not in rule:
            raise DataError(f"{path}: claim {c['id']}: a range rule needs `range`")
        source = f"{c['source']['document']}, {c['source']['location']}"
        out.append(Claim(c["id"], " ".join(c["quote"].split()), source, kind, c))
    return out


def rule_text(claim: Claim) -> str:
    """The verdict rule in words, as the claims table and the report show it."""
    r = claim.rule
    kind = r.get("kind")
    alpha = r.get("alpha", 0.05)
    if claim.kind == "survival":
        return "the cohort's survival claim rule (survival/claims.tsv)"
    margin = r.get("equivalence", [0.8, 1.25])
    band = f"{margin[0]:g}-{margin[1]:g}"
    if kind == "majority":
        return (
            f"supported if more than half of the rows have HER2-low above the unaltered baseline "
            f"(OR > 1, BH q < {alpha:g}); contradicted if at most half even have OR > 1; "
            "otherwise inconclusive"
        )
    if kind == "direction":
        word = "> 1" if r["direction"] == "higher" else "< 1"
        other = "< 1" if r["direction"] == "higher" else "> 1"
        return (
            f"supported if OR {word} with p < {alpha:g}; contradicted if OR {other} with "
            f"p < {alpha:g} or the 95% CI lies inside {band}; otherwise inconclusive"
        )
    if kind == "similar":
        return (
            f"supported if the 95% CI of the OR lies inside {band}; contradicted if p < {alpha:g}; "
            "otherwise inconclusive"
        )
    if kind == "range":
        lo, hi = r["range"]
        return (
            f"supported if the estimate is within {100 * lo:g}-{100 * hi:g}%; contradicted if its "
            "95% CI lies entirely outside; otherwise inconclusive"
        )
    if kind == "arithmetic":
        return (
            f"supported if every printed percentage is within {r.get('tolerance_pct', 1.0):g} "
            "point(s) of its own counts; contradicted otherwise"
        )
    raise DataError(f"claim {claim.id}: unknown rule kind {kind!r}")
