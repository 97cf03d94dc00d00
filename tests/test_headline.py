"""The summary page in plain language (her2cohort.headline)."""

from __future__ import annotations

import pandas as pd

from her2cohort.headline import evidence_rows, headline, zero_one_sentence, zero_one_table


def _categories() -> pd.DataFrame:
    """HER2-low counts: ihc_only 10 (0-1+ low) / 4 (zero); asco 9 (low) / 3 (zero)."""
    rows = []
    for rule, z, n_low in [("ihc_only", "low", 10), ("ihc_only", "zero", 4), ("asco_cap_2018", "low", 9),
                           ("asco_cap_2018", "zero", 3)]:  # fmt: skip
        rows += [(f"s{i}", rule, z, "sequenced", "HER2-low") for i in range(n_low)]
        rows += [(f"s{i}", rule, z, "sequenced", "HER2-0") for i in range(n_low, 20)]
        rows += [(f"s{i}", rule, z, "primary", "HER2-low") for i in range(20)]  # not counted
    return pd.DataFrame(
        rows, columns=["sample_id", "rule", "zero_one_plus", "tissue", "her2_category"]
    )


def test_zero_one_table_and_the_attribution_sentence() -> None:
    table = zero_one_table(_categories())
    assert table.loc["ihc_only"].tolist() == [4, 10] and table.loc["asco_cap_2018"].tolist() == [
        3,
        9,
    ]
    text = zero_one_sentence(table, {"ihc_only": "low", "asco_cap_2018": "zero"})
    assert text == (
        "HER2-low is 10 under ihc_only (0-1+ as HER2-low) and 3 under asco_cap_2018 (0-1+ as HER2-0): "
        "of the 7-sample difference, 6 comes from the 0-1+ assignment (ihc_only with 0-1+ as HER2-0: 4) "
        "and 1 from the rule set itself."
    )


def test_evidence_rows_show_primary_and_untestable_only() -> None:
    claims = pd.DataFrame(
        {
            "claim": ["q1", "q1", "q2", "q3"],
            "cohort": ["a", "a", "a", "b"],
            "role": ["primary", "sensitivity", "primary", "primary"],
            "quantity": ["OR", "OR", "share x among y", ""],
            "estimate": [1.5, 1.2, 0.089, float("nan")],
            "ci_low": [1.1, 0.9, 0.06, float("nan")],
            "ci_high": [2.0, 1.6, 0.131, float("nan")],
            "verdict": ["supported", "inconclusive", "inconclusive", "not testable"],
            "reason": ["p < 0.05", "", "outside", "not testable here: no subtype"],
        }
    )
    rows = evidence_rows(claims, {"a": "Cohort A"})
    assert rows["estimate (95% CI)"].tolist() == ["1.50 (1.10-2.00)", "8.9% (6.0-13.1%)", ""]
    assert rows["cohort"].tolist() == ["Cohort A", "Cohort A", "b"]
    summary = {"label": "A", "name": "a", "n_samples": 5, "n_patients": 4, "study_id": "s", "source": "folder",
               "replication_total": 0, "n_computed": 0, "default_rule": "asco_cap_2018"}  # fmt: skip
    text = " ".join(headline(summary, claims))
    assert "cannot be told apart" in text
    assert "1 supported, 0 contradicted, 1 inconclusive, 0 not testable here" in text
