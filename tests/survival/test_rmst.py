"""Restricted mean survival time (her2cohort.survival.rmst): agreement with R's survfit rmean
(tests/reference/r_rmst.tsv, methods_reference.R), a curve by hand, the horizon rule, and the
difference from the reference group."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

from her2cohort import survival as sv
from her2cohort.errors import DataError
from survival.conftest import REF

SUBTYPES = ("LumA", "LumB", "Her2", "Basal", "claudin-low", "Normal")
HER2POS = ("Her2", "LumA", "LumB", "Basal", "claudin-low", "Normal")
#: RMST and its se are closed-form sums over at most a few thousand curve times, computed by R in
#: another order: agreement to rounding (~1e-13 relative), checked at 1e-9
CLOSED_FORM = 1e-9


@functools.cache
def dataset(name: str, population: str) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """A reference data set (tests/reference/data/methods__<name>.tsv) and its group levels."""
    d = sv.read_table(REF / "data" / f"methods__{name}.tsv")
    if name == "msk_hrpos":
        return d, ("HER2-0", "HER2-low")
    d = d.assign(group=d["subtype"])
    if population == "her2pos":
        return d[d["her2"] == "positive"], HER2POS
    return d, SUBTYPES


R_RMST = sv.read_table(REF / "r_rmst.tsv")
RMST_CASES = sorted(
    R_RMST[["dataset", "population", "truncation"]]
    .drop_duplicates()
    .itertuples(index=False, name=None)
)


@pytest.mark.parametrize("name,population,truncation", RMST_CASES)
def test_rmst_matches_r(name, population, truncation):
    r = R_RMST[
        (R_RMST["dataset"] == name)
        & (R_RMST["population"] == population)
        & (R_RMST["truncation"] == truncation)
    ]
    data, levels = dataset(name, population)
    ours = sv.rmst_table(data, "group", levels, sorted(set(r["tau"])), truncation)
    merged = r.merge(ours, on=["tau", "group"], suffixes=("_r", ""))
    assert len(merged) == len(r)
    assert (merged["n_r"] == merged["n"]).all() and (merged["events_r"] == merged["events"]).all()
    within = merged["tau"] <= merged["last_time"]
    assert merged.loc[~within, "rmst"].isna().all()  # R extends the curve; we refuse
    assert merged.loc[~within, "note"].str.contains("beyond its last follow-up").all()
    m = merged[within]
    assert len(m) and m["rmst"].notna().all()
    np.testing.assert_allclose(m["rmst"], m["rmean"], rtol=CLOSED_FORM)
    np.testing.assert_allclose(m["se"], m["se_r"], rtol=CLOSED_FORM)


def test_rmst_by_hand():
    # 5 patients: censored at 1, 3, 5; deaths at 2 (4 at risk) and 4 (2 at risk)
    km = sv.kaplan_meier([1, 2, 3, 4, 5], [0, 1, 0, 1, 0])
    # S = 1 on [0, 2), 3/4 on [2, 4), 3/8 on [4, 5)
    est = sv.rmst(km, 4.5)
    assert est.rmst == pytest.approx(2 * 1 + 2 * 3 / 4 + 0.5 * 3 / 8, rel=1e-15)
    # se^2 = sum over deaths of A(t)^2 d / (Y (Y - d)), A(t) the area from t to tau
    a2, a4 = 2 * 3 / 4 + 0.5 * 3 / 8, 0.5 * 3 / 8
    assert est.se == pytest.approx(np.sqrt(a2**2 / (4 * 3) + a4**2 / (2 * 1)), rel=1e-15)
    # tau at a death time: the death's step has no area left, so no variance term
    assert tuple(sv.rmst(km, 4.0)) == pytest.approx((2 + 2 * 3 / 4, np.sqrt(1.5**2 / 12)))
    # before any death: tau itself, without variance
    assert tuple(sv.rmst(km, 1.5)) == (1.5, 0.0)


def test_rmst_last_death_empties_the_risk_set():
    # the last patient dies: S drops to 0, and R's hh is 0 there (n.risk == n.event)
    km = sv.kaplan_meier([1, 2], [1, 1])
    est = sv.rmst(km, 2.0)
    assert est.rmst == pytest.approx(1.5) and est.se == pytest.approx(0.5 * np.sqrt(1 / 2))


def test_rmst_table_difference_and_horizon():
    d = pd.DataFrame(
        {
            "time": [1, 2, 3, 4, 5, 1.5, 2.5, 3.5],
            "event": [0, 1, 0, 1, 0, 1, 1, 0],
            "entry": np.nan,
            "arm": ["A"] * 5 + ["B"] * 3,
        }
    )
    t = sv.rmst_table(d, "arm", ["A", "B"], [3.0, 4.0], "none")
    assert list(t.columns) == sv.RMST_COLUMNS
    a, b = t.iloc[0], t.iloc[1]
    assert a["versus"] is None and np.isnan(a["difference"]) and a["note"] == ""
    assert (b["group"], b["versus"], b["n"], b["events"]) == ("B", "A", 3, 2)
    ka = sv.rmst(sv.kaplan_meier(d["time"][:5], d["event"][:5]), 3.0)
    kb = sv.rmst(sv.kaplan_meier(d["time"][5:], d["event"][5:]), 3.0)
    se = np.hypot(ka.se, kb.se)
    assert b["difference"] == pytest.approx(kb.rmst - ka.rmst)
    assert b["ci_low"] == pytest.approx(kb.rmst - ka.rmst - sv.Z * se)
    assert b["p"] == pytest.approx(sv.norm_p((kb.rmst - ka.rmst) / se))
    # tau 4 is beyond B's last follow-up (3.5): B and the difference are NaN, A is estimated
    a4, b4 = t.iloc[2], t.iloc[3]
    assert np.isfinite(a4["rmst"]) and np.isnan(b4["rmst"]) and np.isnan(b4["difference"])
    assert b4["note"] == "B: tau 4 is beyond its last follow-up (3.5): RMST not estimable"


def test_rmst_table_truncated_drops_late_entries_and_empty_groups():
    d = pd.DataFrame(
        {
            "time": [2.0, 3.0, 4.0, 5.0],
            "event": [1, 0, 1, 0],
            "entry": [0.5, 3.0, 1.0, np.nan],
            "group": ["A", "A", "A", "A"],
        }
    )
    t = sv.rmst_table(d, "group", ["A", "B"], [4.0], "left")
    assert t["n"].tolist() == [2, 0]  # entry >= time and unknown entry dropped
    km = sv.kaplan_meier([2.0, 4.0], [1, 1], [0.5, 1.0])
    assert t["rmst"].iloc[0] == pytest.approx(sv.rmst(km, 4.0).rmst)
    assert np.isnan(t["rmst"].iloc[1]) and t["note"].iloc[1] == "B: no patients"


def test_rmst_horizon_must_be_positive():
    d = pd.DataFrame({"time": [1.0], "event": [1], "entry": np.nan, "group": "A"})
    with pytest.raises(DataError, match="horizons must be positive"):
        sv.rmst_table(d, "group", ["A"], [60.0, 0.0], "none")
