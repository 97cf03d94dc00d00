"""Competing risks (her2cohort.survival.competing): Aalen-Johansen cumulative incidence and its IJ
standard error against R's multi-state survfit (tests/reference/r_cif.tsv) and a numerical
derivative, the cause codes, and cause-specific Cox against R's coxph (r_cs_cox.tsv)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from her2cohort import survival as sv
from her2cohort.errors import DataError
from survival.conftest import REF
from survival.test_rmst import CLOSED_FORM, dataset

R_CIF = sv.read_table(REF / "r_cif.tsv")
R_CS = sv.read_table(REF / "r_cs_cox.tsv")
CIF_CASES = sorted(
    R_CIF[["dataset", "population", "truncation"]].drop_duplicates().itertuples(False, None)
)
CS_CASES = sorted(
    R_CS[["dataset", "population", "truncation", "cause"]].drop_duplicates().itertuples(False, None)
)
#: fit_cox stops lifelines' Newton-Raphson once the Newton decrement g' H^-1 g / 2 is below its
#: precision 1e-10, without taking that last step: the coefficients are then within
#: sqrt(2 * 1e-10) standard errors of the optimum (R's, at eps 1e-10, is converged far closer)
NEWTON = float(np.sqrt(2 * 1e-10))


def _rows(table: pd.DataFrame, **keys: object) -> pd.DataFrame:
    for k, v in keys.items():
        table = table[table[k] == v]
    assert len(table), f"no R reference rows for {keys}"
    return table


@pytest.mark.parametrize("name,population,truncation", CIF_CASES)
def test_cif_matches_r(name, population, truncation):
    r = _rows(R_CIF, dataset=name, population=population, truncation=truncation)
    data, levels = dataset(name, population)
    ours = sv.cif_table(data, levels, truncation, sorted(set(r["time"])))
    m = ours.merge(r, on=["group", "cause", "time"], how="left", suffixes=("", "_r"))
    # R's summary leaves out times beyond a group's last follow-up; ours are NaN there
    assert m.loc[m["pstate"].isna(), "cif"].isna().all()
    m = m[m["pstate"].notna()]
    assert len(m) == len(r)
    np.testing.assert_allclose(m["cif"], m["pstate"], rtol=CLOSED_FORM, atol=0)
    np.testing.assert_allclose(m["std_err"], m["std_err_r"], rtol=CLOSED_FORM, atol=0)
    pos = m["cif"] > 0  # where F = 0 R's interval is NA (before the first time, R prints 0, 0)
    for col in ("lower", "upper"):
        np.testing.assert_allclose(m.loc[pos, col], m.loc[pos, f"{col}_r"], rtol=CLOSED_FORM)
    assert m.loc[~pos, "lower"].isna().all()


def _weighted_cif(time, cause, entry, w, at, of):
    """The Aalen-Johansen estimate with case weights, straight from its definition."""
    surv, cif = 1.0, 0.0
    for u in np.unique(time[(cause > 0) & (time <= at)]):
        y = w[(entry < u) & (time >= u)].sum()
        d = w[(time == u) & (cause > 0)].sum()
        dk = w[(time == u) & (cause == of)].sum()
        cif += surv * dk / y
        surv *= 1 - d / y
    return cif


@pytest.mark.parametrize("with_entry", [False, True])
def test_ij_variance_is_the_sum_of_squared_weight_derivatives(with_entry):
    """R's std.err is the infinitesimal jackknife: sqrt(sum_i (dF/dw_i)^2); check it by central
    differences (F is smooth in the weights: step h = 1e-6 leaves errors ~h^2 + eps/h ~ 1e-10)."""
    rng = np.random.default_rng(7)
    n = 40
    time = np.round(rng.exponential(10, n)) + 1.0  # ties
    cause = rng.choice([0, 1, 2], n, p=[0.3, 0.4, 0.3])
    entry = np.where(rng.random(n) < 0.5, np.round(rng.uniform(0, 6, n)), -np.inf)
    entry = np.minimum(entry, time - 0.5) if with_entry else np.full(n, -np.inf)
    for of in (1, 2):
        curve = sv.aalen_johansen(time, cause, entry if with_entry else None, of)
        for at in np.quantile(time, [0.3, 0.6, 0.9]):
            h = 1e-6
            grad = []
            for i in range(n):
                up, down = np.ones(n), np.ones(n)
                up[i] += h
                down[i] -= h
                diff = _weighted_cif(time, cause, entry, up, at, of) - _weighted_cif(
                    time, cause, entry, down, at, of
                )
                grad.append(diff / (2 * h))
            est = sv.cif_at(curve, at)
            assert est["cif"] == pytest.approx(
                _weighted_cif(time, cause, entry, np.ones(n), at, of), rel=1e-12
            )
            assert est["std_err"] == pytest.approx(np.sqrt(np.sum(np.square(grad))), rel=1e-6)


@pytest.mark.parametrize("with_entry", [False, True])
def test_cif_without_competing_deaths_is_one_minus_km(with_entry):
    rng = np.random.default_rng(11)
    time = np.round(rng.exponential(20, 60), 1) + 0.1
    cause = rng.choice([0, 1], 60)
    entry = np.minimum(np.round(rng.uniform(0, 3, 60), 1), time - 0.05) if with_entry else None
    km = sv.kaplan_meier(time, cause, entry)
    aj = sv.aalen_johansen(time, cause, entry, of=1)
    np.testing.assert_allclose(aj["cif"], 1 - km["surv"], rtol=0, atol=1e-14)
    np.testing.assert_array_equal(aj["n_risk"], km["n_risk"])
    assert (sv.aalen_johansen(time, cause, entry, of=2)["cif"] == 0).all()
    if not with_entry:
        # one cause, no delayed entry: the IJ variance is Greenwood's, se(F) = S se(log S)
        # (with delayed entry a patient's at-risk terms at different times no longer cancel)
        greenwood = km["surv"] * km["std_err"]
        np.testing.assert_allclose(aj["std_err"], greenwood, rtol=CLOSED_FORM, atol=1e-15)


def test_cif_by_hand():
    # at 1: 4 at risk, a death of disease; at 2: 3 at risk, another cause; 3: censored; at 4: the
    # last patient dies of disease. S(u-) = 1, 3/4, 1/2, 1/2 at u = 1, 2, 3, 4
    curve = sv.aalen_johansen([1, 2, 3, 4], [1, 2, 0, 1])
    np.testing.assert_allclose(curve["cif"], [1 / 4, 1 / 4, 1 / 4, 1 / 4 + 1 / 2], rtol=1e-15)
    # var(t) = sum_u S(u-)^2 dk (Y - dk) / Y^3 - 2 S(u-) (F(t) - F(u)) dk / Y^2
    #          + (F(t) - F(u))^2 d / (Y (Y - d))   (no delayed entry; last term 0 where Y = d)
    at_1 = 1 * 3 / 4**3
    at_4 = (3 / 64 - 2 * 0.5 / 16 + 0.5**2 / 12) + 0.5**2 / 6
    np.testing.assert_allclose(curve["std_err"], np.sqrt([at_1, at_1, at_1, at_4]), rtol=1e-14)
    before = sv.cif_at(curve, 0.5)
    assert (before["cif"], before["std_err"]) == (0.0, 0.0) and np.isnan(before["lower"])
    assert np.isnan(sv.cif_at(curve, 4.5)["cif"])  # beyond the last follow-up


def test_unknown_cause_code_names_the_value():
    with pytest.raises(DataError, match=r"cause: 1 value\(s\) not a cause code .*: 3"):
        sv.aalen_johansen([1, 2, 3], [0, 1, 3])
    with pytest.raises(DataError, match="'x'"):
        sv.check_causes([0, "x"])
    d = pd.DataFrame({"time": [1.0, 2.0], "event": [1, 0], "entry": np.nan, "group": "A"})
    with pytest.raises(DataError, match="3"):
        sv.cif_table(d.assign(cause=[3, 0]), ["A"], "none", [1.0])
    with pytest.raises(DataError, match="cause must be 1 or 2"):
        sv.aalen_johansen([1, 2], [0, 1], of=0)


def test_cif_curves_and_table_shapes():
    data, levels = dataset("metabric", "her2pos")
    curves = sv.cif_curves(data, levels, ["none"])
    assert list(curves.columns) == sv.CIF_CURVES_COLUMNS
    assert set(curves["cause"]) == {1, 2} and set(curves["group"]) == set(levels)
    table = sv.cif_table(data, [*levels, "absent"], "none", [60.0])
    assert list(table.columns) == sv.CIF_TABLE_COLUMNS
    absent = table[table["group"] == "absent"]
    assert (absent["n"] == 0).all() and absent["cif"].isna().all()
    her2 = table[(table["group"] == "Her2") & (table["cause"] == 1)].iloc[0]
    assert her2["events"] == int(((data["subtype"] == "Her2") & (data["cause"] == 1)).sum())


def _analysis(levels: tuple[str, ...]) -> sv.Analysis:
    return sv.Analysis(
        name="cs",
        title="cs",
        group_source="subtype",
        levels=levels,
        numeric=("age",),
        models={"adjusted": ("group", "age")},
    )


@pytest.mark.parametrize("name,population,truncation,cause", CS_CASES)
def test_cause_specific_cox_matches_r(name, population, truncation, cause):
    r = _rows(R_CS, dataset=name, population=population, truncation=truncation, cause=cause)
    data, levels = dataset(name, population)
    fit = sv.cause_specific_cox(data, _analysis(levels), "adjusted", truncation, of=cause)
    table = sv.cause_specific_table(data, _analysis(levels), "adjusted", truncation, of=cause)
    assert list(table.columns) == sv.CS_COX_COLUMNS and (table["cause"] == cause).all()
    assert list(table["term"]) == list(r["term"])
    assert (table["n"] == r["n"].to_numpy()).all()
    assert (table["events"] == r["events"].to_numpy()).all()
    ok = ~table["term"].isin(fit.not_estimable).to_numpy()
    # a level without deaths of this cause: R's coefficient runs off ("may be infinite")
    assert (r["se"].to_numpy()[~ok] > 100).all() and table.loc[~ok, "hr"].isna().all()
    assert_cox_close(table[ok], r[ok])


def assert_cox_close(ours: pd.DataFrame, r: pd.DataFrame) -> None:
    """Cox rows (hr, ci_low, ci_high, p) against R's (coef, se, hr, ci, p) to lifelines'
    convergence: |b - b_R| <= NEWTON se; se, a smooth function of b, to relative NEWTON."""
    se_r = r["se"].to_numpy(float)
    log_hr = np.log(ours["hr"].to_numpy(float))
    assert np.all(np.abs(log_hr - r["coef"].to_numpy(float)) <= NEWTON * se_r)
    se = (np.log(ours["ci_high"]) - np.log(ours["ci_low"])).to_numpy(float) / (2 * sv.Z)
    np.testing.assert_allclose(se, se_r, rtol=NEWTON)
    for col in ("hr", "ci_low", "ci_high"):  # log scale: b and b +- z se
        diff = np.abs(np.log(ours[col].to_numpy(float)) - np.log(r[col].to_numpy(float)))
        assert np.all(diff <= NEWTON * se_r * (1 + sv.Z)), col
    # p = 2 Phi(-|z|): |p - p_R| <= 2 phi(min |z|) |z - z_R|, |z - z_R| <= NEWTON (1 + |z|)
    z, z_r = np.abs(log_hr / se), np.abs(r["coef"].to_numpy(float) / se_r)
    zmin = np.minimum(z, z_r)
    bound = 2 * np.exp(-(zmin**2) / 2) / np.sqrt(2 * np.pi) * NEWTON * (1 + np.maximum(z, z_r))
    assert np.all(np.abs(ours["p"].to_numpy(float) - r["p"].to_numpy(float)) <= bound * (1 + 1e-9))
