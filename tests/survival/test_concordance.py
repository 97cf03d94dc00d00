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


def _quadratic(time, event, risk, entry=None) -> float:
    """Every pair compared (the definition, O(n^2)): the reference for the sweep."""
    from her2cohort.survival.concordance import tie_ranks

    t, e = np.asarray(time, float), np.asarray(event).astype(bool)
    r = tie_ranks(risk)
    s = np.full(len(t), -np.inf) if entry is None else np.asarray(entry, float)
    conc = disc = tied = 0
    for i in np.flatnonzero(e):
        ok = (s < t[i]) & ((t > t[i]) | ((t == t[i]) & ~e))
        conc += int(np.sum(r[ok] < r[i]))
        disc += int(np.sum(r[ok] > r[i]))
        tied += int(np.sum(r[ok] == r[i]))
    total = conc + disc + tied
    return (conc + tied / 2) / total if total else float("nan")


@pytest.mark.parametrize("seed", range(12))
def test_sweep_equals_every_pair(seed: int) -> None:
    """Tied times, tied risks, deaths and censorings at the same time, entries before, at and
    after other patients' times, a death entering late: exactly the pairwise result."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 300))
    time = rng.integers(1, 40, n).astype(float)
    event = rng.random(n) < 0.6
    risk = rng.integers(0, 6, n) * 0.3 + (rng.random(n) < 0.5) * rng.random(n)
    entry = np.minimum(rng.integers(-5, 30, n).astype(float), time - 0.5)
    for e in (None, entry):
        got = sv.harrell_c_at_risk(time, event, risk, e)
        want = _quadratic(time, event, risk, e)
        assert got == want or (np.isnan(got) and np.isnan(want))
    late = entry.copy()
    late[np.flatnonzero(event)[:1]] = 100.0  # a death entering after its own time
    assert sv.harrell_c_at_risk(time, event, risk, late) == pytest.approx(
        _quadratic(time, event, risk, late)
    )


@pytest.mark.parametrize("seed", range(8))
def test_harrell_and_uno_equal_scikit_survival(seed: int) -> None:
    """The O(n log n) sweeps give scikit-survival's Harrell's C exactly (integer pair counts) and
    its Uno's C to float summation order (1e-12 relative: weights summed in another order)."""
    from sksurv.metrics import concordance_index_censored, concordance_index_ipcw
    from sksurv.util import Surv

    from her2cohort.survival.concordance import harrell_c, uno_c

    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 400))
    time = rng.integers(1, 60, n).astype(float)
    event = rng.random(n) < 0.5
    risk = rng.integers(0, 8, n) * 0.25 + (rng.random(n) < 0.3) * rng.normal(size=n)
    assert harrell_c(time, event, risk) == concordance_index_censored(event, time, risk)[0]
    y = Surv.from_arrays(event, time)
    for tau in (None, 40.0):
        try:
            want = concordance_index_ipcw(y, y, risk, tau=tau)[0]
        except ValueError:
            want = float("nan")
        got = uno_c(time, event, risk, tau)
        assert got == pytest.approx(want, rel=1e-12, nan_ok=True)
