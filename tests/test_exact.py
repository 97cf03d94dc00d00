"""The vectorised conditional odds ratio and exact CI (her2cohort.exact) equal scipy's.

Tolerance: both solve the same monotone equations with Brent's method to 1e-13 (scipy on the odds
ratio, ours on its log); 1e-6 relative is the issue's bound and leaves six orders of margin.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats.contingency import odds_ratio

from conftest import REPO
from her2cohort import enrichment as en
from her2cohort.alterations import alteration_matrix, load_alterations
from her2cohort.exact import conditional_odds_ratio
from her2cohort.harmonize import all_scenarios

RTOL = 1e-6


def _scipy(table: np.ndarray, alpha: float = 0.05) -> tuple[float, float, float]:
    res = odds_ratio(np.asarray(table), kind="conditional")
    ci = res.confidence_interval(confidence_level=1 - alpha)
    return float(res.statistic), float(ci.low), float(ci.high)


def _same(ours: tuple[float, ...], theirs: tuple[float, ...]) -> None:
    for a, b in zip(ours, theirs, strict=True):
        if b == 0 or np.isinf(b):
            assert a == b, (ours, theirs)  # the exact ends: 0 and inf are decided, not computed
        else:
            assert a == pytest.approx(b, rel=RTOL), (ours, theirs)


HAND_BUILT = [
    [[5, 0], [20, 20]],  # all altered HER2-low: estimate and upper bound inf
    [[0, 5], [20, 20]],  # none: estimate and lower bound 0
    [[1, 1], [1, 1]],
    [[3, 0], [0, 4]],
    [[0, 3], [4, 0]],
    [[1, 0], [0, 1]],
    [[7, 2], [0, 9]],
    [[89, 58], [1035, 626]],
    [[1, 200], [300, 2]],
    [[4000, 3000], [35000, 21000]],  # GENIE-size margins
]


@pytest.mark.parametrize("table", HAND_BUILT)
@pytest.mark.parametrize("alpha", [0.05, 0.1])
def test_hand_built_tables_equal_scipy(table: list[list[int]], alpha: float) -> None:
    _same(tuple(conditional_odds_ratio(np.array(table), alpha)), _scipy(np.array(table), alpha))


def test_random_tables_equal_scipy() -> None:
    rng = np.random.default_rng(7)
    for _ in range(150):
        t = rng.integers(0, 40, (2, 2))
        if (t.sum(axis=0) == 0).any() or (t.sum(axis=1) == 0).any():
            continue
        _same(tuple(conditional_odds_ratio(t)), _scipy(t))


@pytest.mark.real
def test_every_real_table_equals_scipy(msk_tables, msk_clinical) -> None:
    """Every 2x2 table of breast_msk_2018's enrichment under every rule set x 0-1+ assignment."""
    alts = load_alterations(REPO / "config" / "alterations.yaml")
    matrix, _, _ = alteration_matrix(msk_tables, alts)
    hr = msk_clinical.set_index("sample_id")["hr_status"].reindex(matrix["sample_id"])
    seq = all_scenarios(msk_clinical)
    seq = seq[seq["tissue"] == "sequenced"]
    checked = 0
    for (_rule, _z), sub in seq.groupby(["rule", "zero_one_plus"]):
        cats = sub.set_index("sample_id")["her2_category"].reindex(matrix["sample_id"])
        table = en.enrichment_table(matrix, cats, hr, alts.table())
        for row in table.itertuples():
            t = np.array(
                [
                    [row.n_her2_low, row.n_her2_0],
                    [row.n_unaltered_her2_low, row.n_unaltered_her2_0],
                ]
            )
            if (t.sum(axis=0) == 0).any() or (t.sum(axis=1) == 0).any():
                continue
            _same((row.odds_ratio, row.or_ci_low, row.or_ci_high), _scipy(t))
            checked += 1
    assert checked >= 100
