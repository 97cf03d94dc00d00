"""Kaplan-Meier (her2cohort.survival.km): agreement with R's survfit and lifelines, by-hand
curves with delayed-entry ties, medians, numbers at risk, and the km_curves table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from her2cohort import survival as sv
from her2cohort.io import read_tsv, write_tsv
from survival.conftest import ANALYSIS_CASES, EDGE, fixture, r_rows, synthetic


@pytest.mark.parametrize("cohort,analysis,truncation", ANALYSIS_CASES)
def test_km_matches_r(cohort, analysis, truncation):
    a, data, _ = fixture(cohort, analysis)
    times = (12.0, 24.0, 60.0)
    ours = sv.km_table(data, a.levels, truncation, times).set_index("group")
    r = r_rows("km", cohort=cohort, analysis=analysis, truncation=truncation).set_index("group")
    ours = ours.loc[r.index]
    assert (ours["n"] == r["n"]).all() and (ours["events"] == r["events"]).all()
    for col in ["median", "median_ci_low", "median_ci_high"]:  # exactly: data times or midpoints
        pd.testing.assert_series_equal(
            ours[col].astype(float), r[col].astype(float), check_exact=True
        )
    for t in ("12", "24", "60"):
        for col in (f"surv_{t}", f"surv_{t}_ci_low", f"surv_{t}_ci_high"):
            np.testing.assert_allclose(
                ours[col].astype(float), r[col].astype(float), rtol=0, atol=1e-12
            )
        risk = ours[f"at_risk_{t}"].astype(float)
        expected = r[f"at_risk_{t}"].astype(float)
        if truncation == "left":
            # R reports the risk set at its next curve time >= t, which also counts patients
            # entering in [t, that time); ours is the risk set at t itself (entry < t <= time).
            pop = sv.fit_population(data, "left")
            for grp in ours.index:
                d = pop if grp == "all" else pop[pop["group"] == grp]
                curve = sv.kaplan_meier(d["time"], d["event"], d["entry"])
                later = curve["time"][curve["time"] >= float(t)]
                if len(later):
                    late = ((d["entry"] >= float(t)) & (d["entry"] < later.iloc[0])).sum()
                    expected[grp] -= late
        np.testing.assert_array_equal(risk.to_numpy(), expected.to_numpy())


def test_km_by_hand_with_delayed_entry_ties():
    # subject 3 enters exactly at t = 2 (a death time): not at risk at 2 ((entry, time] risk sets)
    km = sv.kaplan_meier(time=[2, 3, 5, 4], event=[1, 1, 0, 1], entry=[0, 0, 2, 1])
    assert km["time"].tolist() == [2, 3, 4, 5]
    assert km["n_risk"].tolist() == [3, 3, 2, 1]
    np.testing.assert_allclose(km["surv"], [2 / 3, 2 / 3 * 2 / 3, 2 / 3 * 2 / 3 * 1 / 2, 2 / 9])


def test_km_naive_matches_lifelines():
    from lifelines import KaplanMeierFitter

    rng = np.random.default_rng(1)
    t = np.round(rng.exponential(20, 300), 1)
    e = rng.random(300) < 0.6
    ours = sv.kaplan_meier(t, e).set_index("time")
    kmf = KaplanMeierFitter().fit(t, e)
    sf = kmf.survival_function_["KM_estimate"].reindex(ours.index)
    np.testing.assert_allclose(ours["surv"], sf, rtol=1e-12)
    ci = kmf.confidence_interval_.reindex(ours.index)
    ok = (ours["surv"] < 1) & (ours["surv"] > 0)
    np.testing.assert_allclose(ours.loc[ok, "lower"], ci.loc[ok].iloc[:, 0], rtol=1e-10)
    np.testing.assert_allclose(ours.loc[ok, "upper"], ci.loc[ok].iloc[:, 1], rtol=1e-10)


def test_km_median_midpoint_rule():
    # S drops to exactly 0.5 at t = 4 and stays until the death at t = 6: R's median is (4 + 6) / 2
    km = sv.kaplan_meier([1, 4, 5, 6], [1, 1, 0, 1])
    assert km.loc[km["time"] == 4, "surv"].iloc[0] == pytest.approx(0.5)
    assert sv.km_quantile(km)[0] == 5.0
    # not reached
    assert np.isnan(sv.km_quantile(sv.kaplan_meier([1, 2, 3, 4], [1, 0, 0, 0]))[0])


def test_km_quantile_and_km_at_are_named():
    km = sv.kaplan_meier([1, 4, 5, 6], [1, 1, 0, 1])
    median = sv.km_quantile(km)
    assert median.estimate == 5.0 and median == (median.estimate, median.ci_low, median.ci_high)
    at = sv.km_at(km, 4.5)
    assert at.estimate == pytest.approx(0.5)
    assert sv.km_at(km, 0.5) == (1.0, 1.0, 1.0)  # before the first time: a 1-1 interval, as R
    assert np.isnan(sv.km_at(km, 7).estimate)  # beyond the last follow-up


def test_number_at_risk_counts_entered_patients_only():
    # entering at t is not yet at risk at t; leaving at t still is
    n = sv.number_at_risk(time=[10, 20, 30], entry=[0, 5, 15], at=[0, 5, 10, 15, 25])
    assert n.tolist() == [1, 1, 2, 1, 1]
    assert sv.number_at_risk([0, 10], None, [0]).tolist() == [2]


def test_km_curves_are_the_group_curves_and_round_trip_exactly(tmp_path):
    data = synthetic()
    curves = sv.km_curves(data, EDGE.levels, ("none", "left"))
    assert list(curves.columns) == sv.KM_CURVES_COLUMNS
    assert set(curves["group"]) == {"A", "B", "C"}  # D has no patients: no curve
    for trunc in ("none", "left"):
        pop = sv.fit_population(data, trunc)
        for grp in ("A", "B", "C"):
            d = pop[pop["group"] == grp]
            expected = sv.kaplan_meier(
                d["time"], d["event"], d["entry"] if trunc == "left" else None
            )
            pd.testing.assert_frame_equal(sv.group_curve(curves, trunc, grp), expected)
    write_tsv(curves, tmp_path / "km_curves.tsv")  # full precision, read back exactly
    pd.testing.assert_frame_equal(read_tsv(tmp_path / "km_curves.tsv"), curves, check_exact=True)
    empty = sv.km_curves(data.iloc[:0], EDGE.levels, ("none",))
    assert empty.empty and list(empty.columns) == sv.KM_CURVES_COLUMNS
