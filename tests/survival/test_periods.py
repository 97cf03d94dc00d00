"""Period-specific Cox (her2cohort.survival.periods): the survSplit rows, agreement with R's
survSplit + coxph per period (tests/reference/r_period_cox.tsv), and periods that cannot be
estimated."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from her2cohort import survival as sv
from her2cohort.errors import DataError
from survival.conftest import REF
from survival.test_competing import assert_cox_close
from survival.test_rmst import dataset

R_PERIOD = sv.read_table(REF / "r_period_cox.tsv")
PERIOD_CASES = sorted(R_PERIOD[["dataset", "truncation"]].drop_duplicates().itertuples(False, None))
CUTS = (60.0, 120.0)


def _analysis(levels: tuple[str, ...]) -> sv.Analysis:
    return sv.Analysis(
        name="periods",
        title="periods",
        group_source="group",
        levels=levels,
        numeric=("age",),
        models={"adjusted": ("group", "age")},
    )


@pytest.mark.parametrize("name,truncation", PERIOD_CASES)
def test_period_cox_matches_r(name, truncation):
    r = R_PERIOD[(R_PERIOD["dataset"] == name) & (R_PERIOD["truncation"] == truncation)]
    data, levels = dataset(name, "all")
    ours = sv.period_cox(data, _analysis(levels), "adjusted", truncation, CUTS)
    assert list(ours.columns) == sv.PERIOD_COLUMNS
    assert list(ours["period"].unique()) == ["0-60", "60-120", ">120"]
    assert (ours["truncation"] == truncation).all() and (ours["model"] == "adjusted").all()
    labels = {1: "0-60", 2: "60-120", 3: ">120"}
    for k, rows in r.groupby("period"):
        mine = ours[ours["period"] == labels[int(k)]]
        assert list(mine["term"]) == list(rows["term"])
        assert (mine["start"] == rows["start"].to_numpy()).all()
        assert (mine["end"] == rows["end"].to_numpy()).all()  # inf for the last period
        assert (mine["n"] == rows["n"].to_numpy()).all()
        assert (mine["events"] == rows["events"].to_numpy()).all()
        assert (mine["note"] == "").all()
        assert_cox_close(mine, rows)


def test_split_periods_is_survsplit():
    d = pd.DataFrame(
        {
            "patient_id": ["a", "b", "c", "d", "e"],
            "group": "A",
            "time": [30.0, 60.0, 100.0, 150.0, 0.0],
            "event": [1, 1, 0, 1, 1],
            "entry": [10.0, 70.0, 65.0, 130.0, np.nan],
        }
    )
    naive = sv.split_periods(d, CUTS, "none")
    cols = ["patient_id", "period", "entry", "time", "event"]
    got = list(naive[cols].itertuples(index=False, name=None))
    assert got == [
        ("a", "0-60", 0, 30, 1),
        ("b", "0-60", 0, 60, 1),  # a death at a cut belongs to the period ending there
        ("c", "0-60", 0, 60, 0),
        ("d", "0-60", 0, 60, 0),
        ("c", "60-120", 60, 100, 0),
        ("d", "60-120", 60, 120, 0),
        ("d", ">120", 120, 150, 1),
    ]  # e (OS 0) has no risk interval; survSplit refuses it
    left = sv.split_periods(d, CUTS, "left")  # b (entry after death) and e (no entry) dropped
    got = list(left[cols].itertuples(index=False, name=None))
    assert got == [
        ("a", "0-60", 10, 30, 1),
        ("c", "60-120", 65, 100, 0),
        ("d", ">120", 130, 150, 1),
    ]


def test_period_bounds():
    assert sv.period_bounds([60, 120]) == [
        ("0-60", 0.0, 60.0),
        ("60-120", 60.0, 120.0),
        (">120", 120.0, float("inf")),
    ]
    for bad in ([], [120, 60], [0, 60], [60, float("nan")]):
        with pytest.raises(DataError, match="cut points"):
            sv.period_bounds(bad)


def test_period_without_deaths_is_not_estimable():
    rng = np.random.default_rng(5)
    n = 200
    d = pd.DataFrame(
        {
            "group": rng.choice(["A", "B"], n),
            "time": rng.uniform(1, 200, n),
            "entry": np.nan,
            "age": rng.normal(60, 10, n),
        }
    )
    d["event"] = ((d["time"] < 60) & (rng.random(n) < 0.5)).astype(int)  # no death after 60
    out = sv.period_cox(d, _analysis(("A", "B")), "adjusted", "none", CUTS)
    first = out[out["period"] == "0-60"]
    assert first["hr"].notna().all() and (first["note"] == "").all()
    for label in ("60-120", ">120"):
        rows = out[out["period"] == label]
        assert list(rows["term"]) == ["group:B", "age"]
        assert rows[["hr", "ci_low", "ci_high", "p"]].isna().all().all()
        assert (rows["events"] == 0).all() and (rows["n"] > 0).all()
        assert rows["note"].str.startswith("not estimable: no deaths among").all()
    # a cut beyond all follow-up: nobody at risk in the last period
    out = sv.period_cox(d, _analysis(("A", "B")), "adjusted", "none", (60.0, 500.0))
    last = out[out["period"] == ">500"]
    assert (last["n"] == 0).all() and (last["note"] == "not estimable: nobody at risk").all()


def test_period_with_a_group_without_deaths_flags_that_term():
    rng = np.random.default_rng(8)
    n = 300
    d = pd.DataFrame(
        {
            "group": rng.choice(["A", "B", "C"], n),
            "time": rng.uniform(1, 150, n),
            "entry": np.nan,
            "age": rng.normal(60, 10, n),
        }
    )
    d["event"] = (rng.random(n) < 0.4).astype(int)
    d.loc[(d["group"] == "C") & (d["time"] > 60), "event"] = 0  # C: no deaths after 60
    out = sv.period_cox(d, _analysis(("A", "B", "C")), "adjusted", "none", CUTS)
    late = out[out["period"] == "60-120"].set_index("term")
    assert np.isnan(late.loc["group:C", "hr"]) and np.isfinite(late.loc["group:B", "hr"])
    assert "group:C: no deaths in this level" in late.loc["group:C", "note"]
