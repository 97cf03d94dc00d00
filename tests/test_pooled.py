"""Pooled results across cohorts against statsmodels and hand computations on hand-built tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.contingency_tables import StratifiedTable

from her2cohort import pooled as po

COUNTS = ["n_her2_low", "n_her2_0", "n_unaltered_her2_low", "n_unaltered_her2_0"]
CANNOT = "not computable: HER2-0 and HER2-low cannot be told apart (no IHC scores)"


def _table(rows: dict[str, tuple[int, int, int, int]], status: str = "computed") -> pd.DataFrame:
    """An enrichment table: alteration -> (altered low, altered 0, unaltered low, unaltered 0)."""
    out = pd.DataFrame([(a, *c) for a, c in rows.items()], columns=["alteration", *COUNTS])
    out.insert(1, "mechanism", "ER")
    out.insert(2, "genes", out["alteration"].str.split("_").str[0])
    out["status"] = status
    return out


TABLES = {  # three cohorts, two alterations; cohort c has a zero cell for ESR1_mut
    "a": _table({"ESR1_mut": (20, 15, 300, 400), "PIK3CA_mut": (60, 30, 250, 380)}),
    "b": _table({"ESR1_mut": (8, 12, 150, 160), "PIK3CA_mut": (25, 20, 130, 150)}),
    "c": _table({"ESR1_mut": (0, 5, 90, 70), "PIK3CA_mut": (18, 9, 70, 65)}),
}


def _strata(alteration: str, cohorts: list[str]) -> list[np.ndarray]:
    rows = [TABLES[c].set_index("alteration").loc[alteration, COUNTS] for c in cohorts]
    return [np.array(r, dtype=float).reshape(2, 2) for r in rows]


def _pool(tables: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    return po.pool_enrichment(tables, {c: f"design of {c}" for c in tables}, "asco_cap_2018")


@pytest.mark.parametrize("alteration", ["ESR1_mut", "PIK3CA_mut"])
def test_mantel_haenszel_and_breslow_day_equal_statsmodels(alteration):
    pooled, _ = _pool(TABLES)
    row = pooled.set_index("alteration").loc[alteration]
    st = StratifiedTable(_strata(alteration, ["a", "b", "c"]))
    lo, hi = st.oddsratio_pooled_confint(alpha=0.05)
    assert row["n_cohorts"] == 3 and row["status"] == "pooled: 3 cohorts"
    assert row["mh_odds_ratio"] == pytest.approx(st.oddsratio_pooled, rel=1e-12)
    assert (row["mh_ci_low"], row["mh_ci_high"]) == pytest.approx((lo, hi), rel=1e-12)
    assert row["breslow_day_p"] == pytest.approx(st.test_equal_odds().pvalue, rel=1e-12)
    assert row["cmh_p"] == pytest.approx(st.test_null_odds(correction=True).pvalue, rel=1e-12)
    assert row["n_her2_low"] == sum(t[0, 0] for t in _strata(alteration, ["a", "b", "c"]))
    assert "differ" in row["caveat"] and "design of b" in row["caveat"]


def test_woolf_q_and_i2_by_hand_with_continuity_only_where_a_cell_is_zero():
    pooled, by_cohort = _pool(TABLES)
    esr1 = by_cohort[by_cohort["alteration"] == "ESR1_mut"].set_index("cohort")
    # hand: a and b uncorrected, c (a zero cell) gets 0.5 in all four cells
    cells = {"a": (20, 15, 300, 400), "b": (8, 12, 150, 160), "c": (0.5, 5.5, 90.5, 70.5)}
    y = {k: math.log(a * d / (b * c)) for k, (a, b, c, d) in cells.items()}
    se = {k: math.sqrt(sum(1 / x for x in v)) for k, v in cells.items()}
    for k in cells:
        assert esr1.loc[k, "log_or"] == pytest.approx(y[k], rel=1e-12)
        assert esr1.loc[k, "se"] == pytest.approx(se[k], rel=1e-12)
        assert esr1.loc[k, "odds_ratio"] == pytest.approx(math.exp(y[k]), rel=1e-12)
    assert list(esr1["continuity_corrected"]) == [False, False, True]
    w = {k: 1 / se[k] ** 2 for k in cells}
    ybar = sum(w[k] * y[k] for k in cells) / sum(w.values())
    q = sum(w[k] * (y[k] - ybar) ** 2 for k in cells)
    row = pooled.set_index("alteration").loc["ESR1_mut"]
    assert row["q"] == pytest.approx(q, rel=1e-12) and row["q_df"] == 2
    assert row["i2_pct"] == pytest.approx(100 * max(0.0, (q - 2) / q), rel=1e-12)
    assert row["continuity_corrected"].startswith("c (a cell is 0: 0.5 added")
    assert pooled.set_index("alteration").loc["PIK3CA_mut", "continuity_corrected"] == "none"


Y = [0.10, 0.45, -0.20, 0.30]
SE = [0.10, 0.20, 0.15, 0.25]


def test_inverse_variance_fixed_and_dersimonian_laird_by_hand():
    res = po.inverse_variance(Y, SE)
    w = [1 / s**2 for s in SE]
    fixed = sum(wi * yi for wi, yi in zip(w, Y, strict=True)) / sum(w)
    q = sum(wi * (yi - fixed) ** 2 for wi, yi in zip(w, Y, strict=True))
    tau2 = max(0.0, (q - 3) / (sum(w) - sum(wi**2 for wi in w) / sum(w)))
    wr = [1 / (s**2 + tau2) for s in SE]
    rand = sum(wi * yi for wi, yi in zip(wr, Y, strict=True)) / sum(wr)
    assert res.fixed == pytest.approx(fixed, rel=1e-12)
    assert res.fixed_se == pytest.approx(math.sqrt(1 / sum(w)), rel=1e-12)
    assert res.q == pytest.approx(q, rel=1e-12) and res.q_df == 3
    assert res.i2_pct == pytest.approx(100 * (q - 3) / q, rel=1e-12) and res.i2_pct > 0
    assert res.tau2 == pytest.approx(tau2, rel=1e-12) and tau2 > 0
    assert res.random == pytest.approx(rand, rel=1e-12)
    assert res.random_se == pytest.approx(math.sqrt(1 / sum(wr)), rel=1e-12)
    assert sum(res.weights_fixed) == pytest.approx(100)
    # homogeneous estimates: Q < df, so I^2 = tau^2 = 0 and random == fixed
    flat = po.inverse_variance([0.2, 0.21, 0.19], [0.1, 0.1, 0.1])
    assert flat.i2_pct == 0 and flat.tau2 == 0 and flat.random == pytest.approx(flat.fixed)


def _cox(rows: list[tuple[str, float, float, float, str, str]]) -> pd.DataFrame:
    cols = ["term", "hr", "ci_low", "ci_high", "model", "truncation"]
    out = pd.DataFrame(rows, columns=cols)
    out["p"], out["n"], out["events"] = 0.5, 100, 30
    return out


def _hr(log_hr: float, se: float) -> tuple[float, float, float]:
    return math.exp(log_hr), math.exp(log_hr - po.Z95 * se), math.exp(log_hr + po.Z95 * se)


def test_survival_pools_each_cohorts_primary_fit_by_hand():
    term = "group:HER2-low"
    cox = {  # a: left-truncated fit present (and used); b, c: naive only
        "a": {
            "her2_all": _cox(
                [
                    (term, *_hr(0.5, 0.9), "crude", "none"),
                    (term, *_hr(Y[0], SE[0]), "crude", "left"),
                ]
            )
        },  # fmt: skip
        "b": {"her2_all": _cox([(term, *_hr(Y[1], SE[1]), "crude", "none")])},
        "c": {"her2_all": _cox([(term, *_hr(Y[2], SE[2]), "crude", "none")])},
        "d": {},  # a cohort without survival analyses
    }
    pooled, by_cohort = po.pool_survival(cox, {})
    row = pooled.iloc[0]
    ref = po.inverse_variance(Y[:3], SE[:3])
    assert row["status"] == "pooled: 3 cohorts" and row["truncation"].startswith("a: left; b: none")
    assert by_cohort["se"].tolist() == pytest.approx(SE[:3], rel=1e-9)
    assert row["fixed_hr"] == pytest.approx(math.exp(ref.fixed), rel=1e-9)
    lo, hi = (math.exp(ref.fixed + s * po.Z95 * ref.fixed_se) for s in (-1, 1))
    assert (row["fixed_ci_low"], row["fixed_ci_high"]) == pytest.approx((lo, hi), rel=1e-9)
    assert row["random_hr"] == pytest.approx(math.exp(ref.random), rel=1e-9)
    assert row["tau2"] == pytest.approx(ref.tau2, rel=1e-9)
    assert row["i2_pct"] == pytest.approx(ref.i2_pct, rel=1e-9)
    assert (
        row["excluded_cohorts"] == "d"
        and "no survival analysis 'her2_all'" in row["exclusion_reasons"]
    )
    assert "left-truncated and naive fits mixed" in row["caveat"]


def test_a_cohort_with_another_reference_level_is_not_pooled():
    term = "group:LumA"
    cox = {c: {"subtype": _cox([(term, *_hr(y, s), "crude", "none")])}
           for c, y, s in zip("abc", Y, SE, strict=False)}  # fmt: skip
    refs = {"a": {"subtype": {"group": "Her2"}}, "b": {"subtype": {"group": "Her2"}},
            "c": {"subtype": {"group": "Basal"}}}  # fmt: skip
    pooled, by_cohort = po.pool_survival(cox, {}, refs)
    row = pooled.iloc[0]
    assert row["cohorts"] == "a, b" and row["reference"] == "Her2"
    assert row["exclusion_reasons"] == "c: reference of group is Basal, not Her2"
    assert row["fixed_hr"] == pytest.approx(math.exp(po.inverse_variance(Y[:2], SE[:2]).fixed))


def test_cohort_that_cannot_tell_her2_0_from_low_is_never_pooled():
    # METABRIC-like: every computable-looking count, but its rows say HER2-0/low cannot be told
    metabric = _table({"ESR1_mut": (30, 30, 300, 300), "PIK3CA_mut": (40, 40, 300, 300)})
    metabric.loc[0, "status"] = CANNOT
    tables = {"a": TABLES["a"], "metabric": metabric, "b": TABLES["b"]}
    pooled, by_cohort = _pool(tables)
    assert "metabric" not in set(by_cohort["cohort"])
    for row in pooled.itertuples():
        assert row.cohorts == "a, b" and row.excluded_cohorts == "metabric"
        assert "cannot tell HER2-0 from HER2-low" in row.exclusion_reasons
    st = StratifiedTable(_strata("PIK3CA_mut", ["a", "b"]))
    mh = pooled.set_index("alteration").loc["PIK3CA_mut", "mh_odds_ratio"]
    assert mh == pytest.approx(st.oddsratio_pooled, rel=1e-12)
    # with the only other cohort, nothing is pooled at all
    alone, _ = _pool({"a": TABLES["a"], "metabric": metabric})
    assert alone["status"].eq("nothing to pool: usable in a only").all()


def test_not_computable_or_empty_margin_rows_are_excluded_with_the_reason():
    b = TABLES["b"].copy()
    b.loc[0, "status"] = "not computable: study has no cna profile"
    c = TABLES["c"].copy()
    c.loc[0, COUNTS] = [0, 0, 90, 70]  # no altered sample is HER2-low or HER2-0
    pooled, _ = _pool({"a": TABLES["a"], "b": b, "c": c})
    esr1 = pooled.set_index("alteration").loc["ESR1_mut"]
    assert esr1["status"] == "nothing to pool: usable in a only" and np.isnan(esr1["mh_odds_ratio"])
    assert "b: not computable: study has no cna profile" in esr1["exclusion_reasons"]
    assert "c: not informative: no altered sample" in esr1["exclusion_reasons"]


def test_one_cohort_only_says_nothing_to_pool_without_error():
    from her2cohort.figures.pooled import pooled_figures

    cox = {"a": {"her2_all": _cox([("group:HER2-low", *_hr(0.2, 0.1), "crude", "left")])}}
    meta = {"a": {"description": "Targeted sequencing."}}
    types = {"a": pd.Series(["metastasis", "primary", "primary", "primary"])}
    result = po.run_pooled({"a": TABLES["a"]}, cox, meta, types, {"a": "A"}, "asco_cap_2018")
    for table in (result.enrichment, result.survival):
        assert table["status"].eq("nothing to pool: usable in a only").all()
        assert table["caveat"].eq("not pooled").all() and table["n_cohorts"].eq(1).all()
    assert result.enrichment["mh_odds_ratio"].isna().all()
    assert result.survival[["fixed_hr", "random_hr", "q", "i2_pct"]].isna().all().all()
    assert list(result.survival.columns) == po.SURVIVAL_COLUMNS
    assert not result.enrichment_by_cohort["pooled"].any()
    figures = pooled_figures(result)
    assert set(figures) == {"enrichment_forest", "survival_forest"}
    empty = po.run_pooled({"a": TABLES["a"]}, {"a": {}}, meta, types, {}, "asco_cap_2018")
    assert empty.survival.empty and list(empty.survival.columns) == po.SURVIVAL_COLUMNS
    pooled_figures(empty)


def test_design_line_and_pooled_figures_draw():
    from matplotlib.figure import Figure

    from her2cohort.figures.pooled import pooled_figures

    line = po.describe_cohort("MSK", {"description": "Targeted panel."}, pd.Series(["metastasis"]))
    assert line == "MSK: 1 samples, 100% metastatic (Targeted panel)"
    pooled, by_cohort = _pool(TABLES)
    cox = {c: {"her2_all": _cox([("group:HER2-low", *_hr(y, s), "crude", "none")])}
           for c, y, s in zip("abc", Y, SE, strict=False)}  # fmt: skip
    survival, survival_by = po.pool_survival(cox, {})
    figures = pooled_figures(po.PooledResults(pooled, by_cohort, survival, survival_by))
    assert all(isinstance(f, Figure) for f in figures.values())
