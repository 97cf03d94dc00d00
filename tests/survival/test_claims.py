"""Claims and their verdicts (her2cohort.survival.claims)."""

from __future__ import annotations

import pandas as pd
import pytest

from her2cohort import survival as sv
from her2cohort.errors import DataError
from survival.conftest import survival_config


def test_verdict_difference():
    assert sv.verdict_difference(1.4, 1.1, 1.8, 0.01, 0.05, [0.8, 1.25])[0] == "supported"
    assert sv.verdict_difference(1.0, 0.9, 1.1, 0.9, 0.05, [0.8, 1.25])[0] == "contradicted"
    assert sv.verdict_difference(1.03, 0.80, 1.33, 0.8, 0.05, [0.8, 1.25])[0] == "inconclusive"


def test_verdict_no_added_value():
    assert sv.verdict_no_added_value(0.0002, 1.2, 1.8, 0.05, [0.8, 1.25])[0] == "contradicted"
    assert sv.verdict_no_added_value(0.6, 0.9, 1.1, 0.05, [0.8, 1.25])[0] == "supported"
    assert sv.verdict_no_added_value(0.3, 0.7, 1.6, 0.05, [0.8, 1.25])[0] == "inconclusive"


def _contrasts(hrs: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """Contrasts of group X vs others from {other: (hr of X vs other, p)}."""
    return pd.DataFrame(
        [
            {
                "model": "m",
                "truncation": "none",
                "group": "X",
                "versus": k,
                "hr": hr,
                "ci_low": hr / 2,
                "ci_high": hr * 2,
                "p": p,
            }
            for k, (hr, p) in hrs.items()
        ]
    )


def test_verdict_worst_group():
    sup = sv.verdict_worst_group(_contrasts({"A": (2.0, 0.001), "B": (1.5, 0.01)}), "X", 0.05)
    assert sup[0] == "supported" and sup[2]["versus"] == "B"  # the closest competitor is reported
    con = sv.verdict_worst_group(_contrasts({"A": (2.0, 0.001), "B": (0.5, 0.01)}), "X", 0.05)
    assert con[0] == "contradicted" and con[2]["versus"] == "B"
    inc = sv.verdict_worst_group(_contrasts({"A": (2.0, 0.001), "B": (1.2, 0.4)}), "X", 0.05)
    assert inc[0] == "inconclusive"
    inc2 = sv.verdict_worst_group(_contrasts({"A": (2.0, 0.001), "B": (0.8, 0.4)}), "X", 0.05)
    assert inc2[0] == "inconclusive" and "not the highest" in inc2[1]


def test_verdicts_are_named():
    v = sv.verdict_difference(1.4, 1.1, 1.8, 0.01, 0.05, [0.8, 1.25])
    assert (v.verdict, v.reason) == tuple(v) and v.reason.startswith("p = 0.01 < 0.05")
    w = sv.verdict_worst_group(_contrasts({"A": (2.0, 0.001), "B": (1.5, 0.01)}), "X", 0.05)
    assert w.verdict == "supported" and w.row["versus"] == "B"


def test_claims_table_rows_per_truncation_and_primary():
    cox = pd.DataFrame(
        [
            {
                "term": "group:HER2-low",
                "hr": hr,
                "ci_low": lo,
                "ci_high": hi,
                "p": p,
                "n": 10,
                "events": 5,
                "model": "adjusted",
                "truncation": t,
            }
            for t, hr, lo, hi, p in [
                ("none", 1.36, 1.05, 1.75, 0.02),
                ("left", 1.03, 0.80, 1.33, 0.82),
            ]
        ]
    )
    claims = survival_config(
        {
            "claims": {
                "c": {
                    "claim": "HER2-low differs",
                    "analysis": "an",
                    "model": "adjusted",
                    "truncation": "left",
                    "rule": {"kind": "difference", "term": "group:HER2-low"},
                },
            }
        }
    )["claims"]
    table = sv.claims_table(claims, {"an": {"cox": cox}}, ("none", "left"))
    assert list(table.columns) == sv.CLAIM_COLUMNS
    out = table.set_index("truncation")
    assert out.loc["none", "verdict"] == "supported" and not out.loc["none", "primary"]
    assert out.loc["left", "verdict"] == "inconclusive" and out.loc["left", "primary"]
    with pytest.raises(DataError, match="not configured"):
        sv.claims_table(
            {"c": {**claims["c"], "analysis": "other"}}, {"an": {"cox": cox}}, ("none",)
        )


def test_claim_rule_defaults_come_from_the_schema():
    rule = survival_config(
        {
            "claims": {
                "c": {
                    "claim": "x",
                    "analysis": "a",
                    "model": "m",
                    "rule": {"kind": "worst_group", "group": "G"},
                }
            }
        }
    )
    rule = rule["claims"]["c"]["rule"]
    assert (rule["alpha"], rule["equivalence"]) == (0.05, [0.8, 1.25])
    assert "p < 0.05" in sv.rule_text(rule)
