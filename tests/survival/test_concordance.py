"""Concordance (her2cohort.survival.concordance): scikit-survival and R's concordance()."""

from __future__ import annotations

import numpy as np
import pytest

from her2cohort import survival as sv
from survival.conftest import MODEL_CASES, cox_fit, r_rows


def test_scikit_survival_harrell_equals_r_on_naive_fits():
    for cohort, analysis, model, trunc in MODEL_CASES:
        if trunc != "none":
            continue
        fit = cox_fit(cohort, analysis, model, trunc)
        harrell, uno = sv.concordance(fit, 120.0)
        m = r_rows("models", cohort=cohort, analysis=analysis, model=model, truncation=trunc)
        m = m.iloc[0]
        assert harrell == pytest.approx(m["concordance"], abs=1e-9)
        assert 0.4 < uno < 0.8


def test_harrell_c_at_risk_counts_pairs_on_risk_sets():
    # deaths at 2 and 3, a censoring at 4; the patient censored at 4 enters at 2.5, so the pair with
    # the death at 2 is not comparable on the risk sets (it was concordant), the one at 3 is (it is
    # discordant): naive C 2/3, truncated 1/2
    time, event, risk = [2, 3, 4], [1, 1, 0], [3, 1, 2]
    assert sv.harrell_c_at_risk(time, event, risk) == pytest.approx(2 / 3)
    assert sv.harrell_c_at_risk(time, event, risk, entry=[0, 0, 2.5]) == pytest.approx(1 / 2)
    assert sv.harrell_c_at_risk([2, 3], [1, 1], [1, 2]) == 0.0
    assert sv.harrell_c_at_risk([2, 3], [1, 1], [1, 1]) == 0.5  # tied risks count 1/2


def test_harrell_c_at_risk_ties_do_not_depend_on_last_bits():
    """Patients with identical covariates are tied even when x @ beta differs in the last bits
    (as it does between BLAS kernels): the result equals the exactly tied one."""
    time, event = [2.0, 3.0, 4.0], [1, 1, 0]
    up = np.nextafter(0.5, 1.0)  # one ulp above 0.5
    assert sv.harrell_c_at_risk(time, event, [0.5, 0.5, 0.5]) == 0.5
    assert sv.harrell_c_at_risk(time, event, [0.5, up, up]) == 0.5
    assert sv.harrell_c_at_risk(time, event, [up, 0.5, 0.5], entry=[0, 1, 1]) == 0.5
    assert sv.harrell_c_at_risk(time, event, [0.5, 0.6, 0.6]) == pytest.approx(0.5 / 3)


def test_tie_ranks_groups_within_relative_tolerance():
    from her2cohort.survival.concordance import tie_ranks

    v = np.array([3.0, 1.0, 1.0 + 1e-14, 2.0, 1e6, 1e6 * (1 + 1e-13)])
    assert tie_ranks(v).tolist() == [2, 0, 0, 1, 3, 3]
    assert tie_ranks([]).tolist() == []
